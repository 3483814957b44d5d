// The plan of the evaluation running on this thread, for the plan-aware
// built-ins (`step.before()`, `step.upstream()`, `g.covers(step)`, ...),
// whose BuiltinFn signature carries only their arguments.
//
// Evaluate() and EvaluateExpression() open an EvalScope on their stack; it
// sets a thread_local pointer for as long as it lives and restores the
// previous one when it ends, so scopes nest and every thread has its own.
// The step graph (ids, edges over `depends_on` and `inputs`) is built at the
// first call that needs it and kept for the rest of the evaluation.
#ifndef GAVEL_ENGINE_EVAL_SCOPE_H_
#define GAVEL_ENGINE_EVAL_SCOPE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/value.h"

namespace gavel {

class EvalScope {
 public:
  // `plan_root` is a gavel.v1.Plan message, or null for "no plan".
  explicit EvalScope(Value plan_root);
  ~EvalScope();
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

  // The innermost scope of this thread, or null outside any evaluation.
  static EvalScope* Current();

  bool has_plan() const { return root_.is_message(); }
  const Value& plan() const { return root_; }
  // plan.steps and plan.context; empty / null without a plan.
  const std::vector<Value>& steps() const;
  const Value& context() const;

  struct StepGraph {
    absl::flat_hash_map<std::string, int> ids;  // step id -> position in plan.steps
    std::vector<std::vector<int>> up;           // a step -> the steps it depends on or takes inputs from
    std::vector<std::vector<int>> down;         // the reverse edges
    std::vector<std::vector<int>> inputs;       // a step -> the steps it takes inputs from (data flow only)
  };
  // Built on first use; requires has_plan().
  const StepGraph& graph();

 private:
  EvalScope* prev_;
  Value root_;
  std::unique_ptr<StepGraph> graph_;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_EVAL_SCOPE_H_
