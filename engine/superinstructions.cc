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
      default: break;
    }
  }
}

}  // namespace gavel
