// `gavel diff --old POLICY... --new POLICY... [--format text|json] PLAN...`:
// evaluates every plan under two policy sets (sources or a compiled bundle
// each) and lists the plans whose verdict or findings change. Exit code 0
// when nothing changes, 1 when something does, 3 on invalid input.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/cli/commands.h"
#include "engine/cli/plan_inputs.h"
#include "engine/policy_diff.h"

namespace gavel::cli {
namespace {

struct DiffOptions {
  std::vector<std::string> old_policy;
  std::vector<std::string> new_policy;
  std::string format = "text";
  std::vector<std::string> plans;
};

// A compiled bundle: named `.bundle` or starting with the bundle magic.
bool IsBundle(const std::string& path) {
  if (path.size() > 7 && path.ends_with(".bundle")) return true;
  std::ifstream in(path, std::ios::binary);
  std::string head(kBundleMagic.size(), '\0');
  return in && in.read(head.data(), static_cast<std::streamsize>(head.size())) && head == kBundleMagic;
}

// One side of the diff: policy files and directories, or one bundle.
std::shared_ptr<const CompiledPolicy> LoadSide(const std::vector<std::string>& paths, const char* option) {
  size_t bundles = 0;
  for (const std::string& p : paths) bundles += IsBundle(p) ? 1 : 0;
  if (bundles == 0) return LoadPolicy(paths);
  if (paths.size() != 1) {
    std::cerr << "gavel: " << option << ": give one bundle, or policy files and directories, not both\n";
    return nullptr;
  }
  auto policy = ReadBundleFile(paths[0]);
  if (!policy.ok()) {
    std::cerr << "gavel: " << policy.status().message() << "\n";
    return nullptr;
  }
  return *policy;
}

void PrintFinding(char sign, const Finding& f) {
  std::cout << "  " << sign << " " << f.effect << " " << f.rule;
  if (!f.step.empty()) std::cout << " (step " << f.step << ")";
  std::cout << ": " << f.message << "\n";
}

int RunDiff(const DiffOptions& opts) {
  auto old_policy = LoadSide(opts.old_policy, "--old");
  auto new_policy = LoadSide(opts.new_policy, "--new");
  if (!old_policy || !new_policy) return kExitInvalid;
  std::vector<std::string> files;
  if (!ExpandPlanArgsOrReport(opts.plans, &files)) return kExitInvalid;
  std::vector<PlanDiff> changed;
  size_t unchanged = 0;
  bool invalid = false;
  PlanInputReader reader(std::move(files));
  for (PlanInput input; reader.Next(&input);) {
    const std::string path = input.Name();
    auto plan = ReadPlanInput(input, PlanInputOptions{});
    if (!plan.ok()) {
      std::cerr << "gavel: " << plan.status().message() << "\n";
      invalid = true;
      continue;
    }
    PlanDiff d = DiffDecisions(path, Evaluate(*old_policy, *plan), Evaluate(*new_policy, *plan));
    if (d.changed()) {
      changed.push_back(std::move(d));
    } else {
      ++unchanged;
    }
  }
  if (invalid) return kExitInvalid;
  if (opts.format == "json") {
    std::cout << PolicyDiffToJson(changed, unchanged);
  } else {
    for (const PlanDiff& d : changed) {
      std::cout << d.plan << ": " << VerdictName(d.old_verdict) << " -> " << VerdictName(d.new_verdict) << "\n";
      for (const Finding& f : d.removed) PrintFinding('-', f);
      for (const Finding& f : d.added) PrintFinding('+', f);
    }
    std::cout << changed.size() << (changed.size() == 1 ? " plan changes, " : " plans change, ") << unchanged
              << " unchanged\n";
  }
  std::cout.flush();
  return changed.empty() ? kExitAllow : kExitDeny;
}

}  // namespace

Command AddDiffCommand(CLI::App& app) {
  auto opts = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand("diff", "list the plans whose decision changes between two policy sets");
  // One value per flag (or a comma list), so that the plans stay positional.
  cmd->add_option("--old", opts->old_policy, "the policy set before: files, directories (repeatable, or a,b) or a bundle")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--new", opts->new_policy, "the policy set after: files, directories (repeatable, or a,b) or a bundle")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--format,-f", opts->format, "output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("plans", opts->plans, "plan files (.json, .yaml, .yml, .pb) or directories")->required();
  return [opts]() { return RunDiff(*opts); };
}

}  // namespace gavel::cli
