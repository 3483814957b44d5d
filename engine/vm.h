// The VM: runs one chunk of bytecode (opcodes.def) over a plan and returns
// its value, which may be an error value. It never throws and never
// recurses deeper than the nesting of lets.
#ifndef GAVEL_ENGINE_VM_H_
#define GAVEL_ENGINE_VM_H_

#include <cstdint>
#include <vector>

#include "engine/ast.h"
#include "engine/program.h"
#include "engine/value.h"

namespace gavel {

// What one evaluation of a plan shares across its chunks.
struct EvalContext {
  const Program* program = nullptr;
  Value globals[kNumGlobals];       // plan, context, agent
  std::vector<Value> pkg_lets;      // package lets, evaluated on first use
  std::vector<uint8_t> pkg_let_state;  // 0 not yet, 1 in progress, 2 done
  std::vector<Value> variables;     // declared variables of a standalone expression
  // Cost (engine/cost.h): units spent so far, the budget (past it a chunk
  // returns an error at its next check), and the largest collection seen.
  uint64_t cost = 0;
  uint64_t budget = UINT64_MAX;
  uint64_t max_len = 0;
  bool OverBudget() const { return cost > budget; }
  // Records the length of a list the evaluation iterated or passed to a
  // built-in: the largest is the plan's `n` for the cost bounds.
  void NoteLength(uint64_t n) {
    if (n > max_len) max_len = n;
  }
  // The value stack: RunChunk takes the region above stack_top that its
  // chunk can need (nested let chunks go above it). Sized by ReserveStack,
  // and kept across evaluations by the evaluator's workspace, so that a
  // warm evaluation allocates nothing; a chunk that does not fit gets a
  // stack of its own. Slots at or above stack_top hold null.
  std::vector<Value> stack;
  size_t stack_top = 0;
  void ReserveStack(const Program& p);
};

// The locals of one rule (or package let) evaluation.
struct Frame {
  std::vector<Value> slots;
  std::vector<uint8_t> let_ready;  // per slot: a rule let already evaluated
  void Reset(int n) {
    slots.assign(n, Value());
    let_ready.assign(n, 0);
  }
  // Reset for the next rule of an evaluation, without clearing the slots:
  // compiled code writes a slot before it reads it, and what a crafted
  // bundle could read instead is a value of the same evaluation (still
  // alive: the workspace clears the slots when the evaluation ends).
  void ReuseFor(int n) {
    if (slots.size() < static_cast<size_t>(n)) slots.resize(n);
    let_ready.assign(n, 0);
  }
};

// Runs a chunk of a verified (or compiled) program. The result may be a
// borrowed value (value.h): Own() it before it outlives the plan or the
// program.
Value RunChunk(EvalContext& ctx, int chunk, Frame& frame);

// The error a chunk returns when the evaluation is over its cost budget.
Value BudgetExceeded(uint64_t budget);

}  // namespace gavel

#endif  // GAVEL_ENGINE_VM_H_
