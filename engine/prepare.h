// Derives, from a program's canonical bytecode, what makes it fast to run:
// the superinstructions the VM executes (Chunk::exec), the rule index that
// sends each step only to the rules that can fire on it, the conditions
// whose results are shared between rules, and the stack size. Run once per
// compiled policy (CompiledPolicy's constructor), after verification for a
// bundle; nothing it derives is written to a bundle.
#ifndef GAVEL_ENGINE_PREPARE_H_
#define GAVEL_ENGINE_PREPARE_H_

#include "engine/program.h"

namespace gavel {

void PrepareProgram(Program& program);

}  // namespace gavel

#endif  // GAVEL_ENGINE_PREPARE_H_
