// Helpers shared by the `gavel` subcommands. See commands.h.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/config.h"

namespace gavel::cli {

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
      if (entry.is_regular_file() &&
          (ext == ".json" || ext == ".yaml" || ext == ".yml" || ext == ".pb" || ext == ".binpb")) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
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

bool ResolvePolicySet(const PolicySetArgs& args, std::vector<std::string>& paths, CompileOptions& options) {
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
  }
  paths.insert(paths.end(), args.policies.begin(), args.policies.end());
  if (paths.empty()) {
    std::cerr << (args.config.empty() ? "gavel: no policies: give --policy PATH or --config gavel.yaml\n"
                                      : "gavel: no policies: the config lists none and no --policy was given\n");
    return false;
  }
  return true;
}

std::shared_ptr<const CompiledPolicy> LoadPolicySet(const PolicySetArgs& args) {
  std::vector<std::string> paths;
  CompileOptions options;
  if (!ResolvePolicySet(args, paths, options)) return nullptr;
  return LoadPolicy(paths, options);
}

}  // namespace gavel::cli
