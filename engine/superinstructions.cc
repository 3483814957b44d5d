// See superinstructions.h.
#include "engine/superinstructions.h"

namespace gavel {

std::vector<Instr> FuseSuperinstructions(const Program& program, const Chunk& chunk) {
  const std::vector<Instr>& code = chunk.code;
  std::vector<Instr> exec = code;
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
      default: break;
    }
  }
  return exec;
}

}  // namespace gavel
