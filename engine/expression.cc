// See expression.h.
#include "engine/expression.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/checker.h"
#include "engine/compiler.h"
#include "engine/eval_scope.h"
#include "engine/parser.h"
#include "engine/vm.h"

namespace gavel {

absl::StatusOr<Value> EvaluateExpression(std::string_view text, const Plan* plan) {
  auto source = std::make_shared<SourceFile>("<expr>", std::string(text));
  Diagnostics diags;
  ExprPtr expr = ParseExpression(*source, diags);
  if (expr && diags.empty()) CheckExpression(*expr, *source, diags);
  std::unique_ptr<Program> program;
  if (expr && diags.empty()) program = CompileExpression(*expr, source, diags);
  if (!diags.empty() || !program) return absl::InvalidArgumentError(diags.Format());
  EvalContext ctx;
  ctx.program = program.get();
  if (plan) {
    ctx.globals[kGlobalPlan] = plan->root;
    ctx.globals[kGlobalContext] = plan->context();
    ctx.globals[kGlobalAgent] = plan->agent();
  }
  EvalScope scope(plan ? plan->root : Value(), nullptr, plan ? &plan->refs : nullptr);  // for the plan-aware built-ins
  Frame frame;
  frame.Reset(program->chunks[0].num_slots);
  ctx.ReserveStack(*program);
  Value v = RunChunk(ctx, 0, frame);
  v.Own();  // it may borrow from the program, which ends here
  return v;
}

absl::StatusOr<ExpressionResult> EvaluateExpression(std::string_view text, const ExpressionOptions& options) {
  auto source = std::make_shared<SourceFile>("<expr>", std::string(text));
  Diagnostics diags;
  ExprPtr expr = ParseExpression(*source, diags);
  ExpressionEnv env;
  env.container = options.container;
  env.defer_type_errors = !options.check;
  env.variables = options.declarations;
  for (const auto& [name, value] : options.bindings) {
    bool declared = false;
    for (const auto& d : env.variables) declared |= d.first == name;
    if (!declared) env.variables.emplace_back(name, Type::Dyn());
  }
  if (expr && diags.empty()) CheckExpression(*expr, *source, diags, env);
  if (!diags.empty() || !expr) return absl::InvalidArgumentError(diags.Format());
  ExpressionResult result;
  result.type = options.check ? expr->type : Type::Dyn();
  if (!options.evaluate) return result;
  std::unique_ptr<Program> program = CompileExpression(*expr, source, diags);
  if (!diags.empty() || !program) return absl::InvalidArgumentError(diags.Format());
  EvalContext ctx;
  ctx.program = program.get();
  if (options.plan) {
    ctx.globals[kGlobalPlan] = options.plan->root;
    ctx.globals[kGlobalContext] = options.plan->context();
    ctx.globals[kGlobalAgent] = options.plan->agent();
  }
  for (const auto& [name, type] : env.variables) {
    auto it = options.bindings.find(name);
    ctx.variables.push_back(it != options.bindings.end() ? it->second
                                                         : Value::Error(absl::StrCat("no value for variable `", name, "`")));
  }
  EvalScope scope(options.plan ? options.plan->root : Value(), nullptr,
                  options.plan ? &options.plan->refs : nullptr);  // for the plan-aware built-ins
  Frame frame;
  frame.Reset(program->chunks[0].num_slots);
  ctx.ReserveStack(*program);
  result.value = RunChunk(ctx, 0, frame);
  result.value.Own();  // it may borrow from the program, which ends here
  return result;
}

}  // namespace gavel
