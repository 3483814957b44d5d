// See expression.h.
#include "engine/expression.h"

#include "absl/status/status.h"
#include "engine/checker.h"
#include "engine/compiler.h"
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
  Frame frame;
  frame.Reset(program->chunks[0].num_slots);
  return RunChunk(ctx, 0, frame);
}

}  // namespace gavel
