// The interpreter loop. Values on the stack may be errors: operators
// propagate them, the logical operators absorb them (CEL semantics), and a
// chunk's error result is reported by the evaluator for its rule and step.
//
// Dispatch is a computed goto (a jump table indexed by opcode, one
// indirect branch per handler, so the predictor learns each opcode's
// successors), a GNU extension both GCC and Clang have. Plan values and
// constants are pushed borrowed (value.h): no reference counting on the
// hot path.
#include "engine/vm.h"

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins_net.h"
#include "engine/cost.h"
#include "engine/operators.h"
#include "engine/prepare.h"
#include "engine/superinstructions.h"

namespace gavel {
namespace {

Value NotBool(const Value& v, const char* what) {
  if (v.is_error()) return v;
  return Value::Error(absl::StrCat(what, " needs a bool, got ", KindName(v.kind())));
}

// CEL's && over (possibly error) operands: false wins over errors.
Value LogicalAnd(const Value& a, const Value& b) {
  if (a.is_false() || b.is_false()) return Value::Bool(false);
  if (a.is_true() && b.is_true()) return Value::Bool(true);
  if (!a.is_bool()) return a.is_error() ? a : NotBool(a, "`&&`");
  return b.is_error() ? b : NotBool(b, "`&&`");
}

Value LogicalOr(const Value& a, const Value& b) {
  if (a.is_true() || b.is_true()) return Value::Bool(true);
  if (a.is_false() && b.is_false()) return Value::Bool(false);
  if (!a.is_bool()) return a.is_error() ? a : NotBool(a, "`||`");
  return b.is_error() ? b : NotBool(b, "`||`");
}

// Appends to the accumulator list, in place when nobody else holds it.
void Append(Value& acc, Value v) {
  if (acc.unique()) {
    v.Own();  // heap objects hold no borrowed values
    const_cast<ListData&>(acc.list()).elems.push_back(std::move(v));
    return;
  }
  std::vector<Value> elems = acc.list().elems;
  elems.push_back(std::move(v));
  acc = Value::List(std::move(elems));
}

// Adds key -> v to the accumulator map (keys are distinct: they come from
// a list's indices or a map's keys), in place when nobody else holds it.
void Put(Value& acc, const Value& key, Value v) {
  if (acc.unique()) {
    Value k = key;
    k.Own();
    v.Own();
    const_cast<MapData&>(acc.map()).entries.emplace_back(std::move(k), std::move(v));
    return;
  }
  std::vector<std::pair<Value, Value>> entries = acc.map().entries;
  entries.emplace_back(key, std::move(v));
  acc = Value::Map(std::move(entries));
}

// What a chunk returns when its slots do not hold what its instructions
// need: only a crafted bundle gets here, and the rule fails closed.
Value CorruptBytecode() { return Value::Error("corrupt bytecode: a loop slot holds the wrong kind of value"); }

Value MakeMap(Value* kv, int n) {
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(n);
  for (int i = 0; i < n; ++i) {
    Value& k = kv[2 * i];
    Value& v = kv[2 * i + 1];
    if (k.is_error()) return k;
    if (v.is_error()) return v;
    switch (k.kind()) {
      case ValueKind::kBool: case ValueKind::kInt: case ValueKind::kUint: case ValueKind::kString: break;
      default: return Value::Error(absl::StrCat("unsupported map key type: ", KindName(k.kind())));
    }
    for (const auto& e : entries) {
      if (ValuesEqual(e.first, k)) return Value::Error(absl::StrCat("duplicate map key: ", k.DebugString()));
    }
    entries.emplace_back(std::move(k), std::move(v));
  }
  return Value::Map(std::move(entries));
}

// Charges a list or map by its elements (engine/cost.h).
inline void ChargeCollection(EvalContext& ctx, const Value& v) {
  if (!v.is_list() && !v.is_map()) return;
  const uint64_t n = v.is_list() ? v.list().elems.size() : v.map().entries.size();
  ctx.cost += n;
  ctx.NoteLength(n);
}

}  // namespace

Value BudgetExceeded(uint64_t budget) {
  return Value::Error(absl::StrCat("evaluation cost budget exceeded (budget ", budget, ")"));
}

void EvalContext::ReserveStack(const Program& p) {
  // Room for a chunk and a few nested lets; deeper nesting gets its own.
  const size_t want = 4 * (p.max_code_size + 1) + 64;
  if (stack_top == 0 && stack.size() < want) stack.resize(want);
}

namespace {

// The stack region of one chunk run: taken from the context's stack when it
// fits, else owned here; released (slots back to null) at the end.
class StackRegion {
 public:
  StackRegion(EvalContext& ctx, size_t need) : ctx_(ctx), saved_top_(ctx.stack_top) {
    if (ctx.stack.size() - ctx.stack_top >= need) {
      base_ = ctx.stack.data() + ctx.stack_top;
      ctx.stack_top += need;
    } else {
      own_.resize(need);
      base_ = own_.data();
    }
  }
  ~StackRegion() {
    for (Value* p = base_; p < *sp_; ++p) p->Clear();
    ctx_.stack_top = saved_top_;
  }
  StackRegion(const StackRegion&) = delete;
  StackRegion& operator=(const StackRegion&) = delete;
  Value* base() const { return base_; }
  void Track(Value* const* sp) { sp_ = sp; }

 private:
  EvalContext& ctx_;
  size_t saved_top_;
  std::vector<Value> own_;
  Value* base_;
  Value* const* sp_ = &base_;
};

// Equality of two strings or two ints without a call: most comparisons a
// policy makes. Sets *out and returns true when it applies.
inline bool FastEq(const Value& a, const Value& b, bool* out) {
  if (a.kind() != b.kind()) return false;
  if (a.is_string()) {
    *out = a.str() == b.str();
    return true;
  }
  if (a.is_int()) {
    *out = a.int_value() == b.int_value();
    return true;
  }
  if (a.is_bool()) {
    *out = a.bool_value() == b.bool_value();
    return true;
  }
  return false;
}

// The value at the end of the message fields `fields[0..n-1].a` from `v`, or
// null where a value is not a message or has no such field.
inline const Value* FollowFields(const Value& v, const Instr* fields, int n) {
  const Value* at = &v;
  for (int i = 0; i < n; ++i) {
    if (!at->is_message() || static_cast<size_t>(fields[i].a) >= at->message().fields.size()) return nullptr;
    at = &at->message().fields[fields[i].a];
  }
  return at;
}

// A call to built-in `id` (or to its prepared form) with the argc values at
// `args`: the first error among them, else the result, charged by size.
Value CallBuiltin(EvalContext& ctx, int id, const PreparedCall* prepared, const Value* args, size_t argc) {
  for (size_t i = 0; i < argc; ++i) {
    if (args[i].is_error()) return args[i];
  }
  // Both tables are built once and never change: kept here, they cost a
  // guard test per call instead of two calls into other files.
  static const Builtin* const builtins = BuiltinTable::Get().all().data();
  static const char* const sized = CollectionSizedBuiltins().data();
  Value result = prepared ? prepared->Call(args, argc) : builtins[id].fn(args, argc);
  if (sized[id]) {
    for (size_t i = 0; i < argc; ++i) ChargeCollection(ctx, args[i]);
    ChargeCollection(ctx, result);
  }
  return result;
}

// The argument of an EXISTS_GLOB or EXISTS_CALL loop that is the same in
// every iteration (superinstructions.h), or null when its instructions
// would not simply read it (a let not yet computed, a field path that
// does not lead to a field): the loop then runs as written.
const Value* LoopInvariant(const EvalContext& ctx, const Frame& frame, const ExistsLoopSite& site) {
  const int32_t a = site.invariant.a;
  const Value* v = nullptr;
  switch (site.invariant.op) {
    case Op::LOAD_RULE_LET:
      if (!frame.let_ready[a]) return nullptr;
      [[fallthrough]];
    case Op::LOAD_LOCAL: v = &frame.slots[a]; break;
    case Op::LOAD_GLOBAL: v = &ctx.globals[a]; break;
    case Op::LOAD_VAR:
      if (a < 0 || static_cast<size_t>(a) >= ctx.variables.size()) return nullptr;
      v = &ctx.variables[a];
      break;
    case Op::LOAD_PARAM: v = &ctx.program->params[a]; break;
    case Op::CONST: v = &ctx.program->constants[a]; break;
    default: return nullptr;
  }
  return FollowPath(site.path, *v);
}

// Whether the loop's most instructions (`3 + body * n`: ITER_INIT, CONST,
// STORE_LOCAL, n bodies and the last ITER_NEXT) fit in the budget, with
// `spent` not yet added to ctx.cost: then no back edge inside it can be
// the one where the budget runs out.
bool LoopFits(const EvalContext& ctx, uint64_t spent, const ExistsLoopSite& site, size_t n) {
  const uint64_t used = ctx.cost + spent;
  return used <= ctx.budget && 3 + static_cast<uint64_t>(site.body) * n <= ctx.budget - used;
}

// Whether one of `patterns` matches `text` as a glob, the patterns tried in
// *tried (up to the first match); -1 when a pattern is not a string or not
// a valid glob, whose error the loop as written reports.
int AnyGlobMatches(const std::vector<Value>& patterns, std::string_view text, size_t* tried) {
  for (size_t k = 0; k < patterns.size(); ++k) {
    if (!patterns[k].is_string()) return -1;
    const GlobMatcher glob(patterns[k].str());
    bool matched;
    if (glob.simple()) {
      matched = glob.MatchSimple(text);
    } else {
      const absl::StatusOr<bool> compiled = glob.Match(text);
      if (!compiled.ok()) return -1;
      matched = *compiled;
    }
    if (matched) {
      *tried = k + 1;
      return 1;
    }
  }
  *tried = patterns.size();
  return 0;
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

Value RunChunk(EvalContext& ctx, int chunk_index, Frame& frame) {
  const Program& prog = *ctx.program;
  const Chunk& chunk = prog.chunks[chunk_index];
  const Instr* code =
      chunk.exec_begin < 0 ? prog.code.data() + chunk.code_begin : prog.exec.data() + chunk.exec_begin;
  // A verified chunk's stack never holds more values than it has
  // instructions: every instruction pushes at most one, and a loop's body
  // leaves the depth as it found it (program_verifier.h).
  StackRegion region(ctx, chunk.code_size + 1);
  Value* sp = region.base();
  region.Track(&sp);
  Value* L = frame.slots.data();
  // Instructions run, added to ctx.cost at each back edge (where the budget
  // is checked: only loops can make a chunk long) and at the end.
  uint64_t spent = 0;
  const Instr* in = nullptr;
  int pc = 0;

  static const void* const kDispatch[kNumExecOps] = {
#define OP(name, doc) &&L_##name,
#include "engine/opcodes.def"
#undef OP
#define GAVEL_FUSED_LABEL(name, run) &&L_##name,
      GAVEL_FUSED_OPS(GAVEL_FUSED_LABEL)
#undef GAVEL_FUSED_LABEL
  };
#define NEXT()                                       \
  do {                                               \
    in = &code[pc++];                                \
    ++spent;                                         \
    goto* kDispatch[static_cast<uint8_t>(in->op)];   \
  } while (0)
#define BINARY(fn)                    \
  do {                                \
    Value b_ = std::move(*--sp);      \
    sp[-1] = fn(sp[-1], b_);          \
  } while (0)

  NEXT();

  // Handlers that leave a block early jump here, so that the block's
  // objects are destroyed: a computed goto out of a block does not run
  // destructors (GCC), so NEXT() is only used where nothing is in scope.
next:
  NEXT();

L_CONST:
  (sp++)->AssignBorrowed(prog.constants[in->a]);
  NEXT();
L_LOAD_LOCAL:
  *sp++ = L[in->a];
  NEXT();
L_STORE_LOCAL:
  L[in->a] = std::move(*--sp);
  NEXT();
L_LOAD_GLOBAL:
  (sp++)->AssignBorrowed(ctx.globals[in->a]);
  NEXT();
L_LOAD_VAR:
  *sp++ = in->a >= 0 && static_cast<size_t>(in->a) < ctx.variables.size() ? Value::Borrow(ctx.variables[in->a])
                                                                          : Value::Error("unbound variable");
  NEXT();
L_LOAD_PARAM:
  (sp++)->AssignBorrowed(prog.params[in->a]);
  NEXT();
L_LOAD_PKG_LET: {
  uint8_t& state = ctx.pkg_let_state[in->a];
  if (state == 0) {
    state = 1;
    Frame inner;
    inner.Reset(prog.chunks[in->b].num_slots);
    Value v = RunChunk(ctx, in->b, inner);
    v.Own();  // may borrow from the let's own frame, which ends here
    ctx.pkg_lets[in->a] = std::move(v);
    state = 2;
  } else if (state == 1) {
    // The checker forbids cycles; this guards the invariant anyway.
    ctx.pkg_lets[in->a] = Value::Error("let refers to itself");
  }
  *sp++ = ctx.pkg_lets[in->a];
}
  NEXT();
L_LOAD_RULE_LET:
  if (!frame.let_ready[in->a]) {
    frame.let_ready[in->a] = 1;
    L[in->a] = RunChunk(ctx, in->b, frame);
    L = frame.slots.data();
  }
  *sp++ = L[in->a];
  NEXT();
L_FIELD: {
  Value& v = sp[-1];
  // The bounds check guards bundles: a verified field id names a field
  // of some message type, not necessarily of the one met here.
  if (v.is_message() && static_cast<size_t>(in->a) < v.message().fields.size()) {
    const Value& f = v.message().fields[in->a];
    if (v.borrowed()) {
      v.AssignBorrowed(f);  // releases nothing: f stays alive
    } else {
      v = Value(f);  // f lives in v's object: copy it before v lets go
    }
  } else {
    v = OpSelect(v, prog.constants[in->b].str());
  }
}
  NEXT();
L_SELECT:
  sp[-1] = OpSelect(sp[-1], prog.constants[in->a].str());
  NEXT();
L_HAS:
  sp[-1] = OpHas(sp[-1], prog.constants[in->a].str());
  NEXT();
L_INDEX: BINARY(OpIndex); NEXT();
L_ADD: BINARY(OpAdd); NEXT();
L_SUB: BINARY(OpSub); NEXT();
L_MUL: BINARY(OpMul); NEXT();
L_DIV: BINARY(OpDiv); NEXT();
L_MOD: BINARY(OpMod); NEXT();
L_NEG: sp[-1] = OpNeg(sp[-1]); NEXT();
L_NOT: sp[-1] = OpNot(sp[-1]); NEXT();
L_EQ: {
  bool eq;
  if (FastEq(sp[-2], sp[-1], &eq)) {
    (--sp)->Clear();
    sp[-1] = Value::Bool(eq);
  } else {
    BINARY(OpEq);
  }
}
  NEXT();
L_NE: {
  bool eq;
  if (FastEq(sp[-2], sp[-1], &eq)) {
    (--sp)->Clear();
    sp[-1] = Value::Bool(!eq);
  } else {
    BINARY(OpNe);
  }
}
  NEXT();
L_LT: BINARY(OpLt); NEXT();
L_LE: BINARY(OpLe); NEXT();
L_GT: BINARY(OpGt); NEXT();
L_GE: BINARY(OpGe); NEXT();
L_IN: BINARY(OpIn); NEXT();
L_CALL: {
  const size_t argc = static_cast<size_t>(in->b);
  Value* args = sp - argc;
  Value result = CallBuiltin(ctx, in->a, nullptr, args, argc);
  while (sp > args) (--sp)->Clear();
  *sp++ = std::move(result);
}
  NEXT();
L_MATCHES_RE: {
  Value& v = sp[-1];
  if (v.is_string()) {
    v = Value::Bool(RE2::PartialMatch(v.str(), *prog.regexes[in->a]));
  } else if (!v.is_error()) {
    // Name both operands, as the call to `matches` with a pattern
    // that is not constant does (found by the differential test).
    const Value args[2] = {v, Value::String(prog.regexes[in->a]->pattern())};
    v = NoSuchOverload("matches", args, 2);
  }
}
  NEXT();
L_LIST: {
  std::vector<Value> elems;
  elems.reserve(in->a);
  Value* first = sp - in->a;
  Value err;
  bool failed = false;
  for (int i = 0; i < in->a; ++i) {
    if (first[i].is_error() && !failed) {
      err = first[i];
      failed = true;
    }
    elems.push_back(std::move(first[i]));
  }
  sp = first;
  *sp++ = failed ? err : Value::List(std::move(elems));
}
  NEXT();
L_MAP: {
  Value* first = sp - 2 * in->a;
  Value m = MakeMap(first, in->a);
  while (sp > first) (--sp)->Clear();
  *sp++ = std::move(m);
}
  NEXT();
L_JUMP:
  pc += in->a;
  if (in->a < 0) {
    ctx.cost += spent;
    spent = 0;
    if (ctx.OverBudget()) return BudgetExceeded(ctx.budget);
  }
  NEXT();
L_AND:
  if (sp[-1].is_false()) pc += in->a;
  NEXT();
L_AND_END: BINARY(LogicalAnd); NEXT();
L_OR:
  if (sp[-1].is_true()) pc += in->a;
  NEXT();
L_OR_END: BINARY(LogicalOr); NEXT();
L_COND: {
  Value c = std::move(*--sp);
  if (c.is_true()) goto next;
  if (c.is_false()) {
    pc += in->a;
    goto next;
  }
  *sp++ = NotBool(c, "`?:`");
  pc += in->b;
}
  NEXT();
L_ITER_INIT: {
  Value r = std::move(*--sp);
  if (r.is_list()) {
    L[in->a] = std::move(r);
  } else if (r.is_map()) {
    ChargeCollection(ctx, r);
    std::vector<Value> keys;
    keys.reserve(r.map().entries.size());
    for (const auto& kv : r.map().entries) keys.push_back(kv.first);
    L[in->a] = Value::List(std::move(keys));
  } else {
    *sp++ = r.is_error() ? r : Value::Error(absl::StrCat("cannot iterate over ", KindName(r.kind())));
    pc += in->b;
    goto next;
  }
  L[in->a + 1].SetInt(0);
}
  NEXT();
L_ITER_NEXT: {
  // Slot kinds depend on the path taken, which the bundle verifier
  // does not follow: checked here (program_verifier.h).
  if (!L[in->a].is_list() || !L[in->a + 1].is_int()) return CorruptBytecode();
  const Value& list = L[in->a];
  const auto& elems = list.list().elems;
  const uint64_t i = static_cast<uint64_t>(L[in->a + 1].int_value());
  if (i == 0) ctx.NoteLength(elems.size());
  if (i >= elems.size()) {
    pc += in->b;
    goto next;
  }
  // Elements of a borrowed list live as long as it does.
  L[in->a + 2].AssignFrom(elems[i], list.borrowed());
  L[in->a + 1].SetInt(static_cast<int64_t>(i + 1));
}
  NEXT();
L_ITER_INIT2: {
  Value r = std::move(*--sp);
  if (!r.is_list() && !r.is_map()) {
    *sp++ = r.is_error() ? r : Value::Error(absl::StrCat("cannot iterate over ", KindName(r.kind())));
    pc += in->b;
    goto next;
  }
  L[in->a] = std::move(r);
  L[in->a + 1].SetInt(0);
}
  NEXT();
L_ITER_NEXT2: {
  const Value& r = L[in->a];
  if (!(r.is_list() || r.is_map()) || !L[in->a + 1].is_int()) return CorruptBytecode();
  const uint64_t i = static_cast<uint64_t>(L[in->a + 1].int_value());
  const size_t n = r.is_list() ? r.list().elems.size() : r.map().entries.size();
  if (i == 0) ctx.NoteLength(n);
  if (i >= n) {
    pc += in->b;
    goto next;
  }
  if (r.is_list()) {
    L[in->a + 2].SetInt(static_cast<int64_t>(i));
    L[in->a + 4].AssignFrom(r.list().elems[i], r.borrowed());
  } else {
    L[in->a + 2].AssignFrom(r.map().entries[i].first, r.borrowed());
    L[in->a + 4].AssignFrom(r.map().entries[i].second, r.borrowed());
  }
  L[in->a + 1].SetInt(static_cast<int64_t>(i + 1));
}
  NEXT();
L_ACC_PUT: {
  if (!L[in->a].is_map()) return CorruptBytecode();
  Value v = std::move(*--sp);
  if (v.is_error()) {
    L[in->a] = std::move(v);
    pc += in->b;
  } else {
    Put(L[in->a], L[in->a - 1], std::move(v));
  }
}
  NEXT();
L_ACC_ALL:
L_ACC_EXISTS: {
  const bool decisive = in->op == Op::ACC_EXISTS;
  Value v = std::move(*--sp);
  if (v.is_bool()) {
    if (v.bool_value() == decisive) {
      L[in->a] = std::move(v);
      pc += in->b;
    }
  } else if (!L[in->a].is_error()) {
    L[in->a] = NotBool(v, decisive ? "exists()" : "all()");
  }
}
  NEXT();
L_ACC_COUNT: {
  Value v = std::move(*--sp);
  int64_t count = 0;
  if (!L[in->a].is_int() || __builtin_add_overflow(L[in->a].int_value(), 1, &count)) return CorruptBytecode();
  if (v.is_true()) {
    L[in->a].SetInt(count);
  } else if (!v.is_false()) {
    L[in->a] = NotBool(v, "exists_one()");
    pc += in->b;
  }
}
  NEXT();
L_ACC_APPEND: {
  if (!L[in->a].is_list()) return CorruptBytecode();
  Value v = std::move(*--sp);
  if (v.is_error()) {
    L[in->a] = std::move(v);
    pc += in->b;
  } else {
    Append(L[in->a], std::move(v));
  }
}
  NEXT();
L_TEST_FILTER: {
  Value v = std::move(*--sp);
  if (v.is_true()) {
    pc += 1;
  } else if (!v.is_false()) {
    L[in->a] = NotBool(v, "filter()");
    pc += in->b;
  }
}
  NEXT();
L_RETURN: {
  ctx.cost += spent;
  Value result = std::move(*--sp);
  return result;
}

  // Superinstructions (superinstructions.h): in[1], in[2] are the rest of
  // the run; `skip` moves past it, counting its instructions as run.
#define SKIP(k)  \
  do {           \
    pc += (k);   \
    spent += (k); \
  } while (0)
L_LOCAL_FIELD:
L_LOCAL_FIELD2: {
  const Value& s = L[in->a];
  const int n = in->op == AsOp(FusedOp::LOCAL_FIELD) ? 1 : 2;
  if (const Value* f = FollowFields(s, in + 1, n)) {
    (sp++)->AssignFrom(*f, s.borrowed());
    SKIP(n);
  } else {
    *sp++ = s;  // LOAD_LOCAL alone; the FIELDs after it do the rest
  }
}
  NEXT();
L_GLOBAL_FIELD: {
  const Value& g = ctx.globals[in->a];
  if (const Value* f = FollowFields(g, in + 1, 1)) {
    (sp++)->AssignBorrowed(*f);
    SKIP(1);
  } else {
    (sp++)->AssignBorrowed(g);
  }
}
  NEXT();
L_EQ_CONST:
L_NE_CONST: {
  bool eq;
  if (FastEq(sp[-1], prog.constants[in->a], &eq)) {
    sp[-1] = Value::Bool(in->op == AsOp(FusedOp::EQ_CONST) ? eq : !eq);
    SKIP(1);
    goto next;
  }
  (sp++)->AssignBorrowed(prog.constants[in->a]);
}
  NEXT();
L_IN_CONST: {
  Value& v = sp[-1];
  if (v.is_string()) {
    bool found = false;
    for (const Value& e : prog.constants[in->a].list().elems) {
      if (e.is_string() && e.str() == v.str()) {
        found = true;
        break;
      }
    }
    v = Value::Bool(found);
    SKIP(1);
    goto next;
  }
  (sp++)->AssignBorrowed(prog.constants[in->a]);
}
  NEXT();
L_CALL_PREPARED: {
  const PreparedSite& site = prog.index.prepared[in->a];
  const size_t argc = static_cast<size_t>(in->b);
  Value* args = sp - argc;
  bool same = true;
  for (size_t k = 1; k < argc && same; ++k) same = args[k].SameObject(site.constants[k - 1]);
  Value result = CallBuiltin(ctx, site.builtin, same ? site.call.get() : nullptr, args, argc);
  while (sp > args) (--sp)->Clear();
  *sp++ = std::move(result);
}
  NEXT();
  // The fused loops (EXISTS_GLOB, EXISTS_CALL) run in one dispatch when
  // the list is a list, the invariant argument can be read and the budget
  // cannot run out inside the loop; they are charged what the loop would
  // have run (ITER_INIT is counted): CONST and STORE_LOCAL, a body
  // (ITER_NEXT to JUMP) per element tried, less the JUMP when one decides,
  // plus the last ITER_NEXT when none does. Otherwise the loop runs as
  // written, from its ITER_INIT.
L_EXISTS_GLOB: {
  // Every pattern a string, matched without a call; a pattern that is not
  // a string or not a valid glob leaves the error to the loop as written.
  const ExistsLoopSite& site = prog.index.exists_loops[in->a];
  const Value& patterns = sp[-1];
  const Value* text = patterns.is_list() ? LoopInvariant(ctx, frame, site) : nullptr;
  if (text != nullptr && text->is_string() && LoopFits(ctx, spent, site, patterns.list().elems.size())) {
    const auto& elems = patterns.list().elems;
    size_t tried = 0;
    const int found = AnyGlobMatches(elems, text->str(), &tried);
    if (found >= 0) {
      ctx.NoteLength(elems.size());
      (--sp)->Clear();
      L[site.acc] = Value::Bool(found == 1);
      spent += static_cast<uint64_t>(site.body) * tried + (found == 1 ? 1 : 3);
      pc = site.exit;
      goto next;
    }
  }
  in = &site.iter_init;
  goto L_ITER_INIT;
}
L_EXISTS_CALL: {
  // The calls the loop makes, accumulated as ACC_EXISTS does: the first
  // true decides; else the first non-bool (an error) is the result.
  const ExistsLoopSite& site = prog.index.exists_loops[in->a];
  const Value& list = sp[-1];
  const Value* y = list.is_list() ? LoopInvariant(ctx, frame, site) : nullptr;
  if (y != nullptr && LoopFits(ctx, spent, site, list.list().elems.size())) {
    const auto& elems = list.list().elems;
    ctx.NoteLength(elems.size());
    Value acc = Value::Bool(false);
    Value args[2];
    Value& x = args[site.var_first ? 0 : 1];
    args[site.var_first ? 1 : 0].AssignBorrowed(*y);
    size_t tried = 0;
    bool found = false;
    while (tried < elems.size() && !found) {
      x.AssignBorrowed(elems[tried++]);  // the list stays on the stack until the loop ends
      Value v = CallBuiltin(ctx, site.builtin, nullptr, args, 2);
      if (v.is_bool()) {
        found = v.bool_value();
      } else if (!acc.is_error()) {
        acc = NotBool(v, "exists()");
        acc.Own();  // an error argument comes back borrowed from its slot
      }
    }
    if (found) acc = Value::Bool(true);
    (--sp)->Clear();
    L[site.acc] = std::move(acc);
    spent += static_cast<uint64_t>(site.body) * tried + (found ? 1 : 3);
    pc = site.exit;
    goto next;
  }
  in = &site.iter_init;
  goto L_ITER_INIT;
}
L_EXISTS_PRED: {
  // The predicate tested on each element until one holds, charged what
  // each iteration would run; an element it cannot decide (a field of
  // another kind: the loop as written knows the error) runs the loop.
  const ExistsLoopSite& site = prog.index.exists_loops[in->a];
  const Value& list = sp[-1];
  if (list.is_list() && LoopFits(ctx, spent, site, list.list().elems.size())) {
    const auto& elems = list.list().elems;
    uint64_t ran = 0;
    size_t tried = 0;
    int found = 0;
    while (tried < elems.size() && found == 0) {
      found = TestStepPredicateCounted(site.pred, elems[tried++], &ran);
    }
    if (found >= 0) {
      ctx.NoteLength(elems.size());
      (--sp)->Clear();
      L[site.acc] = Value::Bool(found == 1);
      // ITER_NEXT, ACC_EXISTS and JUMP per iteration, as in EXISTS_CALL.
      spent += ran + 3 * tried + (found == 1 ? 1 : 3);
      pc = site.exit;
      goto next;
    }
  }
  in = &site.iter_init;
  goto L_ITER_INIT;
}
#undef SKIP
#undef NEXT
#undef BINARY
}

#pragma GCC diagnostic pop

}  // namespace gavel
