// Helpers shared by the `gavel` subcommands. See commands.h.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/config.h"

namespace gavel::cli {

bool WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::remove(tmp.c_str());
  return !ec;
}

void PrintDiagnostics(const Diagnostics& diags) {
  for (const Diagnostic* d : diags.Sorted()) {
    if (d->location.file == nullptr) {
      std::cerr << "gavel: " << d->message << "\n";
    } else {
      std::cerr << d->Format();
    }
  }
}

namespace {

// PrintDiagnostics, then how many there were.
void PrintErrors(const Diagnostics& diags) {
  PrintDiagnostics(diags);
  std::cerr << "gavel: " << diags.size() << (diags.size() == 1 ? " error" : " errors") << "\n";
}

}  // namespace

std::shared_ptr<const CompiledPolicy> LoadPolicy(const std::vector<std::string>& paths,
                                                 const CompileOptions& options) {
  auto sources = ReadPolicySources(paths);
  if (!sources.ok()) {
    std::cerr << "gavel: " << sources.status().message() << "\n";
    return nullptr;
  }
  Diagnostics diags;
  auto policy = CompilePolicy(*sources, diags, options);
  if (!policy) PrintErrors(diags);
  return policy;
}

void AddPolicySetOptions(CLI::App& cmd, PolicySetArgs& args) {
  // One path per --policy, so `--policy DIR PLAN...` leaves the plans alone.
  cmd.add_option("--policy,-p", args.policies, "policy file or directory (repeatable)")->allow_extra_args(false);
  CLI::Option* config =
      cmd.add_option("--config", args.config, "project config (gavel.yaml): policies, params, enforcement");
  cmd.add_option("--env", args.env, "environment of the config whose params and enforcement apply")->needs(config);
}

bool ResolvePolicySet(const PolicySetArgs& args, std::vector<std::string>& paths, CompileOptions& options,
                      PlanLimits* plan_limits) {
  if (!args.env.empty() && args.config.empty()) {
    std::cerr << "gavel: --env needs --config\n";
    return false;
  }
  paths.clear();
  if (!args.config.empty()) {
    Diagnostics diags;
    std::shared_ptr<const Config> config = LoadConfig(args.config, diags);
    if (config == nullptr || !ResolveEnvironment(*config, args.env, options, diags)) {
      PrintErrors(diags);
      return false;
    }
    paths = config->policies;
    if (plan_limits != nullptr) *plan_limits = config->plan_limits;
  }
  paths.insert(paths.end(), args.policies.begin(), args.policies.end());
  if (paths.empty()) {
    std::cerr << (args.config.empty() ? "gavel: no policies: give --policy PATH or --config gavel.yaml\n"
                                      : "gavel: no policies: the config lists none and no --policy was given\n");
    return false;
  }
  return true;
}

std::shared_ptr<const CompiledPolicy> LoadPolicySet(const PolicySetArgs& args, PlanLimits* plan_limits) {
  std::vector<std::string> paths;
  CompileOptions options;
  if (!ResolvePolicySet(args, paths, options, plan_limits)) return nullptr;
  return LoadPolicy(paths, options);
}

}  // namespace gavel::cli
