// Opcode names and the disassembler, generated from opcodes.def.
#include "engine/program.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gavel {
namespace {

constexpr const char* kOpNames[] = {
#define OP(name, doc) #name,
#include "engine/opcodes.def"
#undef OP
};

constexpr const char* kOpDocs[] = {
#define OP(name, doc) doc,
#include "engine/opcodes.def"
#undef OP
};

}  // namespace

const char* OpName(Op op) { return kOpNames[static_cast<int>(op)]; }

const char* OpDoc(Op op) { return kOpDocs[static_cast<int>(op)]; }

void Program::SetCode(Chunk& chunk, std::span<const Instr> instrs, std::span<const uint32_t> source_offsets) {
  offsets.resize(code.size(), 0);  // a hand-built program may lack some
  chunk.code_begin = static_cast<uint32_t>(code.size());
  chunk.code_size = static_cast<uint32_t>(instrs.size());
  code.insert(code.end(), instrs.begin(), instrs.end());
  offsets.insert(offsets.end(), source_offsets.begin(), source_offsets.end());
  offsets.resize(code.size(), 0);
}

std::string Program::Disassemble() const {
  std::string out;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const Chunk& chunk = chunks[c];
    absl::StrAppend(&out, "chunk ", c, " (", chunk.num_slots, " slots)\n");
    const std::span<const Instr> code = Code(chunk);
    for (size_t i = 0; i < code.size(); ++i) {
      const Instr& in = code[i];
      absl::StrAppend(&out, absl::StrFormat("  %4d  %-14s %6d %6d", i, OpName(in.op), in.a, in.b));
      if (in.op == Op::CONST) absl::StrAppend(&out, "   ; ", constants[in.a].DebugString());
      out += "\n";
    }
  }
  return out;
}

}  // namespace gavel
