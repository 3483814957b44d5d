// Evaluation cost: the unit the budget counts and the static bound the
// compiler derives per rule (docs/security.md, "Cost").
//
// One unit per VM instruction executed, plus, for a call to a built-in that
// takes or returns a list or map, the number of elements of each list/map
// argument and of a list/map result, plus the size of a map a loop turns
// into its keys. n is the largest collection an evaluation handles: the
// number of steps, and the length of every list or map it iterates or
// passes to or gets from such a built-in. A rule's bound is a polynomial in
// n that its evaluation never exceeds.
#ifndef GAVEL_ENGINE_COST_H_
#define GAVEL_ENGINE_COST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/program.h"

namespace gavel {

// CostBound: engine/program.h.

inline constexpr uint64_t kDefaultCostBudget = 100'000'000;

// Fills every rule's cost_bound from the bytecode. The program must have
// been verified (its loops are well nested) or come from the compiler.
void ComputeCostBounds(Program& program);

// Whether a call to built-in `id` is charged by the size of its list/map
// arguments and result (the VM and the bound agree on this).
bool CollectionSizedBuiltin(int id);
const std::vector<char>& CollectionSizedBuiltins();  // by id

uint64_t EvalCostBound(const CostBound& bound, uint64_t n);
std::string CostOrder(const CostBound& bound);   // "O(1)", "O(n)", "O(n^2)"
std::string CostFormula(const CostBound& bound); // "12n + 7", "3n^2 + n + 4"

// What one evaluation cost, per rule (in Program::rules order) and the n it
// saw: max(steps, every collection measured as above).
struct CostStats {
  std::vector<uint64_t> rule_costs;
  uint64_t n = 0;
  uint64_t total = 0;
};

// Evaluate (policy.h), also measuring the cost.
Decision EvaluateWithCost(const CompiledPolicy& policy, const Plan& plan, CostStats* stats,
                          std::vector<Permit>* permits = nullptr);

}  // namespace gavel

#endif  // GAVEL_ENGINE_COST_H_
