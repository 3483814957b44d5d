// Standalone CEL expressions: parse, check, compile and evaluate one
// expression outside any rule, optionally over a plan (plan, context and
// agent are in scope). For tools, tests and the conformance runner.
#ifndef GAVEL_ENGINE_EXPRESSION_H_
#define GAVEL_ENGINE_EXPRESSION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/plan.h"
#include "engine/value.h"

namespace gavel {

// Compile errors come back as an InvalidArgument status holding the
// formatted diagnostics; evaluation errors as an error Value.
absl::StatusOr<Value> EvaluateExpression(std::string_view text, const Plan* plan = nullptr);

}  // namespace gavel

#endif  // GAVEL_ENGINE_EXPRESSION_H_
