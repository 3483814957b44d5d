// `gavel lint [--policy PATH...] [--config gavel.yaml [--env NAME]] | --bundle FILE
// [--format text|json] PLAN...`: evaluates plans and prints the decisions.
// Exit code: the worst verdict (see commands.h).
#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/cli/commands.h"

namespace gavel::cli {
namespace {

struct LintOptions {
  PolicySetArgs policy_set;
  std::string bundle;  // a compiled bundle (gavel compile) instead of the policy set
  std::string format = "text";
  std::vector<std::string> plans;
};

void PrintText(const std::string& plan, const Decision& d) {
  std::string verdict = VerdictName(d.verdict);
  std::transform(verdict.begin(), verdict.end(), verdict.begin(), ::toupper);
  std::cout << plan << ": " << verdict << "\n";
  auto step = [](const std::string& id, int64_t index) {
    return index < 0 ? std::string("plan") : absl::StrCat("step ", id, " [", index, "]");
  };
  for (const Violation& v : d.violations) {
    std::cout << "  " << EffectName(v.effect) << " " << v.rule << " (" << v.severity << ") " << step(v.step, v.step_index)
              << ": " << v.message << "\n    at " << v.location << "\n";
  }
  for (const Violation& v : d.warnings) {
    // A finding of a package in dryrun says what it would have done.
    std::cout << "  warn " << (v.dryrun ? absl::StrCat("(dryrun ", EffectName(v.effect), ") ") : "") << v.rule << " ("
              << v.severity << ") " << step(v.step, v.step_index) << ": " << v.message
              << "\n    at " << v.location << "\n";
  }
  for (const EvalError& e : d.errors) {
    std::cout << "  error " << e.rule << " " << step(e.step, e.step_index) << ": " << e.message << "\n    at "
              << e.location << "\n";
  }
  if (!d.approvers.empty()) {
    std::cout << "  approvers:";
    for (const auto& a : d.approvers) std::cout << " " << a;
    std::cout << "\n";
  }
}

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
  for (const std::string& path : plans) {
    auto plan = ReadPlanFile(path);
    if (!plan.ok()) {
      invalid = true;
      if (opts.format == "json") {
        Decision d;
        d.verdict = Verdict::kDeny;
        d.errors.push_back(EvalError{"", "", -1, std::string(plan.status().message()), ""});
        std::cout << d.ToJson(path) << "\n";
      }
      std::cerr << "gavel: " << plan.status().message() << "\n";
      continue;
    }
    Decision d = Evaluate(*policy, *plan);
    denied |= d.verdict == Verdict::kDeny;
    approval |= d.verdict == Verdict::kNeedsApproval;
    if (opts.format == "json") {
      std::cout << d.ToJson(path) << "\n";
    } else {
      PrintText(path, d);
    }
  }
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
  cmd->add_option("--format,-f", opts->format, "output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("plans", opts->plans, "plan files (.json, .yaml, .yml, .pb) or directories")->required();
  return [opts]() { return Lint(*opts); };
}

}  // namespace gavel::cli
