// See superinstructions.h.
#include "engine/superinstructions.h"

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
  std::unique_ptr<PreparedCall> prepared = prepare(constants.data(), n);
  if (!prepared) return -1;
  program.index.prepared.push_back(PreparedSite{call.a, std::move(constants), std::move(prepared)});
  return static_cast<int>(program.index.prepared.size()) - 1;
}

// The loop `patterns.exists(p, text.glob(p))` starting at the ITER_INIT at
// `i`, as the compiler emits it:
//   i    ITER_INIT a        the patterns, popped
//   i+1  CONST false
//   i+2  STORE_LOCAL acc
//   i+3  ITER_NEXT a, exit  p in slot a+2
//   i+4  text: LOAD_LOCAL s | LOAD_RULE_LET s | LOAD_GLOBAL | LOAD_VAR | LOAD_PARAM | CONST,
//        then at most two FIELDs
//        LOAD_LOCAL a+2
//        CALL glob, 2
//        ACC_EXISTS acc, 1  to exit
//        JUMP               to i+3
//   exit
// The text must not read a slot the loop writes. Returns a site for
// program.index.exists_glob, or -1.
int ExistsGlobLoop(Program& program, std::span<const Instr> code, size_t i) {
  static const int glob = BuiltinTable::Get().Find("glob");
  const size_t n = code.size();
  if (i + 10 > n) return -1;
  const Instr& init = code[i];
  const int32_t a = init.a;
  if (code[i + 1].op != Op::CONST || !program.constants[code[i + 1].a].is_false()) return -1;
  if (code[i + 2].op != Op::STORE_LOCAL || code[i + 3].op != Op::ITER_NEXT || code[i + 3].a != a) return -1;
  ExistsGlobSite site;
  site.iter_init = init;
  site.acc = code[i + 2].a;
  const auto loop_slot = [&](int32_t s) { return s == a || s == a + 1 || s == a + 2 || s == site.acc; };
  size_t k = i + 4;
  site.text = code[k];
  switch (site.text.op) {
    case Op::LOAD_LOCAL:
    case Op::LOAD_RULE_LET:
      if (loop_slot(site.text.a)) return -1;
      break;
    case Op::LOAD_GLOBAL: case Op::LOAD_VAR: case Op::LOAD_PARAM: case Op::CONST: break;
    default: return -1;
  }
  for (++k; k < n && code[k].op == Op::FIELD && site.num_fields < 2; ++k) site.fields[site.num_fields++] = code[k].a;
  if (k + 4 > n) return -1;
  const Instr &pattern = code[k], &call = code[k + 1], &acc = code[k + 2], &jump = code[k + 3];
  const int64_t exit = static_cast<int64_t>(i) + 4 + code[i + 3].b;
  if (pattern.op != Op::LOAD_LOCAL || pattern.a != a + 2 || call.op != Op::CALL || call.a != glob || call.b != 2 ||
      acc.op != Op::ACC_EXISTS || acc.a != site.acc || static_cast<int64_t>(k) + 3 + acc.b != exit ||
      jump.op != Op::JUMP || static_cast<int64_t>(k) + 4 + jump.a != static_cast<int64_t>(i) + 3 ||
      exit != static_cast<int64_t>(k) + 4) {
    return -1;
  }
  site.exit = static_cast<int32_t>(exit);
  site.body = static_cast<int32_t>(k + 4 - (i + 3));  // ITER_NEXT through JUMP
  program.index.exists_glob.push_back(site);
  return static_cast<int>(program.index.exists_glob.size()) - 1;
}

}  // namespace

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
      case Op::ITER_INIT:
        if (int site = ExistsGlobLoop(program, code, i); site >= 0) {
          exec[i] = Instr{AsOp(FusedOp::EXISTS_GLOB), site, 0};
        }
        break;
      default: break;
    }
  }
}

}  // namespace gavel
