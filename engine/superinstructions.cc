// See superinstructions.h.
#include "engine/superinstructions.h"

#include "engine/cost.h"
#include "engine/prepare.h"

namespace gavel {

namespace {

// A prepared call for the CALL at `i` if its arguments after the first are
// pushed by the CONSTs just before it; -1 otherwise.
int PrepareCall(Program& program, std::span<const Instr> code, size_t i) {
  const Instr& call = code[i];
  const BuiltinTable& table = BuiltinTable::Get();
  if (call.a < 0 || static_cast<size_t>(call.a) >= table.all().size() || call.b < 2) return -1;
  const PrepareFn prepare = table.at(call.a).prepare;
  const size_t n = static_cast<size_t>(call.b) - 1;
  if (prepare == nullptr || i < n) return -1;
  std::vector<Value> constants;
  for (size_t k = i - n; k < i; ++k) {
    if (code[k].op != Op::CONST) return -1;
    constants.push_back(program.constants[code[k].a]);
  }
  std::shared_ptr<const PreparedCall> prepared =
      n == 1 ? PrepareCallOnConstant(program, call.a, code[i - 1].a) : prepare(constants.data(), n);
  if (!prepared) return -1;
  program.index.prepared.push_back(PreparedSite{call.a, std::move(constants), std::move(prepared)});
  return static_cast<int>(program.index.prepared.size()) - 1;
}

// The loop of `list.exists(x, p)` whose body p is a step predicate over x
// (prepare.h: comparisons of x's fields with constants, joined by && or
// ||; no calls), as the compiler emits it (ExistsLoop, below, with the
// predicate's code in place of the arguments and CALL): fills *site's
// exit, body (the longest iteration, ITER_NEXT through JUMP) and pred.
bool ExistsPredicateLoop(Program& program, std::span<const Instr> code, size_t i, ExistsLoopSite* site) {
  const int32_t a = code[i].a;
  const int64_t exit = static_cast<int64_t>(i) + 4 + code[i + 3].b;
  // ACC_EXISTS, JUMP and the exit after them.
  if (exit < static_cast<int64_t>(i) + 7 || exit > static_cast<int64_t>(code.size())) return false;
  const size_t acc = static_cast<size_t>(exit) - 2;
  if (code[acc].op != Op::ACC_EXISTS || code[acc].a != site->acc || code[acc].b != 1) return false;
  if (code[acc + 1].op != Op::JUMP || static_cast<int64_t>(acc) + 2 + code[acc + 1].a != static_cast<int64_t>(i) + 3) {
    return false;
  }
  StepPredicate pred;
  if (!FindPredicate(program, code.subspan(i + 4, acc - (i + 4) + 1), a + 2, &pred, Op::ACC_EXISTS) || pred.calls) {
    return false;
  }
  site->exit = static_cast<int32_t>(exit);
  site->body = static_cast<int32_t>(exit - static_cast<int64_t>(i + 3));  // ITER_NEXT through JUMP
  site->pred = std::move(pred);
  return true;
}

// The loop of `list.exists(x, f(x, y))` or `list.exists(x, f(y, x))`
// starting at the ITER_INIT at `i`, as the compiler emits it:
//   i    ITER_INIT a        the list, popped
//   i+1  CONST false
//   i+2  STORE_LOCAL acc
//   i+3  ITER_NEXT a, exit  x in slot a+2
//   i+4  the arguments in order: x is LOAD_LOCAL a+2; y is LOAD_LOCAL s,
//        LOAD_RULE_LET s, LOAD_GLOBAL, LOAD_VAR, LOAD_PARAM or CONST, then
//        at most two FIELDs
//        CALL f, 2
//        ACC_EXISTS acc, 1  to exit
//        JUMP               to i+3
//   exit
// y must not read a slot the loop writes, and f must not be charged by
// the size of its arguments (the fused loop checks the budget once, from
// the instructions alone). Returns the fused op and sets *site (an index
// into program.index.exists_loops), or returns ITER_INIT.
Op ExistsLoop(Program& program, std::span<const Instr> code, size_t i, int* site_index) {
  static const int glob = BuiltinTable::Get().Find("glob");
  const size_t n = code.size();
  if (i + 10 > n) return Op::ITER_INIT;
  const Instr& init = code[i];
  const int32_t a = init.a;
  if (code[i + 1].op != Op::CONST || !program.constants[code[i + 1].a].is_false()) return Op::ITER_INIT;
  if (code[i + 2].op != Op::STORE_LOCAL || code[i + 3].op != Op::ITER_NEXT || code[i + 3].a != a) return Op::ITER_INIT;
  ExistsLoopSite site;
  site.iter_init = init;
  site.acc = code[i + 2].a;
  const auto is_var = [&](size_t k) { return code[k].op == Op::LOAD_LOCAL && code[k].a == a + 2; };
  // The invariant argument at k; the index after it, or 0.
  const auto invariant = [&](size_t k) -> size_t {
    site.invariant = code[k];
    switch (code[k].op) {
      case Op::LOAD_LOCAL: case Op::LOAD_RULE_LET: {
        const int32_t s = code[k].a;
        if (s == a || s == a + 1 || s == a + 2 || s == site.acc) return 0;
        break;
      }
      case Op::LOAD_GLOBAL: case Op::LOAD_VAR: case Op::LOAD_PARAM: case Op::CONST: break;
      default: return 0;
    }
    for (++k; k < n && code[k].op == Op::FIELD && site.path.depth < 2; ++k) {
      site.path.field[site.path.depth++] = code[k].a;
    }
    return k;
  };
  if (ExistsPredicateLoop(program, code, i, &site)) {
    program.index.exists_loops.push_back(std::move(site));
    *site_index = static_cast<int>(program.index.exists_loops.size()) - 1;
    return AsOp(FusedOp::EXISTS_PRED);
  }
  size_t k = i + 4;
  site.var_first = is_var(k);
  k = site.var_first ? invariant(k + 1) : invariant(k);
  if (k == 0 || k >= n) return Op::ITER_INIT;
  if (!site.var_first && !is_var(k++)) return Op::ITER_INIT;
  if (k + 3 > n) return Op::ITER_INIT;
  const Instr &call = code[k], &acc = code[k + 1], &jump = code[k + 2];
  const int64_t exit = static_cast<int64_t>(i) + 4 + code[i + 3].b, after = static_cast<int64_t>(k) + 3;
  if (call.op != Op::CALL || call.b != 2 || call.a < 0 || CollectionSizedBuiltin(call.a) ||
      static_cast<size_t>(call.a) >= BuiltinTable::Get().all().size() || acc.op != Op::ACC_EXISTS ||
      acc.a != site.acc || static_cast<int64_t>(k) + 2 + acc.b != exit || jump.op != Op::JUMP ||
      after + jump.a != static_cast<int64_t>(i) + 3 || exit != after) {
    return Op::ITER_INIT;
  }
  site.builtin = call.a;
  site.exit = static_cast<int32_t>(exit);
  site.body = static_cast<int32_t>(after - static_cast<int64_t>(i + 3));  // ITER_NEXT through JUMP
  program.index.exists_loops.push_back(site);
  *site_index = static_cast<int>(program.index.exists_loops.size()) - 1;
  return AsOp(site.builtin == glob && !site.var_first ? FusedOp::EXISTS_GLOB : FusedOp::EXISTS_CALL);
}

}  // namespace

std::shared_ptr<const PreparedCall> PrepareCallOnConstant(Program& program, int32_t builtin, int32_t k) {
  const BuiltinTable& table = BuiltinTable::Get();
  if (builtin < 0 || static_cast<size_t>(builtin) >= table.all().size()) return nullptr;
  if (k < 0 || static_cast<size_t>(k) >= program.constants.size()) return nullptr;
  const auto [it, added] = program.index.calls_by_constant.try_emplace({builtin, k});
  const PrepareFn prepare = table.at(builtin).prepare;
  if (added && prepare != nullptr) it->second = prepare(&program.constants[k], 1);
  return it->second;
}

void FuseSuperinstructions(Program& program, const Chunk& chunk, std::vector<Instr>* out) {
  const std::span<const Instr> code = program.Code(chunk);
  const size_t begin = out->size();
  out->insert(out->end(), code.begin(), code.end());
  Instr* exec = out->data() + begin;
  const size_t n = code.size();
  auto op = [&](size_t i) { return i < n ? code[i].op : Op::RETURN; };
  for (size_t i = 0; i < n; ++i) {
    switch (code[i].op) {
      case Op::LOAD_LOCAL:
        if (op(i + 1) == Op::FIELD) {
          exec[i].op = AsOp(op(i + 2) == Op::FIELD ? FusedOp::LOCAL_FIELD2 : FusedOp::LOCAL_FIELD);
        }
        break;
      case Op::LOAD_GLOBAL:
        if (op(i + 1) == Op::FIELD) exec[i].op = AsOp(FusedOp::GLOBAL_FIELD);
        break;
      case Op::CONST:
        // The handlers compare with the constant directly.
        if (op(i + 1) == Op::EQ) exec[i].op = AsOp(FusedOp::EQ_CONST);
        if (op(i + 1) == Op::NE) exec[i].op = AsOp(FusedOp::NE_CONST);
        if (op(i + 1) == Op::IN && program.constants[code[i].a].is_list()) exec[i].op = AsOp(FusedOp::IN_CONST);
        break;
      case Op::CALL:
        if (int site = PrepareCall(program, code, i); site >= 0) {
          exec[i] = Instr{AsOp(FusedOp::CALL_PREPARED), site, code[i].b};
        }
        break;
      case Op::ITER_INIT: {
        int site = -1;
        if (const Op fused = ExistsLoop(program, code, i, &site); fused != Op::ITER_INIT) exec[i] = Instr{fused, site, 0};
        break;
      }
      default: break;
    }
  }
}

}  // namespace gavel
