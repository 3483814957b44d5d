// `gavel`: the command-line tool.
//   gavel lint --policy PATH... [--format text|json] PLAN...
//   gavel check PATH...
// Exit codes: 0 all allowed, 1 some plan denied, 2 none denied but some
// needs approval, 3 invalid input (policy does not compile, plan does not parse).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "engine/policy.h"

namespace gavel {
namespace {

constexpr int kExitAllow = 0;
constexpr int kExitDeny = 1;
constexpr int kExitApproval = 2;
constexpr int kExitInvalid = 3;

// Plans named on the command line: files, or directories of plan files.
std::vector<std::string> ExpandPlans(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      out.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(a, ec)) {
      std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".json" || ext == ".yaml" || ext == ".yml" || ext == ".pb" || ext == ".binpb")) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

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
    std::cout << "  warn " << v.rule << " (" << v.severity << ") " << step(v.step, v.step_index) << ": " << v.message
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

std::shared_ptr<const CompiledPolicy> LoadPolicy(const std::vector<std::string>& paths) {
  auto sources = ReadPolicySources(paths);
  if (!sources.ok()) {
    std::cerr << "gavel: " << sources.status().message() << "\n";
    return nullptr;
  }
  Diagnostics diags;
  auto policy = CompilePolicy(*sources, diags);
  if (!policy) {
    std::cerr << diags.Format();
    std::cerr << "gavel: " << diags.size() << (diags.size() == 1 ? " error" : " errors") << "\n";
  }
  return policy;
}

int Lint(const std::vector<std::string>& policy_paths, const std::string& format,
         const std::vector<std::string>& plan_args) {
  auto policy = LoadPolicy(policy_paths);
  if (!policy) return kExitInvalid;
  bool denied = false, approval = false, invalid = false;
  std::vector<std::string> plans = ExpandPlans(plan_args);
  if (plans.empty()) {
    std::cerr << "gavel: no plan files given\n";
    return kExitInvalid;
  }
  for (const std::string& path : plans) {
    auto plan = ReadPlanFile(path);
    if (!plan.ok()) {
      invalid = true;
      if (format == "json") {
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
    if (format == "json") {
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

int Check(const std::vector<std::string>& paths) {
  auto policy = LoadPolicy(paths);
  if (!policy) return kExitInvalid;
  std::cout << "ok\n";
  return 0;
}

}  // namespace
}  // namespace gavel

int main(int argc, char** argv) {
  CLI::App app{"gavel: a policy engine for the plans of autonomous agents"};
  app.require_subcommand(1);

  std::vector<std::string> policies, plans, check_paths;
  std::string format = "text";
  CLI::App* lint = app.add_subcommand("lint", "evaluate plans against policies and print the decisions");
  // One path per --policy, so `--policy DIR PLAN...` leaves the plans alone.
  lint->add_option("--policy,-p", policies, "policy file or directory (repeatable)")->required()->allow_extra_args(false);
  lint->add_option("--format,-f", format, "output format")->check(CLI::IsMember({"text", "json"}));
  lint->add_option("plans", plans, "plan files (.json, .yaml, .yml, .pb) or directories")->required();

  CLI::App* check = app.add_subcommand("check", "compile policies and print every error");
  check->add_option("paths", check_paths, "policy files or directories")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : gavel::kExitInvalid;
  }
  if (*lint) return gavel::Lint(policies, format, plans);
  if (*check) return gavel::Check(check_paths);
  return gavel::kExitInvalid;
}
