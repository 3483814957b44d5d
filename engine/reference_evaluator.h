// A reference evaluator: walks the checked syntax tree directly, with no
// bytecode, constant folding or caching beyond what the language requires
// (lets at most once). It exists to be obviously correct, not fast: the
// differential test (docs/differential.md) runs it against the compiled
// engine (policy.h Evaluate) on random policies and plans, and any
// difference in the decision is a bug in one of them.
//
//   Diagnostics diags;
//   auto checked = CheckPolicySources(sources, diags);  // null on errors
//   Decision d = EvaluateReference(*checked, plan, options);
//
// Operators and built-in functions call the engine's implementations of the
// single operations (operators.h, the built-in table); the evaluation
// strategy (rule loop, scoping, lets, &&, ||, ?:, macros, messages, verdict)
// is implemented here, independently of the compiler and the VM.
#ifndef GAVEL_ENGINE_REFERENCE_EVALUATOR_H_
#define GAVEL_ENGINE_REFERENCE_EVALUATOR_H_

#include <functional>
#include <memory>
#include <vector>

#include "engine/ast.h"
#include "engine/checker.h"
#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/source.h"

namespace gavel {

// Parsed and checked policy files (the checker's annotations in place).
struct CheckedPolicySet {
  PolicySet set;
};

// Parses and checks `sources` as one policy set, as CompilePolicy does up to
// code generation. Null when there are errors (all of them in `diags`).
// Compile-time checks of the code generator (constant regexes, param values)
// are not repeated here: use it on sources that CompilePolicy accepts.
std::unique_ptr<CheckedPolicySet> CheckPolicySources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                                     Diagnostics& diags);

// What an observer is told about each evaluated sub-expression: the rule
// being evaluated (null for a package let or a param default) and its current
// element (null for a plan-level rule).
struct ObservedScope {
  const RuleDecl* rule = nullptr;
  const Value* element = nullptr;
};

// Called for every evaluated sub-expression with its result (an error value
// too), after its operands. Short-circuited operands are not evaluated and so
// not reported. For `gavel explain`.
using ExprObserver = std::function<void(const Expr& expr, const Value& result, const ObservedScope& scope)>;

// Evaluates every rule over `plan`, following docs/language.md. `options`
// supplies param values and package enforcement as for CompilePolicy.
// A param whose value cannot be resolved fails closed: an error in the
// decision. `observer` may be null (no cost then beyond a null test).
Decision EvaluateReference(const CheckedPolicySet& policy, const Plan& plan, const CompileOptions& options = {},
                           const ExprObserver* observer = nullptr);

}  // namespace gavel

#endif  // GAVEL_ENGINE_REFERENCE_EVALUATOR_H_
