// `gavel explain --policy P [--config C --env E] [--rule R] [--step S]
// [--format text|json] PLAN`: for each rule and step, whether it fired and
// the value of every sub-expression of its clauses (engine/explain.h).
// Exit code 0, or 3 on invalid input (policy, plan, unknown rule or step).
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/explain.h"

namespace gavel::cli {
namespace {

struct ExplainOptions {
  PolicySetArgs policy;
  std::string rule;
  std::string step;
  std::string format = "text";
  std::string plan;
};

int RunExplain(const ExplainOptions& opts) {
  std::vector<std::string> paths;
  CompileOptions options;
  if (!ResolvePolicySet(opts.policy, paths, options)) return kExitInvalid;
  auto sources = ReadPolicySources(paths);
  if (!sources.ok()) {
    std::cerr << "gavel: " << sources.status().message() << "\n";
    return kExitInvalid;
  }
  // Compiled too: the engine's checks (params, regexes, limits) apply, and
  // its decision is the one the explanation must agree with.
  Diagnostics diags;
  auto compiled = CompilePolicy(*sources, diags, options);
  std::unique_ptr<CheckedPolicySet> checked;
  if (compiled) checked = CheckPolicySources(*sources, diags);
  if (!compiled || !checked) {
    PrintDiagnostics(diags);
    std::cerr << "gavel: " << diags.size() << (diags.size() == 1 ? " error" : " errors") << "\n";
    return kExitInvalid;
  }
  auto plan = ReadPlanFile(opts.plan);
  if (!plan.ok()) {
    std::cerr << "gavel: " << plan.status().message() << "\n";
    return kExitInvalid;
  }
  ExplainReport report = Explain(*checked, *plan, options);
  std::vector<Permit> permits;
  const Decision decision = Evaluate(*compiled, *plan, &permits);
  const std::string differences = CompareWithDecision(report, decision, permits);
  if (!differences.empty()) {
    // A bug in the reference evaluator or the engine: say so, loudly.
    std::cerr << "gavel: warning: the explanation disagrees with the engine's decision:\n" << differences;
  }
  auto filtered = FilterExplainReport(report, *plan, ExplainFilter{opts.rule, opts.step});
  if (!filtered.ok()) {
    std::cerr << "gavel: " << filtered.status().message() << "\n";
    return kExitInvalid;
  }
  std::cout << (opts.format == "json" ? RenderExplainJson(*filtered) : RenderExplainText(*filtered));
  std::cout.flush();
  return kExitAllow;
}

}  // namespace

Command AddExplainCommand(CLI::App& app) {
  auto opts = std::make_shared<ExplainOptions>();
  CLI::App* cmd = app.add_subcommand("explain", "show why each rule fired or not on a plan, sub-expression by sub-expression");
  AddPolicySetOptions(*cmd, opts->policy);
  cmd->add_option("--rule,-r", opts->rule, "only this rule (package.name)");
  cmd->add_option("--step,-s", opts->step, "only this step (its id, or its index)");
  cmd->add_option("--format,-f", opts->format, "output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("plan", opts->plan, "the plan file (.json, .yaml, .yml, .pb)")->required();
  return [opts]() { return RunExplain(*opts); };
}

}  // namespace gavel::cli
