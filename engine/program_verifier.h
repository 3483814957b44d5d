// The bytecode verifier: checks that a Program is one the VM and the
// evaluator can run without reading out of bounds, underflowing the stack
// or looping forever, whoever built it. The compiler's programs pass by
// construction; a loaded bundle (bundle.h) must pass before it is used.
//
// What it checks (docs/bundles.md lists it for users):
// - every chunk's range lies within Program::code (with a source offset per
//   instruction), every opcode is known, every chunk is non-empty and ends
//   in RETURN or a backward JUMP, offsets are within the chunk's source;
// - every operand is in range: constants (and the kind SELECT, HAS and FIELD
//   need: a string), params, package lets, regexes, globals, built-ins (with
//   an arity one of their overloads has), schema field ids (named as the
//   schema names them), local slots below the frame's size;
// - every jump lands inside its chunk; the stack depth at each instruction
//   is the same on every path, never below what the instruction pops, and
//   at least 1 at RETURN;
// - termination: only JUMP goes backward, and only to an ITER_NEXT(2) whose
//   loop body (up to its last backward JUMP) is nested in or disjoint from
//   every other, exits past the body and does not write the loop's list or
//   position slot; let chunks (LOAD_RULE_LET, LOAD_PKG_LET) have a lower
//   index than the chunk that runs them, so lets cannot recurse;
// - a rule let runs in its caller's frame, so its chunk needs no more slots
//   than the caller's; every chunk a rule runs fits the rule's frame; the
//   rule's slots, package, effect and chunks are in range.
// What the kinds of slot values are at run time (the list an ITER_NEXT walks,
// the accumulator of ACC_APPEND) and which message type a FIELD meets are
// checked by the VM itself, cheaply, since they depend on the plan.
#ifndef GAVEL_ENGINE_PROGRAM_VERIFIER_H_
#define GAVEL_ENGINE_PROGRAM_VERIFIER_H_

#include <vector>

#include "absl/status/status.h"
#include "engine/program.h"
#include "engine/schema.h"

namespace gavel {

// Frames and recursion stay bounded: more slots than this is refused.
inline constexpr int kMaxFrameSlots = 1 << 16;

// Every message type a value of a program can have: the plan schema's and
// those built-ins make (`net.CIDR`, which constant folding turns into
// constants). FIELD ids are checked against these, and bundles store
// message values of these types only. A built-in that makes a new type
// must list it here, or programs using it fail verification
// (tests/bundle_test.cc runs every case through a bundle).
const std::vector<const MessageType*>& MessageTypes();

// OK, or InvalidArgument naming the first problem ("chunk 3, instruction 7
// (CONST): constant 99 out of range (12 constants)").
absl::Status VerifyProgram(const Program& program);

}  // namespace gavel

#endif  // GAVEL_ENGINE_PROGRAM_VERIFIER_H_
