// Superinstructions: one dispatch for a common run of instructions. The
// fuser replaces only the opcode of a run's first instruction in a copy of
// the chunk (in Program::exec, at Chunk::exec_begin) and leaves the rest of
// the run as it was, so the fused handler reads its operands from the
// instructions after it, a jump into the middle of a run still finds the
// original instructions, and a handler whose fast path does not apply (a
// value of an unexpected kind) simply does the first instruction's work
// and goes on with the next.
// The fused opcodes come after the canonical ones (opcodes.def): they
// never appear in Chunk::code, in a bundle or in a disassembly.
#ifndef GAVEL_ENGINE_SUPERINSTRUCTIONS_H_
#define GAVEL_ENGINE_SUPERINSTRUCTIONS_H_

#include <vector>

#include "engine/program.h"

namespace gavel {

// name, the run it replaces
#define GAVEL_FUSED_OPS(X)                                                                 \
  X(LOCAL_FIELD, "LOAD_LOCAL FIELD")                                                       \
  X(LOCAL_FIELD2, "LOAD_LOCAL FIELD FIELD")                                                \
  X(GLOBAL_FIELD, "LOAD_GLOBAL FIELD")                                                     \
  X(EQ_CONST, "CONST EQ")                                                                  \
  X(NE_CONST, "CONST NE")                                                                  \
  X(IN_CONST, "CONST IN")                                                                  \
  X(CALL_PREPARED, "CALL with constant arguments after the first")                         \
  X(EXISTS_GLOB, "the loop of `patterns.exists(p, text.glob(p))`")                         \
  X(EXISTS_CALL, "the loop of `list.exists(x, f(x, y))`, y the same in every iteration") \
  X(EXISTS_PRED, "the loop of `list.exists(x, p)`, p comparisons of x's fields with constants")

enum class FusedOp : int {
  kFirst = kNumOps - 1,
#define GAVEL_FUSED_ENUM(name, run) name,
  GAVEL_FUSED_OPS(GAVEL_FUSED_ENUM)
#undef GAVEL_FUSED_ENUM
  kEnd
};
inline constexpr int kNumExecOps = static_cast<int>(FusedOp::kEnd);
static_assert(kNumExecOps <= 256, "opcodes are one byte");

inline constexpr Op AsOp(FusedOp f) { return static_cast<Op>(static_cast<int>(f)); }

// Appends the chunk's code (Program::Code) with the runs above fused to
// *exec (which must not be Program::code). Two fused ops change their
// operands: CALL_PREPARED's a is an index into program.index.prepared
// (added here), b stays the argument count; EXISTS_GLOB's and
// EXISTS_CALL's a is an index into program.index.exists_loops, which
// keeps the ITER_INIT they replace.
void FuseSuperinstructions(Program& program, const Chunk& chunk, std::vector<Instr>* exec);

// Built-in `builtin` prepared for constant k as its second and last
// argument, once per program (ExecIndex::calls_by_constant), or null.
std::shared_ptr<const PreparedCall> PrepareCallOnConstant(Program& program, int32_t builtin, int32_t k);

}  // namespace gavel

#endif  // GAVEL_ENGINE_SUPERINSTRUCTIONS_H_
