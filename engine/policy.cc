// The compile pipeline: read -> parse -> check -> compile. See policy.h.
#include "engine/policy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/checker.h"
#include "engine/compiler.h"
#include "engine/cost.h"
#include "engine/parser.h"
#include "engine/prepare.h"
#include "engine/program.h"
#include "engine/sha256.h"

namespace gavel {

CompiledPolicy::CompiledPolicy(std::unique_ptr<Program> program, std::string digest)
    : program_(std::move(program)), digest_(std::move(digest)) {
  if (digest_.empty()) digest_ = PolicySetDigest(*program_);
  PrepareProgram(*program_);
}
CompiledPolicy::~CompiledPolicy() = default;

std::string PolicyDigest(const CompiledPolicy& policy) { return HexEncode(policy.digest()); }

const char* EnforcementName(Enforcement e) { return e == Enforcement::kDryrun ? "dryrun" : "deny"; }

std::shared_ptr<const CompiledPolicy> CompilePolicy(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                                    Diagnostics& diags, const CompileOptions& options) {
  const size_t before = diags.size();
  PolicySet set;
  const ParseLimits parse_limits{options.max_expression_depth};
  for (const auto& source : sources) {
    // A source past the limit is not parsed at all (docs/security.md).
    if (source->text().size() > options.max_source_bytes) {
      diags.Add(Location{source.get(), static_cast<uint32_t>(options.max_source_bytes)}, codes::kLimit,
                absl::StrCat("the source is ", source->text().size(), " bytes, over the limit of ",
                             options.max_source_bytes, " (limits.max_source_bytes)"));
      continue;
    }
    set.files.push_back(ParsePolicy(source, diags, parse_limits));
  }
  // Syntax errors first: checking a broken tree would only add noise.
  if (diags.size() != before) return nullptr;
  if (!CheckPolicySet(set, diags)) return nullptr;
  std::unique_ptr<Program> program = CompileProgram(set, options, diags);
  if (program == nullptr || diags.size() != before) return nullptr;
  program->cost_budget = options.cost_budget;
  ComputeCostBounds(*program);
  return std::make_shared<CompiledPolicy>(std::move(program));
}

absl::StatusOr<std::vector<std::shared_ptr<const SourceFile>>> ReadPolicySources(
    const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".gavel") found.push_back(it->path().string());
      }
      if (ec) return absl::InvalidArgumentError(absl::StrCat(path, ": ", ec.message()));
      std::sort(found.begin(), found.end());
      if (found.empty()) return absl::NotFoundError(absl::StrCat(path, ": no .gavel files in this directory"));
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
    }
  }
  std::vector<std::shared_ptr<const SourceFile>> sources;
  // A file named twice (a config's directory and a --policy inside it) is
  // one source, not a set of duplicate declarations.
  std::set<std::string> seen;
  for (const std::string& file : files) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (!seen.insert(ec ? file : canonical.string()).second) continue;
    std::ifstream in(file, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(file, ": cannot open"));
    std::stringstream text;
    text << in.rdbuf();
    sources.push_back(std::make_shared<SourceFile>(file, text.str()));
  }
  return sources;
}

}  // namespace gavel
