// The compiled form of a policy set: bytecode chunks, constants, regexes,
// params and rule metadata. Built by the compiler, run by the VM, immutable
// once built (shared by every thread that evaluates it).
#ifndef GAVEL_ENGINE_PROGRAM_H_
#define GAVEL_ENGINE_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "engine/ast.h"
#include "engine/builtins.h"
#include "engine/policy.h"
#include "engine/source.h"
#include "engine/value.h"
#include "re2/re2.h"

namespace gavel {

enum class Op : uint8_t {
#define OP(name, doc) name,
#include "engine/opcodes.def"
#undef OP
};
inline constexpr int kNumOps = 0
#define OP(name, doc) +1
#include "engine/opcodes.def"
#undef OP
    ;

const char* OpName(Op op);

const char* OpDoc(Op op);

// Coefficients by power of n: {7, 12} is 12n + 7 (engine/cost.h).
// Saturating arithmetic: a coefficient of UINT64_MAX means "no useful
// bound". Inline up to n^2: no allocation per rule of a bundle being loaded.
using CostBound = absl::InlinedVector<uint64_t, 3>;

struct Instr {
  Op op;
  int32_t a = 0;
  int32_t b = 0;
};

// The local slots an instruction writes (a rule let's chunk aside), in
// out[0, n); returns n. Inline: the verifier asks for every instruction
// of a bundle being loaded.
inline int SlotWrites(const Instr& in, int64_t out[3]) {
  const int64_t a = in.a;
  switch (in.op) {
    case Op::STORE_LOCAL: case Op::ACC_ALL: case Op::ACC_EXISTS: case Op::ACC_COUNT: case Op::ACC_APPEND:
    case Op::ACC_PUT: case Op::TEST_FILTER: case Op::LOAD_RULE_LET: out[0] = a; return 1;
    case Op::ITER_INIT: case Op::ITER_INIT2: out[0] = a; out[1] = a + 1; return 2;
    case Op::ITER_NEXT: out[0] = a + 1; out[1] = a + 2; return 2;
    case Op::ITER_NEXT2: out[0] = a + 1; out[1] = a + 2; out[2] = a + 4; return 3;
    default: return 0;
  }
}

// A straight-line piece of bytecode that computes one value: a condition, a
// let, a message part, a param default.
struct Chunk {
  // The chunk's instructions: Program::code[code_begin, code_begin +
  // code_size) (Program::Code), with their source offsets at the same
  // places of Program::offsets. One vector for every chunk: a vector each
  // was two allocations per chunk of a bundle load.
  uint32_t code_begin = 0;
  uint32_t code_size = 0;
  // What the VM runs: the code with superinstructions fused in
  // (engine/superinstructions.h), at Program::exec[exec_begin...]; -1
  // until PrepareProgram. Everything else (verifier, cost bounds, bundles,
  // disassembly) reads the canonical code.
  int64_t exec_begin = -1;
  const SourceFile* source = nullptr;
  int num_slots = 0;              // locals a frame of this chunk needs
};

struct CompiledRule {
  std::string package;
  std::string name;
  std::string qualified;  // package.name
  Effect effect = Effect::kDeny;
  std::vector<std::string> approvers;
  std::string severity = "medium";
  std::vector<std::string> tags;
  std::string doc;
  Location location;      // of the rule's name
  std::string location_text;

  int range_chunk = -1;   // the `for` list; -1 for a plan-level rule
  bool over_steps = false;  // `for x in plan.steps`
  int iter_slot = -1;
  std::vector<std::pair<int, int>> lets;  // (slot, chunk) of each rule let
  int when_chunk = -1;
  int unless_chunk = -1;
  struct Part {
    std::string text;
    int chunk = -1;  // -1: literal text
  };
  std::vector<Part> message;
  bool has_message = false;
  int num_slots = 0;
  int package_index = -1;
  // Static cost bound by power of n (engine/cost.h): never exceeded.
  CostBound cost_bound;
};

// A rule index entry (engine/prepare.h): a rule over plan.steps whose
// `when` starts with `step.action == "c"`, `step.verb in ["a", "b"]` or
// `step.resource.kind == "c"` (&& the rest) cannot fire on a step whose
// field holds none of the values, so it runs only on the steps that do.
struct RuleGuard {
  enum Field : int { kAction, kVerb, kKind };
  Field field = kAction;
  std::vector<std::string> values;  // sorted, distinct
  // The predicate column of the field and the values' ids in it, when a
  // `when` predicate of a rule with this guard tests the same (prepare.cc,
  // FindGuardColumns): then the steps' codes tell which steps it accepts.
  int column = -1;
  std::vector<uint32_t> ids;
};

// What PrepareProgram derives for the evaluator; never in a bundle.
// A call site prepared for its constant arguments (builtins.h,
// PreparedCall): the VM uses `call` when the arguments are `constants`
// (the very objects: a jump could bring others), else the built-in.
struct PreparedSite {
  int builtin = -1;
  std::vector<Value> constants;  // the arguments after the first
  std::shared_ptr<const PreparedCall> call;
};

// Message fields to follow from a rule's element, as FIELD instructions
// would: `step.resource.namespace` is depth 2.
struct FieldPath {
  int depth = 0;  // 0 (none), 1 or 2
  int32_t field[2] = {0, 0};
};

// The same fields followed (unused field slots ignored).
inline bool SamePath(const FieldPath& a, const FieldPath& b) {
  return a.depth == b.depth && (a.depth < 1 || a.field[0] == b.field[0]) && (a.depth < 2 || a.field[1] == b.field[1]);
}

// A condition on the step alone made of field comparisons with constants,
// joined by one kind of operator: `step.verb != "get" && step.network.egress`,
// or of prepared calls on a field (`step.network.ip.in_cidr([...]) ||
// step.network.host.glob("*.local")`). The evaluator tests it directly,
// without running the chunk (prepare.h).
struct StepPredicate {
  // One comparison: the value at a path of the step (depth 1 or 2) with a
  // constant.
  struct Atom : FieldPath {
    // EQ, NE, IN with constant k; RETURN: the field is a bool; CALL: the
    // built-in `builtin` on the field and constant k, decided by `call`.
    Op op = Op::RETURN;
    int32_t k = -1;
    int32_t builtin = -1;
    std::shared_ptr<const PreparedCall> call;
    // The constant's strings (one for EQ/NE; IN: the list's strings), read
    // straight from the program's constants, which outlive the index.
    // Inline vectors here: a bundle being loaded has a predicate or two per
    // rule, and vectors were three allocations per atom.
    absl::InlinedVector<std::string_view, 2> texts;
    // The column that holds the step's code for this path
    // (ExecIndex::columns), and the texts' ids in that column.
    int column = -1;
    absl::InlinedVector<uint32_t, 4> ids;
  };
  absl::InlinedVector<Atom, 2> atoms;
  bool any = false;     // joined by || (else &&)
  // What running the chunk costs at most: its length, and the size of
  // the constant lists its calls are charged for (engine/cost.h), the
  // largest of which the test notes as the VM would.
  uint32_t cost = 0;
  uint32_t noted = 0;
  // A call atom: tested on the plan only (ExecIndex::chunk_predicate),
  // never on the steps' codes (no columns: chunk_coded_predicate).
  bool calls = false;
};

// The value at `path` (its depth fields, followed from `from`), or null
// when a value on the way is not a message with that field: what the VM's
// FIELDs would read, without running them.
inline const Value* FollowPath(const FieldPath& path, const Value& from) {
  const Value* v = &from;
  for (int d = 0; d < path.depth; ++d) {
    if (!v->is_message() || static_cast<size_t>(path.field[d]) >= v->message().fields.size()) return nullptr;
    v = &v->message().fields[path.field[d]];
  }
  return v;
}

// A loop `list.exists(x, f(a, b))` where f is a built-in of two arguments
// (not one charged by collection size), one of them the loop's variable and
// the other the same in every iteration (superinstructions.h, EXISTS_GLOB
// and EXISTS_CALL), or `list.exists(x, p)` where p is a step predicate
// over x (EXISTS_PRED): one dispatch runs the loop, charged the
// instructions the loop would have run.
struct ExistsLoopSite {
  Instr iter_init;  // what the fused instruction stands for
  // The argument that does not change: LOAD_LOCAL, LOAD_RULE_LET,
  // LOAD_GLOBAL, LOAD_VAR, LOAD_PARAM or CONST, then the FIELDs of `path`.
  Instr invariant;
  FieldPath path;
  int builtin = -1;
  bool var_first = false;  // f(x, invariant), else f(invariant, x)
  int32_t acc = 0;   // the slot holding the result after the loop
  int32_t exit = 0;  // where the loop leaves to (an index into the chunk)
  int32_t body = 0;  // instructions of an iteration that does not decide
  // EXISTS_PRED: the loop's body, a step predicate over the loop's
  // variable (no calls); then body is an iteration's most.
  StepPredicate pred;
};

struct ExecIndex {
  // Per rule: it ranges over plan.steps (its range chunk is `plan.steps`,
  // checked on the bytecode: a bundle's over_steps flag is not trusted).
  std::vector<char> over_steps;
  std::vector<RuleGuard> guards;
  std::vector<int> rule_guard;  // per rule: index into guards, or -1
  // Per guard field: value -> the guards that accept it.
  absl::flat_hash_map<std::string, std::vector<int>> by_value[3];
  // Every guard has a column: with the steps' codes at hand, the guards'
  // steps come from the codes (no lookup by value).
  bool guards_by_column = false;
  // Shared conditions: per chunk, its memo slot or -1. A chunk with a memo
  // slot reads nothing of its frame but the rule's element (or not even
  // that): its result is computed once per step (per_step) or once per
  // evaluation, and rules with the same condition share it.
  std::vector<int> chunk_memo;
  std::vector<char> memo_per_step;  // per memo slot
  // Per memo slot: the one field path of the step its conditions read
  // (depth 0: none or several); steps with the same string there share
  // the result too.
  std::vector<FieldPath> memo_key;
  std::vector<PreparedSite> prepared;  // by the operand of CALL_PREPARED
  // Calls with one constant after the first argument, by (built-in,
  // constant), prepared once for the call sites and the step predicates
  // (superinstructions.h, PrepareCallOnConstant); null: nothing to gain.
  absl::flat_hash_map<std::pair<int32_t, int32_t>, std::shared_ptr<const PreparedCall>> calls_by_constant;
  std::vector<ExistsLoopSite> exists_loops;  // by the operand of EXISTS_GLOB and EXISTS_CALL
  // Per chunk: index into predicates, or -1. chunk_coded_predicate holds
  // only those without calls: tested on the steps' codes and as bitsets.
  std::vector<int> chunk_predicate;
  std::vector<int> chunk_coded_predicate;
  std::vector<StepPredicate> predicates;
  // The field paths the predicates read. Each evaluation reads every
  // step's value there once, as a code (prepare.h, StepCell), so that
  // testing a predicate on a step compares integers in a small array
  // instead of following pointers into the plan for every (rule, step) pair.
  struct Column {
    FieldPath path;
    // The strings the predicates compare the path with, numbered from 1
    // (views of the program's constants), and the same in a table when
    // they are too many to scan. Debian's Abseil hashes absl::string_view.
    std::vector<std::string_view> texts;
    absl::flat_hash_map<absl::string_view, uint32_t> ids;
  };
  std::vector<Column> columns;
  // Per chunk: for a message part that reads a field path of its rule's
  // element and nothing else, the index of that path in field_reads,
  // else -1.
  std::vector<int> part_read;
  std::vector<FieldPath> field_reads;
  // Per rule over plan.steps whose message is literal text and field reads
  // of the step only (at most kMaxDirectParts parts): an id shared by the
  // rules with the same parts, else -1. Such rules write the same text for
  // the same step, which an evaluation then keeps once (evaluator.cc).
  static constexpr size_t kMaxDirectParts = 8;
  std::vector<int> message_shape;
  int num_message_shapes = 0;
};

struct CompiledPackage {
  std::string name;
  bool default_deny = false;
  std::string default_location;  // of `default deny`
  Enforcement enforcement = Enforcement::kDeny;  // from the project config
};

struct Program {
  std::vector<std::shared_ptr<const SourceFile>> sources;  // keeps locations valid
  std::vector<Chunk> chunks;
  // Every chunk's instructions and their source offsets (Chunk::code_begin).
  std::vector<Instr> code;
  std::vector<uint32_t> offsets;
  std::vector<Value> constants;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<Value> params;            // resolved values, by param index
  std::vector<std::string> param_names; // package.name
  std::vector<int> package_lets;        // chunk of each package let
  std::vector<CompiledRule> rules;      // in declaration order
  std::vector<CompiledPackage> packages;
  // Evaluation cost budget (engine/cost.h); not part of a bundle.
  uint64_t cost_budget = 100'000'000;
  // The longest chunk (instructions): bounds the stack any chunk needs.
  size_t max_code_size = 0;
  // Every chunk's superinstruction code (Chunk::exec_begin), in one
  // vector: a vector per chunk was one allocation in seven of a bundle load.
  std::vector<Instr> exec;
  ExecIndex index;  // engine/prepare.h

  // A chunk's instructions. Only for a chunk whose range is within `code`
  // (CodeInRange): always so once verified (program_verifier.h).
  std::span<const Instr> Code(const Chunk& c) const { return {code.data() + c.code_begin, c.code_size}; }
  std::span<const Instr> Code(int chunk) const { return Code(chunks[chunk]); }
  bool CodeInRange(const Chunk& c) const {
    return uint64_t{c.code_begin} + c.code_size <= code.size() && offsets.size() == code.size();
  }
  // Appends `instrs` (with `source_offsets`, one each) as the code of `chunk`.
  void SetCode(Chunk& chunk, std::span<const Instr> instrs, std::span<const uint32_t> source_offsets);

  // Human-readable listing of every chunk (for docs and debugging).
  std::string Disassemble() const;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_PROGRAM_H_
