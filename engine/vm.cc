// The interpreter loop. Values on the stack may be errors: operators
// propagate them, the logical operators absorb them (CEL semantics), and a
// chunk's error result is reported by the evaluator for its rule and step.
#include "engine/vm.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/cost.h"
#include "engine/operators.h"

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
  if (acc.list().refs.load(std::memory_order_relaxed) == 1) {
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
  if (acc.map().refs.load(std::memory_order_relaxed) == 1) {
    const_cast<MapData&>(acc.map()).entries.emplace_back(key, std::move(v));
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

Value RunChunk(EvalContext& ctx, int chunk_index, Frame& frame) {
  const Program& prog = *ctx.program;
  const Chunk& chunk = prog.chunks[chunk_index];
  const Instr* code = chunk.code.data();
  // Most chunks need a handful of slots: keep them off the heap.
  absl::InlinedVector<Value, 16> stack;
  Value* L = frame.slots.data();
  const BuiltinTable& builtins = BuiltinTable::Get();
  const std::vector<char>& sized = CollectionSizedBuiltins();
  // Instructions run, added to ctx.cost at each back edge (where the budget
  // is checked: only loops can make a chunk long) and at the end.
  uint64_t spent = 0;

  auto pop = [&]() {
    Value v = std::move(stack.back());
    stack.pop_back();
    return v;
  };
  auto binary = [&](Value (*fn)(const Value&, const Value&)) {
    Value b = pop();
    Value& a = stack.back();
    a = fn(a, b);
  };

  for (int pc = 0;;) {
    const Instr& in = code[pc++];
    ++spent;
    switch (in.op) {
      case Op::CONST: stack.push_back(prog.constants[in.a]); break;
      case Op::LOAD_LOCAL: stack.push_back(L[in.a]); break;
      case Op::STORE_LOCAL: L[in.a] = pop(); break;
      case Op::LOAD_GLOBAL: stack.push_back(ctx.globals[in.a]); break;
      case Op::LOAD_VAR:
        stack.push_back(in.a >= 0 && static_cast<size_t>(in.a) < ctx.variables.size()
                            ? ctx.variables[in.a]
                            : Value::Error("unbound variable"));
        break;
      case Op::LOAD_PARAM: stack.push_back(prog.params[in.a]); break;
      case Op::LOAD_PKG_LET: {
        uint8_t& state = ctx.pkg_let_state[in.a];
        if (state == 0) {
          state = 1;
          Frame inner;
          inner.Reset(prog.chunks[in.b].num_slots);
          ctx.pkg_lets[in.a] = RunChunk(ctx, in.b, inner);
          state = 2;
        } else if (state == 1) {
          // The checker forbids cycles; this guards the invariant anyway.
          ctx.pkg_lets[in.a] = Value::Error("let refers to itself");
        }
        stack.push_back(ctx.pkg_lets[in.a]);
        break;
      }
      case Op::LOAD_RULE_LET:
        if (!frame.let_ready[in.a]) {
          frame.let_ready[in.a] = 1;
          L[in.a] = RunChunk(ctx, in.b, frame);
          L = frame.slots.data();
        }
        stack.push_back(L[in.a]);
        break;
      case Op::FIELD: {
        Value& v = stack.back();
        // The bounds check guards bundles: a verified field id names a field
        // of some message type, not necessarily of the one met here.
        if (v.is_message() && static_cast<size_t>(in.a) < v.message().fields.size()) {
          v = Value(v.message().fields[in.a]);
        } else {
          v = OpSelect(v, prog.constants[in.b].str());
        }
        break;
      }
      case Op::SELECT: {
        Value& v = stack.back();
        v = OpSelect(v, prog.constants[in.a].str());
        break;
      }
      case Op::HAS: {
        Value& v = stack.back();
        v = OpHas(v, prog.constants[in.a].str());
        break;
      }
      case Op::INDEX: binary(OpIndex); break;
      case Op::ADD: binary(OpAdd); break;
      case Op::SUB: binary(OpSub); break;
      case Op::MUL: binary(OpMul); break;
      case Op::DIV: binary(OpDiv); break;
      case Op::MOD: binary(OpMod); break;
      case Op::NEG: stack.back() = OpNeg(stack.back()); break;
      case Op::NOT: stack.back() = OpNot(stack.back()); break;
      case Op::EQ: binary(OpEq); break;
      case Op::NE: binary(OpNe); break;
      case Op::LT: binary(OpLt); break;
      case Op::LE: binary(OpLe); break;
      case Op::GT: binary(OpGt); break;
      case Op::GE: binary(OpGe); break;
      case Op::IN: binary(OpIn); break;
      case Op::CALL: {
        const size_t argc = static_cast<size_t>(in.b);
        Value* args = stack.data() + stack.size() - argc;
        Value result;
        bool failed = false;
        for (size_t i = 0; i < argc; ++i) {
          if (args[i].is_error()) {
            result = args[i];
            failed = true;
            break;
          }
        }
        if (!failed) {
          result = builtins.at(in.a).fn(args, argc);
          if (sized[in.a]) {
            for (size_t i = 0; i < argc; ++i) ChargeCollection(ctx, args[i]);
            ChargeCollection(ctx, result);
          }
        }
        stack.resize(stack.size() - argc);
        stack.push_back(std::move(result));
        break;
      }
      case Op::MATCHES_RE: {
        Value& v = stack.back();
        if (v.is_string()) {
          v = Value::Bool(RE2::PartialMatch(v.str(), *prog.regexes[in.a]));
        } else if (!v.is_error()) {
          // Name both operands, as the call to `matches` with a pattern
          // that is not constant does (found by the differential test).
          const Value args[2] = {v, Value::String(prog.regexes[in.a]->pattern())};
          v = NoSuchOverload("matches", args, 2);
        }
        break;
      }
      case Op::LIST: {
        std::vector<Value> elems;
        elems.reserve(in.a);
        Value* first = stack.data() + stack.size() - in.a;
        Value err;
        bool failed = false;
        for (int i = 0; i < in.a; ++i) {
          if (first[i].is_error() && !failed) {
            err = first[i];
            failed = true;
          }
          elems.push_back(std::move(first[i]));
        }
        stack.resize(stack.size() - in.a);
        stack.push_back(failed ? err : Value::List(std::move(elems)));
        break;
      }
      case Op::MAP: {
        Value m = MakeMap(stack.data() + stack.size() - 2 * in.a, in.a);
        stack.resize(stack.size() - 2 * in.a);
        stack.push_back(std::move(m));
        break;
      }
      case Op::JUMP:
        pc += in.a;
        if (in.a < 0) {
          ctx.cost += spent;
          spent = 0;
          if (ctx.OverBudget()) return BudgetExceeded(ctx.budget);
        }
        break;
      case Op::AND:
        if (stack.back().is_false()) pc += in.a;
        break;
      case Op::AND_END: binary(LogicalAnd); break;
      case Op::OR:
        if (stack.back().is_true()) pc += in.a;
        break;
      case Op::OR_END: binary(LogicalOr); break;
      case Op::COND: {
        Value c = pop();
        if (c.is_true()) break;
        if (c.is_false()) {
          pc += in.a;
          break;
        }
        stack.push_back(NotBool(c, "`?:`"));
        pc += in.b;
        break;
      }
      case Op::ITER_INIT: {
        Value r = pop();
        if (r.is_list()) {
          L[in.a] = std::move(r);
        } else if (r.is_map()) {
          ChargeCollection(ctx, r);
          std::vector<Value> keys;
          keys.reserve(r.map().entries.size());
          for (const auto& kv : r.map().entries) keys.push_back(kv.first);
          L[in.a] = Value::List(std::move(keys));
        } else {
          stack.push_back(r.is_error() ? r : Value::Error(absl::StrCat("cannot iterate over ", KindName(r.kind()))));
          pc += in.b;
          break;
        }
        L[in.a + 1] = Value::Int(0);
        break;
      }
      case Op::ITER_NEXT: {
        // Slot kinds depend on the path taken, which the bundle verifier
        // does not follow: checked here (program_verifier.h).
        if (!L[in.a].is_list() || !L[in.a + 1].is_int()) return CorruptBytecode();
        const auto& elems = L[in.a].list().elems;
        const uint64_t i = static_cast<uint64_t>(L[in.a + 1].int_value());
        if (i == 0) ctx.NoteLength(elems.size());
        if (i >= elems.size()) {
          pc += in.b;
          break;
        }
        L[in.a + 2] = elems[i];
        L[in.a + 1] = Value::Int(static_cast<int64_t>(i + 1));
        break;
      }
      case Op::ITER_INIT2: {
        Value r = pop();
        if (!r.is_list() && !r.is_map()) {
          stack.push_back(r.is_error() ? r : Value::Error(absl::StrCat("cannot iterate over ", KindName(r.kind()))));
          pc += in.b;
          break;
        }
        L[in.a] = std::move(r);
        L[in.a + 1] = Value::Int(0);
        break;
      }
      case Op::ITER_NEXT2: {
        const Value& r = L[in.a];
        if (!(r.is_list() || r.is_map()) || !L[in.a + 1].is_int()) return CorruptBytecode();
        const uint64_t i = static_cast<uint64_t>(L[in.a + 1].int_value());
        const size_t n = r.is_list() ? r.list().elems.size() : r.map().entries.size();
        if (i == 0) ctx.NoteLength(n);
        if (i >= n) {
          pc += in.b;
          break;
        }
        if (r.is_list()) {
          L[in.a + 2] = Value::Int(static_cast<int64_t>(i));
          L[in.a + 4] = r.list().elems[i];
        } else {
          L[in.a + 2] = r.map().entries[i].first;
          L[in.a + 4] = r.map().entries[i].second;
        }
        L[in.a + 1] = Value::Int(static_cast<int64_t>(i + 1));
        break;
      }
      case Op::ACC_PUT: {
        if (!L[in.a].is_map()) return CorruptBytecode();
        Value v = pop();
        if (v.is_error()) {
          L[in.a] = std::move(v);
          pc += in.b;
        } else {
          Put(L[in.a], L[in.a - 1], std::move(v));
        }
        break;
      }
      case Op::ACC_ALL:
      case Op::ACC_EXISTS: {
        const bool decisive = in.op == Op::ACC_EXISTS;
        Value v = pop();
        if (v.is_bool()) {
          if (v.bool_value() == decisive) {
            L[in.a] = std::move(v);
            pc += in.b;
          }
        } else if (!L[in.a].is_error()) {
          L[in.a] = NotBool(v, decisive ? "exists()" : "all()");
        }
        break;
      }
      case Op::ACC_COUNT: {
        Value v = pop();
        int64_t count = 0;
        if (!L[in.a].is_int() || __builtin_add_overflow(L[in.a].int_value(), 1, &count)) return CorruptBytecode();
        if (v.is_true()) {
          L[in.a] = Value::Int(count);
        } else if (!v.is_false()) {
          L[in.a] = NotBool(v, "exists_one()");
          pc += in.b;
        }
        break;
      }
      case Op::ACC_APPEND: {
        if (!L[in.a].is_list()) return CorruptBytecode();
        Value v = pop();
        if (v.is_error()) {
          L[in.a] = std::move(v);
          pc += in.b;
        } else {
          Append(L[in.a], std::move(v));
        }
        break;
      }
      case Op::TEST_FILTER: {
        Value v = pop();
        if (v.is_true()) {
          pc += 1;
        } else if (!v.is_false()) {
          L[in.a] = NotBool(v, "filter()");
          pc += in.b;
        }
        break;
      }
      case Op::RETURN:
        ctx.cost += spent;
        return pop();
    }
  }
}

}  // namespace gavel
