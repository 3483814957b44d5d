// `gavel lint [--policy PATH...] [--config gavel.yaml [--env NAME]] | --bundle FILE
// [--format text|json] PLAN...`: evaluates plans and prints the decisions.
// Exit code: the worst verdict (see commands.h).
#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/cli/commands.h"
#include "engine/cli/lint_report.h"

namespace gavel::cli {
namespace {

struct LintOptions {
  PolicySetArgs policy_set;
  std::string bundle;  // a compiled bundle (gavel compile) instead of the policy set
  std::string format = "text";
  std::vector<std::string> plans;
};

// --bundle FILE, which stands for the whole policy set (params included).
std::shared_ptr<const CompiledPolicy> LoadBundle(const LintOptions& opts) {
  if (!opts.policy_set.policies.empty() || !opts.policy_set.config.empty()) {
    std::cerr << "gavel: give --bundle or --policy/--config, not both\n";
    return nullptr;
  }
  auto policy = ReadBundleFile(opts.bundle);
  if (!policy.ok()) {
    std::cerr << "gavel: " << policy.status().message() << "\n";
    return nullptr;
  }
  return *policy;
}

int Lint(const LintOptions& opts) {
  auto policy = opts.bundle.empty() ? LoadPolicySet(opts.policy_set) : LoadBundle(opts);
  if (!policy) return kExitInvalid;
  bool denied = false, approval = false, invalid = false;
  std::vector<std::string> plans = ExpandPlans(opts.plans);
  if (plans.empty()) {
    std::cerr << "gavel: no plan files given\n";
    return kExitInvalid;
  }
  std::unique_ptr<LintReporter> reporter = MakeReporter(opts.format, std::cout, *policy, ReportOptions{});
  reporter->Begin();
  LintSummary summary;
  for (const std::string& path : plans) {
    LintResult result;
    result.path = path;
    result.plan_position = PlanPosition{1, 1};
    auto plan = ReadPlanFile(path);
    if (!plan.ok()) {
      invalid = true;
      result.status = plan.status();
      result.decision.verdict = Verdict::kDeny;
      result.decision.errors.push_back(EvalError{"", "", -1, std::string(plan.status().message()), ""});
      std::cerr << "gavel: " << plan.status().message() << "\n";
      ++summary.errors;
    } else {
      result.decision = Evaluate(*policy, *plan);
      result.step_positions = plan->step_positions;
      denied |= result.decision.verdict == Verdict::kDeny;
      approval |= result.decision.verdict == Verdict::kNeedsApproval;
    }
    ++summary.plans;
    // Text output has always skipped plans that do not decode (stderr says why).
    if (result.status.ok() || opts.format != "text") reporter->Report(result);
  }
  reporter->End(summary);
  std::cout.flush();
  if (invalid) return kExitInvalid;
  if (denied) return kExitDeny;
  return approval ? kExitApproval : kExitAllow;
}

}  // namespace

Command AddLintCommand(CLI::App& app) {
  auto opts = std::make_shared<LintOptions>();
  CLI::App* cmd = app.add_subcommand("lint", "evaluate plans against policies and print the decisions");
  AddPolicySetOptions(*cmd, opts->policy_set);
  cmd->add_option("--bundle,-b", opts->bundle, "a compiled bundle (gavel compile) instead of --policy/--config");
  cmd->add_option("--format,-f", opts->format, "output format")->check(CLI::IsMember(ReportFormats()));
  cmd->add_option("plans", opts->plans, "plan files (.json, .yaml, .yml, .pb) or directories")->required();
  return [opts]() { return Lint(*opts); };
}

}  // namespace gavel::cli
