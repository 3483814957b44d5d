// Standalone CEL expressions: parse, check, compile and evaluate one
// expression outside any rule, optionally over a plan (plan, context and
// agent are in scope). For tools, tests and the conformance runner.
#ifndef GAVEL_ENGINE_EXPRESSION_H_
#define GAVEL_ENGINE_EXPRESSION_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/plan.h"
#include "engine/types.h"
#include "engine/value.h"

namespace gavel {

// Compile errors come back as an InvalidArgument status holding the
// formatted diagnostics; evaluation errors as an error Value.
absl::StatusOr<Value> EvaluateExpression(std::string_view text, const Plan* plan = nullptr);

// A standalone expression with variables of its own (as CEL's environments
// declare them), for the conformance runner and embedders.
struct ExpressionOptions {
  // Declared variables: qualified name ("x", "a.b.c") and type. Names
  // resolve in `container` first (see ExpressionEnv in checker.h).
  std::vector<std::pair<std::string, Type>> declarations;
  // Values of the variables, by name. A declared variable without a value
  // is an error where it is read; a value for an undeclared name declares it
  // as `dyn`.
  std::map<std::string, Value> bindings;
  std::string container;
  // false: evaluate without type checking (type errors become runtime errors).
  bool check = true;
  // false: stop after checking (the result's value is null).
  bool evaluate = true;
  const Plan* plan = nullptr;  // plan, context and agent, when given
};

struct ExpressionResult {
  Type type;    // what the checker inferred (dyn when unchecked)
  Value value;  // may be an error value
};

// Compile errors come back as an InvalidArgument status holding the
// formatted diagnostics.
absl::StatusOr<ExpressionResult> EvaluateExpression(std::string_view text, const ExpressionOptions& options);

}  // namespace gavel

#endif  // GAVEL_ENGINE_EXPRESSION_H_
