// Helpers shared by the `gavel` subcommands. See commands.h.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "engine/cli/commands.h"

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

std::shared_ptr<const CompiledPolicy> LoadPolicy(const std::vector<std::string>& paths,
                                                 const CompileOptions& options) {
  auto sources = ReadPolicySources(paths);
  if (!sources.ok()) {
    std::cerr << "gavel: " << sources.status().message() << "\n";
    return nullptr;
  }
  Diagnostics diags;
  auto policy = CompilePolicy(*sources, diags, options);
  if (!policy) {
    std::cerr << diags.Format();
    std::cerr << "gavel: " << diags.size() << (diags.size() == 1 ? " error" : " errors") << "\n";
  }
  return policy;
}

}  // namespace gavel::cli
