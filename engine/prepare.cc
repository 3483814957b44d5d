// See prepare.h. Every analysis here reads the canonical bytecode, so it
// applies alike to compiled policies and to verified bundles; each only
// ever skips work whose result it has proved (a guard that is false makes
// `when` false; a shared condition computes the same value).
#include "engine/prepare.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "engine/ast.h"
#include "engine/cost.h"
#include "engine/schema.h"
#include "engine/superinstructions.h"

namespace gavel {
namespace {

bool IsField(const Program& p, const Instr& in, int index, const char* name) {
  return in.op == Op::FIELD && in.a == index && in.b >= 0 && static_cast<size_t>(in.b) < p.constants.size() &&
         p.constants[in.b].is_string() && p.constants[in.b].str() == name;
}

// Whether `c` names a chunk whose code is within the program's.
// CompiledPolicy also prepares programs that are not verified yet
// (hand-made ones, before a bundle is written and read back): chunk
// indexes and ranges are checked, not trusted.
bool IsChunk(const Program& p, int c) {
  return c >= 0 && static_cast<size_t>(c) < p.chunks.size() && p.CodeInRange(p.chunks[c]);
}

// Whether the rule's range chunk is `plan.steps`.
bool RangeIsPlanSteps(const Program& p, const CompiledRule& rule) {
  if (!IsChunk(p, rule.range_chunk) || rule.iter_slot < 0) return false;
  const std::span<const Instr> code = p.Code(rule.range_chunk);
  return code.size() == 3 && code[0].op == Op::LOAD_GLOBAL && code[0].a == kGlobalPlan &&
         IsField(p, code[1], kPlanSteps, "steps") && code[2].op == Op::RETURN;
}

// Sorts `v` and drops repeats.
void SortDistinct(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Whether `texts` (in any order, repeats allowed) are the strings of
// `sorted` (sorted, distinct), compared as sets.
template <typename Texts>
bool SameTexts(const Texts& texts, const std::vector<std::string>& sorted) {
  for (std::string_view t : texts) {
    if (!std::binary_search(sorted.begin(), sorted.end(), t, std::less<>())) return false;
  }
  for (const std::string& s : sorted) {
    if (std::find(texts.begin(), texts.end(), s) == texts.end()) return false;
  }
  return true;
}

// The guard `when` starts with, if any (program.h, RuleGuard).
bool FindGuard(const Program& p, const CompiledRule& rule, RuleGuard* guard) {
  if (!IsChunk(p, rule.when_chunk)) return false;
  const std::span<const Instr> code = p.Code(rule.when_chunk);
  const size_t n = code.size();
  if (n < 5 || code[0].op != Op::LOAD_LOCAL || code[0].a != rule.iter_slot) return false;
  size_t pc = 1;
  if (IsField(p, code[1], kStepAction, "action")) {
    guard->field = RuleGuard::kAction;
    pc = 2;
  } else if (IsField(p, code[1], kStepVerb, "verb")) {
    guard->field = RuleGuard::kVerb;
    pc = 2;
  } else if (IsField(p, code[1], kStepResource, "resource") && IsField(p, code[2], kResourceKind, "kind")) {
    guard->field = RuleGuard::kKind;
    pc = 3;
  } else {
    return false;
  }
  if (pc + 2 >= n || code[pc].op != Op::CONST) return false;
  const int k = code[pc].a;
  if (k < 0 || static_cast<size_t>(k) >= p.constants.size()) return false;
  const Value& c = p.constants[k];
  guard->values.clear();
  if (code[pc + 1].op == Op::EQ && c.is_string()) {
    guard->values.push_back(c.str());
  } else if (code[pc + 1].op == Op::IN && c.is_list()) {
    for (const Value& e : c.list().elems) {
      if (!e.is_string()) return false;
      guard->values.push_back(e.str());
    }
  } else {
    return false;
  }
  // The comparison is false: it must stay the chunk's result, through
  // `&&`s (each AND keeps a false and jumps past its right side) to RETURN.
  pc += 2;
  while (pc < n && code[pc].op == Op::AND) {
    const int64_t to = static_cast<int64_t>(pc) + 1 + code[pc].a;
    if (code[pc].a < 0 || to >= static_cast<int64_t>(n)) return false;
    pc = static_cast<size_t>(to);
  }
  if (pc >= n || code[pc].op != Op::RETURN) return false;
  SortDistinct(guard->values);
  return true;
}

void BuildRuleIndex(Program& p) {
  ExecIndex& x = p.index;
  x.rule_guard.assign(p.rules.size(), -1);
  x.over_steps.assign(p.rules.size(), 0);
  std::map<std::pair<int, std::vector<std::string>>, int> ids;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    x.over_steps[r] = RangeIsPlanSteps(p, p.rules[r]);
    RuleGuard g;
    if (!x.over_steps[r] || !FindGuard(p, p.rules[r], &g)) continue;
    auto [it, inserted] = ids.emplace(std::make_pair(static_cast<int>(g.field), g.values), x.guards.size());
    if (inserted) x.guards.push_back(g);
    x.rule_guard[r] = it->second;
  }
  for (auto& m : x.by_value) m.clear();
  for (size_t g = 0; g < x.guards.size(); ++g) {
    for (const std::string& v : x.guards[g].values) x.by_value[x.guards[g].field][v].push_back(static_cast<int>(g));
  }
}

// Whether `chunk` reads nothing of its frame but its own slots and the
// rule's element; *reads_elem tells whether it reads the element.
bool Memoizable(const Program& p, const Chunk& chunk, int elem_slot, bool* reads_elem) {
  // Slots a verified chunk writes are below its num_slots (bounds kept anyway).
  absl::InlinedVector<char, 64> written(static_cast<size_t>(chunk.num_slots) + 5, 0);
  const std::span<const Instr> code = p.Code(chunk);
  for (const Instr& in : code) {
    if (in.op == Op::LOAD_RULE_LET) return false;
    int64_t w[3];
    for (int i = 0, n = SlotWrites(in, w); i < n; ++i) {
      if (w[i] >= 0 && static_cast<size_t>(w[i]) < written.size()) written[w[i]] = 1;
    }
  }
  *reads_elem = false;
  for (const Instr& in : code) {
    if (in.op != Op::LOAD_LOCAL) continue;
    if (in.a >= 0 && static_cast<size_t>(in.a) < written.size() && written[in.a]) continue;
    if (in.a != elem_slot || elem_slot < 0) return false;
    *reads_elem = true;
  }
  return true;
}

// Whether the chunk reads the element only through one field path
// (`step.resource.namespace`, however many times), set in *path: every
// LOAD_LOCAL of the element is followed by the same FIELDs, at most two.
// Then the chunk's result is a function of the value at that path.
bool ElementPath(std::span<const Instr> code, int elem_slot, FieldPath* path) {
  path->depth = 0;
  for (size_t pc = 0; pc < code.size(); ++pc) {
    if (code[pc].op != Op::LOAD_LOCAL || code[pc].a != elem_slot) continue;
    FieldPath chain;
    size_t at = pc + 1;
    while (at < code.size() && code[at].op == Op::FIELD) {
      if (chain.depth == 2) return false;
      chain.field[chain.depth++] = code[at++].a;
    }
    if (chain.depth == 0) return false;  // the element itself is used
    if (path->depth == 0) {
      *path = chain;
    } else if (chain.depth != path->depth || chain.field[0] != path->field[0] || chain.field[1] != path->field[1]) {
      return false;
    }
  }
  return path->depth > 0;
}

// A condition's code and the element's slot, compared instruction by
// instruction: no key strings built (this runs for every condition of a
// bundle when it loads).
struct Condition {
  std::span<const Instr> code;
  int slot;
};
struct ConditionHash {
  size_t operator()(const Condition& k) const {
    uint64_t h = static_cast<uint64_t>(k.slot) + 0x9e3779b97f4a7c15ULL;
    for (const Instr& in : k.code) {
      const uint64_t word = (static_cast<uint64_t>(static_cast<uint32_t>(in.a)) << 32 | static_cast<uint32_t>(in.b)) ^
                            static_cast<uint64_t>(in.op) << 56;
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    return static_cast<size_t>(h);
  }
};
struct ConditionEq {
  bool operator()(const Condition& x, const Condition& y) const {
    if (x.slot != y.slot || x.code.size() != y.code.size()) return false;
    for (size_t i = 0; i < x.code.size(); ++i) {
      const Instr& a = x.code[i];
      const Instr& b = y.code[i];
      if (a.op != b.op || a.a != b.a || a.b != b.b) return false;
    }
    return true;
  }
};

void FindSharedConditions(Program& p) {
  ExecIndex& x = p.index;
  x.chunk_memo.assign(p.chunks.size(), -1);
  x.memo_per_step.clear();
  // Conditions by their code (constants are deduplicated by the compiler,
  // so the same text compiles to the same code) and the element's slot;
  // groups in the order they are first met.
  struct Use {
    int chunk;
    bool per_step;
  };
  absl::flat_hash_map<Condition, size_t, ConditionHash, ConditionEq> group_of;
  // A chunk some rule cannot share (it reads that rule's frame beyond the
  // element: a crafted bundle giving one chunk to rules whose elements are
  // in different slots) is never memoized, for any rule: the memo is per chunk.
  std::vector<char> refused(p.chunks.size(), 0);
  std::vector<std::pair<int, std::vector<Use>>> groups;  // (the element's slot or -1, uses)
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const CompiledRule& rule = p.rules[r];
    if (rule.range_chunk < 0) continue;  // a plan-level rule runs its conditions once anyway
    for (int c : {rule.when_chunk, rule.unless_chunk}) {
      if (!IsChunk(p, c)) continue;
      bool reads_elem = false;
      // Only plan.steps elements have a position to key the result by.
      if (!Memoizable(p, p.chunks[c], x.over_steps[r] ? rule.iter_slot : -1, &reads_elem)) {
        refused[c] = 1;
        continue;
      }
      const int slot = reads_elem ? rule.iter_slot : -1;
      auto [it, inserted] = group_of.try_emplace(Condition{p.Code(c), slot}, groups.size());
      if (inserted) groups.emplace_back(slot, std::vector<Use>());
      groups[it->second].second.push_back(Use{c, reads_elem});
    }
  }
  x.memo_key.clear();
  for (const auto& [elem_slot, uses] : groups) {
    // A condition that reads one field path of the step is also shared
    // between the steps with the same string there.
    FieldPath path;
    const bool keyed = uses[0].per_step && ElementPath(p.Code(uses[0].chunk), elem_slot, &path);
    // Per step, sharing is the only gain; once per evaluation, a condition
    // that ignores the element gains even alone.
    if (uses[0].per_step && uses.size() < 2 && !keyed) continue;
    const int slot = static_cast<int>(x.memo_per_step.size());
    x.memo_per_step.push_back(uses[0].per_step);
    x.memo_key.push_back(keyed ? path : FieldPath{});
    for (const Use& u : uses) {
      if (!refused[u.chunk]) x.chunk_memo[u.chunk] = slot;
    }
  }
}

// One comparison of a step predicate at code[pc]; the pc after it, or 0.
size_t ParseAtom(std::span<const Instr> code, size_t pc, int iter_slot, StepPredicate::Atom* atom) {
  const size_t n = code.size();
  if (pc >= n || code[pc].op != Op::LOAD_LOCAL || code[pc].a != iter_slot) return 0;
  ++pc;
  atom->depth = 0;
  while (pc < n && code[pc].op == Op::FIELD && atom->depth < 2) atom->field[atom->depth++] = code[pc++].a;
  if (atom->depth == 0 || pc >= n) return 0;
  if (code[pc].op == Op::CONST && pc + 1 < n &&
      (code[pc + 1].op == Op::EQ || code[pc + 1].op == Op::NE || code[pc + 1].op == Op::IN)) {
    atom->k = code[pc].a;
    atom->op = code[pc + 1].op;
    return pc + 2;
  }
  if (code[pc].op == Op::CONST && pc + 1 < n && code[pc + 1].op == Op::CALL && code[pc + 1].b == 2) {
    atom->k = code[pc].a;
    atom->op = Op::CALL;  // `field.f(constant)`: FindPredicate prepares it
    atom->builtin = code[pc + 1].a;
    return pc + 2;
  }
  atom->op = Op::RETURN;  // a bool field as it is
  return pc;
}

// A call atom's prepared call: the built-in must decide a string first
// argument without the VM (PreparedCall::TestString).
bool PrepareAtomCall(Program& p, StepPredicate::Atom* atom) {
  std::shared_ptr<const PreparedCall> call = PrepareCallOnConstant(p, atom->builtin, atom->k);
  if (call == nullptr || !call->TestsStrings()) return false;
  atom->call = std::move(call);
  return true;
}

}  // namespace

// `a`, `a && b && ...` or `a || b || ...` (left-associated, as parsed) over
// comparisons of the step's fields: [a] (AND j [b] AND_END)* end, each
// AND jumping past its own AND_END.
bool FindPredicate(Program& p, std::span<const Instr> code, int iter_slot, StepPredicate* pred, Op end_op) {
  StepPredicate::Atom atom;
  size_t pc = ParseAtom(code, 0, iter_slot, &atom);
  if (pc == 0) return false;
  pred->atoms = {atom};
  pred->any = pc < code.size() && code[pc].op == Op::OR;
  const Op join = pred->any ? Op::OR : Op::AND, end = pred->any ? Op::OR_END : Op::AND_END;
  while (pc < code.size() && code[pc].op == join) {
    const size_t next = ParseAtom(code, pc + 1, iter_slot, &atom);
    if (next == 0 || next >= code.size() || code[next].op != end) return false;
    if (static_cast<int64_t>(code[pc].a) != static_cast<int64_t>(next - pc)) return false;
    pred->atoms.push_back(atom);
    pc = next + 1;
  }
  if (pc + 1 != code.size() || code[pc].op != end_op) return false;
  pred->cost = static_cast<uint32_t>(code.size());
  for (StepPredicate::Atom& a : pred->atoms) {
    if (a.op == Op::RETURN) continue;
    if (a.k < 0 || static_cast<size_t>(a.k) >= p.constants.size()) return false;
    const Value& c = p.constants[a.k];
    if (a.op == Op::CALL) {
      if (!PrepareAtomCall(p, &a)) return false;
      pred->calls = true;
      if (CollectionSizedBuiltin(a.builtin) && (c.is_list() || c.is_map())) {
        const uint32_t size = static_cast<uint32_t>(c.is_list() ? c.list().elems.size() : c.map().entries.size());
        pred->cost += size;
        pred->noted = std::max(pred->noted, size);
      }
      continue;
    }
    if (a.op == Op::IN ? !c.is_list() : !c.is_string()) return false;
    if (a.op != Op::IN) {
      a.texts = {c.str()};
      continue;
    }
    for (const Value& e : c.list().elems) {
      if (e.is_string()) a.texts.push_back(e.str());  // other kinds never equal a string
    }
  }
  return true;
}

namespace {

void FindStepPredicates(Program& p) {
  ExecIndex& x = p.index;
  x.chunk_predicate.assign(p.chunks.size(), -1);
  x.chunk_coded_predicate.assign(p.chunks.size(), -1);
  x.predicates.clear();
  // The same predicate in several rules (`step.action == "http.post"`) is
  // one: an evaluation then makes its bits over the steps once
  // (evaluator.cc, Workspace::pred_bits). Found by a key that spells it
  // out (not a scan: a bundle of 1,000 rules has about as many).
  absl::flat_hash_map<std::string, int> known;
  std::string key;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    if (!x.over_steps[r]) continue;
    const CompiledRule& rule = p.rules[r];
    for (int c : {rule.when_chunk, rule.unless_chunk}) {
      StepPredicate pred;
      if (!IsChunk(p, c) || !FindPredicate(p, p.Code(c), rule.iter_slot, &pred)) continue;
      key.clear();
      absl::StrAppend(&key, pred.any ? "|| " : "&& ", pred.cost);
      for (const StepPredicate::Atom& a : pred.atoms) {
        absl::StrAppend(&key, "|", a.depth, ".", a.field[0], ".", a.depth > 1 ? a.field[1] : 0, " ",
                        static_cast<int>(a.op));
        for (std::string_view t : a.texts) absl::StrAppend(&key, " ", t.size(), ":", absl::string_view(t.data(), t.size()));
        if (a.op == Op::CALL) absl::StrAppend(&key, " ", a.builtin, "(", a.k, ")");  // constants are distinct
      }
      const auto [it, added] = known.try_emplace(key, static_cast<int>(x.predicates.size()));
      x.chunk_predicate[c] = it->second;
      if (!pred.calls) x.chunk_coded_predicate[c] = it->second;
      if (added) x.predicates.push_back(std::move(pred));
    }
  }
  // Number the paths and the strings (prepare.h, StepCell). The ids are
  // collected in a table, which a column keeps only when it has many.
  x.columns.clear();
  std::vector<absl::flat_hash_map<absl::string_view, uint32_t>> ids;  // per column
  for (StepPredicate& pred : x.predicates) {
    if (pred.calls) continue;  // tested on the plan only
    for (StepPredicate::Atom& atom : pred.atoms) {
      auto same_path = [&](const ExecIndex::Column& c) { return SamePath(c.path, atom); };
      auto it = std::find_if(x.columns.begin(), x.columns.end(), same_path);
      atom.column = static_cast<int>(it - x.columns.begin());
      if (it == x.columns.end()) {
        x.columns.emplace_back().path = atom;  // its FieldPath
        ids.emplace_back();
      }
      ExecIndex::Column& column = x.columns[atom.column];
      atom.ids.clear();
      for (std::string_view t : atom.texts) {
        const uint32_t next = static_cast<uint32_t>(column.texts.size() + 1);
        const auto [known, added] = ids[atom.column].try_emplace(absl::string_view(t.data(), t.size()), next);
        if (added) column.texts.push_back(t);
        atom.ids.push_back(known->second);
      }
    }
  }
  constexpr size_t kMaxScanned = 8;
  for (size_t c = 0; c < x.columns.size(); ++c) {
    if (x.columns[c].texts.size() > kMaxScanned) x.columns[c].ids = std::move(ids[c]);
  }
}

// A guard's column: the column of an atom of a guarded rule's `when`
// predicate that compares the guard's field with exactly its values.
void FindGuardColumns(Program& p) {
  ExecIndex& x = p.index;
  for (RuleGuard& g : x.guards) {
    g.column = -1;
    g.ids.clear();
  }
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const int guard = x.rule_guard[r];
    const int when = p.rules[r].when_chunk;
    if (guard < 0 || !IsChunk(p, when) || x.chunk_coded_predicate[when] < 0) continue;
    RuleGuard& g = x.guards[guard];
    // GuardedField reads "" where the path does not lead to a string (no
    // resource), the codes say "other": they agree on the other values only.
    if (g.column >= 0 || std::find(g.values.begin(), g.values.end(), "") != g.values.end()) continue;
    const FieldPath path = GuardPath(g.field);
    for (const StepPredicate::Atom& atom : x.predicates[x.chunk_coded_predicate[when]].atoms) {
      if (atom.op == Op::RETURN || atom.op == Op::NE || !SamePath(atom, path)) continue;
      if (!SameTexts(atom.texts, g.values)) continue;
      g.column = atom.column;
      g.ids.assign(atom.ids.begin(), atom.ids.end());
      break;
    }
  }
  x.guards_by_column = std::all_of(x.guards.begin(), x.guards.end(), [](const RuleGuard& g) { return g.column >= 0; });
}

// Message parts that only read a field path of the rule's element
// (`{step.id}`, `{step.network.host}`): read directly (evaluator.cc).
void FindFieldReads(Program& p) {
  ExecIndex& x = p.index;
  x.part_read.assign(p.chunks.size(), -1);
  x.field_reads.clear();
  for (const CompiledRule& rule : p.rules) {
    if (rule.range_chunk < 0) continue;
    for (const CompiledRule::Part& part : rule.message) {
      if (!IsChunk(p, part.chunk) || x.part_read[part.chunk] >= 0) continue;
      const std::span<const Instr> code = p.Code(part.chunk);
      StepPredicate::Atom read;
      const size_t pc = ParseAtom(code, 0, rule.iter_slot, &read);
      if (pc == 0 || read.op != Op::RETURN || pc + 1 != code.size() || code[pc].op != Op::RETURN) continue;
      x.part_read[part.chunk] = static_cast<int>(x.field_reads.size());
      x.field_reads.push_back(read);
    }
  }
}

// Step predicates and field reads were found for the element slot of one
// rule that uses the chunk (their code starts by loading it); a crafted
// bundle could share the chunk with a rule whose element is elsewhere, or
// that has none: then the chunk runs as it is.
void KeepOwnSlotsOnly(Program& p) {
  ExecIndex& x = p.index;
  for (const CompiledRule& rule : p.rules) {
    auto check = [&](int chunk, std::vector<int>& fast) {
      if (!IsChunk(p, chunk) || fast[chunk] < 0) return;
      if (rule.range_chunk < 0 || p.Code(chunk)[0].a != rule.iter_slot) fast[chunk] = -1;
    };
    for (std::vector<int>* by_chunk : {&x.chunk_predicate, &x.chunk_coded_predicate}) {
      check(rule.when_chunk, *by_chunk);
      check(rule.unless_chunk, *by_chunk);
    }
    for (const CompiledRule::Part& part : rule.message) check(part.chunk, x.part_read);
  }
}

// Rules over plan.steps whose messages have the same parts (literal text
// and field paths of the step) get the same message shape (ExecIndex).
// After KeepOwnSlotsOnly: only the field reads that stand count.
void FindMessageShapes(Program& p) {
  ExecIndex& x = p.index;
  x.message_shape.assign(p.rules.size(), -1);
  absl::flat_hash_map<std::string, int> shapes;
  std::string key;  // reused: a bundle of 1,000 rules has a handful of shapes
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const CompiledRule& rule = p.rules[r];
    if (!x.over_steps[r] || !rule.has_message || rule.message.size() > ExecIndex::kMaxDirectParts) continue;
    key.clear();
    bool direct = true;
    for (const CompiledRule::Part& part : rule.message) {
      if (part.chunk < 0) {
        absl::StrAppend(&key, "t", part.text.size(), ":", part.text);
        continue;
      }
      const int f = IsChunk(p, part.chunk) ? x.part_read[part.chunk] : -1;
      if (f < 0) {
        direct = false;
        break;
      }
      const FieldPath& path = x.field_reads[f];
      absl::StrAppend(&key, "f", path.depth);
      for (int d = 0; d < path.depth; ++d) absl::StrAppend(&key, ".", path.field[d]);
      absl::StrAppend(&key, ";");
    }
    if (!direct) continue;
    auto it = shapes.find(key);
    if (it == shapes.end()) it = shapes.emplace(key, static_cast<int>(shapes.size())).first;
    x.message_shape[r] = it->second;
  }
  x.num_message_shapes = static_cast<int>(shapes.size());
}

}  // namespace

void PrepareProgram(Program& program) {
  program.max_code_size = 0;
  for (const Chunk& chunk : program.chunks) {
    program.max_code_size = std::max<size_t>(program.max_code_size, chunk.code_size);
  }
  program.index.calls_by_constant.clear();
  BuildRuleIndex(program);
  FindSharedConditions(program);
  FindStepPredicates(program);
  FindGuardColumns(program);
  FindFieldReads(program);
  KeepOwnSlotsOnly(program);
  FindMessageShapes(program);
  program.index.prepared.clear();
  program.index.exists_loops.clear();
  size_t total = 0;
  for (const Chunk& chunk : program.chunks) total += chunk.code_size;
  program.exec.clear();
  program.exec.reserve(total);
  for (Chunk& chunk : program.chunks) {
    chunk.exec_begin = -1;
    if (!program.CodeInRange(chunk)) continue;  // unverified: never runs
    chunk.exec_begin = static_cast<int64_t>(program.exec.size());
    FuseSuperinstructions(program, chunk, &program.exec);
  }
}

}  // namespace gavel
