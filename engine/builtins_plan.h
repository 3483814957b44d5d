// Plan-aware built-ins: `step.before()`, `step.after()`, `step.upstream()`,
// `step.downstream()` (the plan's order and its data flow),
// `step.data_sources()` (data flow over `inputs` only), and the grant
// built-ins `g.covers(step)` and `g.ttl()`. They read the plan of the
// running evaluation through EvalScope (eval_scope.h); called outside one,
// they return an error value. Semantics: docs/language.md, "Plan built-ins".
#ifndef GAVEL_ENGINE_BUILTINS_PLAN_H_
#define GAVEL_ENGINE_BUILTINS_PLAN_H_

#include <vector>

#include "engine/builtins.h"

namespace gavel {

// Appends `before`, `after`, `upstream`, `downstream`, `data_sources`,
// `covers` and `ttl` to the built-in table.
void AddPlanBuiltins(std::vector<Builtin>* table);

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUILTINS_PLAN_H_
