// The plan of the evaluation running on this thread, for the plan-aware
// built-ins (`step.before()`, `step.upstream()`, `g.covers(step)`, ...),
// whose BuiltinFn signature carries only their arguments.
//
// Evaluate() and EvaluateExpression() open an EvalScope on their stack; it
// sets a thread_local pointer for as long as it lives and restores the
// previous one when it ends, so scopes nest and every thread has its own.
// The step graph (ids, edges over `depends_on` and `inputs`) is built at the
// first call that needs it and kept for the rest of the evaluation, as are
// the lists `before()`, `upstream()`... return for each step (they depend on
// the plan and the step only, and several rules often ask for the same).
// Evaluate() lends the scope storage from its per-thread workspace, so that
// a warm evaluation reuses the graph's and the results' memory.
#ifndef GAVEL_ENGINE_EVAL_SCOPE_H_
#define GAVEL_ENGINE_EVAL_SCOPE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/plan.h"
#include "engine/value.h"

namespace gavel {

class EvalScope {
 public:
  struct StepGraph {
    // step id (pointing into the plan) -> position in plan.steps; built
    // when needed (no StepRefs, or a step met outside plan.steps)
    absl::flat_hash_map<std::string_view, int> ids;
    std::vector<std::vector<int>> up;           // a step -> the steps it depends on or takes inputs from
    std::vector<std::vector<int>> down;         // the reverse edges
    std::vector<std::vector<int>> inputs;       // a step -> the steps it takes inputs from (data flow only)
  };
  // The plan functions whose results are kept per step.
  enum StepFn { kBefore, kAfter, kUpstream, kDownstream, kDataSources, kNumStepFns };
  // Memory a scope uses, reusable by the next scope on the same thread
  // (one scope at a time). The scope leaves it empty, its capacity kept.
  struct Storage {
    StepGraph graph;
    bool graph_built = false, ids_built = false;
    std::vector<Value> results[kNumStepFns];  // by step position; null = not computed
    std::vector<char> seen;                   // scratch of the graph walks
    std::vector<int> stack;
    // Result lists nobody held when their scope ended, emptied with their
    // capacity kept: the next scope's results reuse them (NewList), so a
    // warm evaluation that calls before() or upstream() allocates nothing.
    std::vector<Value> spare_lists;
    size_t spare_capacity = 0;  // their elements' capacity, summed
  };

  // `plan_root` is a gavel.v1.Plan message, or null for "no plan".
  // `storage`, when given, must outlive the scope; so must `refs`, the
  // decoder's resolved references of that plan's steps (Plan::refs), when
  // given (else the graph looks the steps' ids up).
  explicit EvalScope(Value plan_root, Storage* storage = nullptr, const StepRefs* refs = nullptr);
  ~EvalScope();
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

  // The innermost scope of this thread, or null outside any evaluation.
  static EvalScope* Current();

  // Unique to this scope among the scopes of its thread: what a per-thread
  // cache of the evaluation's values is keyed by.
  uint64_t serial() const { return serial_; }

  bool has_plan() const { return root_.is_message(); }
  const Value& plan() const { return root_; }
  // plan.steps and plan.context; empty / null without a plan.
  const std::vector<Value>& steps() const;
  const Value& context() const;

  // Built on first use; requires has_plan().
  const StepGraph& graph();

  // The position in plan.steps of `step` (a gavel.v1.Step message), or -1
  // when it is not a step of this plan. Requires has_plan().
  int PositionOf(const MessageData& step);

  // Where the result of `fn` for the step at `pos` is kept: null until
  // computed. Requires 0 <= pos < steps().size().
  Value& Result(StepFn fn, int pos);
  // An empty list this scope may fill in place (ListElems) before anything
  // else holds it: a spare one when there is one.
  Value NewList();
  // The same, for steps of this plan, which it holds borrowed: the list
  // keeps the plan's root alive instead (ListData::owner), one reference
  // instead of an atomic increment and decrement per element.
  Value NewStepList();
  // The elements of a list NewList returned, to fill (owned values only;
  // NewStepList's: borrowed steps of the plan).
  static std::vector<Value>& ListElems(Value& list);
  // Scratch vectors for the graph walks, sized to the plan and zeroed.
  std::vector<char>& Seen();
  std::vector<int>& Stack() { return storage_->stack; }

 private:
  // step id -> position, built on first use.
  const absl::flat_hash_map<std::string_view, int>& Ids();

  EvalScope* prev_;
  Value root_;
  const StepRefs* refs_;
  uint64_t serial_;
  std::unique_ptr<Storage> own_storage_;  // when none was lent
  Storage* storage_;
  bool used_[kNumStepFns] = {};
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_EVAL_SCOPE_H_
