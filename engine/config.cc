// The project config (gavel.yaml), parsed with yaml-cpp. See config.h and
// docs/config.md.
//
// Every problem is a Diagnostic at the node's place in the YAML text
// (yaml_reader.h), so errors print like compile errors: file, line, column
// and a caret under the key or value.
#include "engine/config.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/suggest.h"
#include "engine/yaml_reader.h"

namespace gavel {
namespace {

// Configs are small; anything nested deeper is a mistake or hostile.
constexpr int kMaxDepth = 64;

const char* const kTopKeys[] = {"policies", "environments", "limits"};
const char* const kLimitKeys[] = {"max_source_bytes", "max_expression_depth", "max_plan_bytes",
                                  "max_plan_depth",   "max_string_bytes",     "max_steps",
                                  "cost_budget"};
const char* const kEnvironmentKeys[] = {"params", "enforcement"};

class ConfigParser : private YamlReader {
 public:
  ConfigParser(std::shared_ptr<const SourceFile> source, std::string_view base_dir, Diagnostics& diags)
      : YamlReader(std::move(source), "config", codes::kConfig, kMaxDepth, diags), base_dir_(base_dir) {}

  std::shared_ptr<const Config> Parse() {
    const size_t before = diags().size();
    YAML::Node root;
    if (!Load(&root)) return nullptr;
    if (!root.IsMap()) {
      Error(IsNullNode(root) ? At(0) : At(root.Mark(), 0), codes::kConfig,
            absl::StrCat("a config is a mapping with `policies` and `environments`, not ", Describe(root)));
      return nullptr;
    }
    config_ = std::make_shared<Config>();
    config_->source = source();
    config_->environments_location = At(0);
    Mapping(root, "the config", kTopKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      if (key == "policies") {
        Policies(k, v);
      } else if (key == "limits") {
        Limits(k, v);
      } else {
        config_->environments_location = At(k, Location{});
        Environments(k, v);
      }
    });
    if (diags().size() != before) return nullptr;
    return config_;
  }

 private:
  // `limits: {max_plan_bytes: 4194304, ...}`: each a positive integer
  // (docs/security.md has the defaults).
  void Limits(const YAML::Node& key, const YAML::Node& v) {
    if (v.IsNull()) return;
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig, absl::StrCat("`limits` maps limit names to numbers, not ", Describe(v)));
      return;
    }
    Mapping(v, "`limits`", kLimitKeys, [&](const std::string& name, const YAML::Node& k, const YAML::Node& value) {
      // Depths are small; sizes up to 1 TiB (a typo, not a policy, beyond).
      const bool depth = name == "max_expression_depth" || name == "max_plan_depth";
      const uint64_t max = depth ? 100000 : uint64_t{1} << 40;
      uint64_t n = 0;
      const std::string text = value.IsScalar() && !IsQuoted(value) ? value.Scalar() : "";
      const bool digits = !text.empty() && text.size() <= 13 &&
                          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) n = std::stoull(text);
      if (!digits || n == 0 || n > max) {
        Error(At(value, k), codes::kConfig,
              absl::StrCat("limit ", Backticked(name), " is an integer from 1 to ", max, ", not ", Describe(value)),
              Width(value));
        return;
      }
      if (name == "max_source_bytes") config_->max_source_bytes = n;
      if (name == "max_expression_depth") config_->max_expression_depth = static_cast<int>(n);
      if (name == "max_plan_bytes") config_->plan_limits.max_plan_bytes = n;
      if (name == "max_plan_depth") config_->plan_limits.max_depth = static_cast<int>(n);
      if (name == "max_string_bytes") config_->plan_limits.max_string_bytes = n;
      if (name == "max_steps") config_->plan_limits.max_steps = n;
      if (name == "cost_budget") config_->cost_budget = n;
    });
  }

  // `policies: [a/, b.gavel]` or `policies: a/`.
  void Policies(const YAML::Node& key, const YAML::Node& v) {
    auto add = [&](const YAML::Node& p) {
      if (!Spend(p)) return;
      if (!p.IsScalar() || IsNullNode(p) || p.Scalar().empty()) {
        Error(At(p, key), codes::kConfig,
              absl::StrCat("a policy is a path (a .gavel file or a directory), not ", Describe(p)));
        return;
      }
      std::filesystem::path path(p.Scalar());
      if (path.is_relative() && !base_dir_.empty()) path = std::filesystem::path(base_dir_) / path;
      config_->policies.push_back(path.lexically_normal().string());
    };
    if (v.IsSequence()) {
      for (const auto& p : v) add(p);
    } else if (v.IsScalar()) {
      add(v);
    } else {
      Error(At(v, key), codes::kConfig,
            absl::StrCat("`policies` is a list of paths (or one path), not ", Describe(v)));
    }
  }

  void Environments(const YAML::Node& key, const YAML::Node& v) {
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig,
            absl::StrCat("`environments` maps names (dev, prod, ...) to their settings, not ", Describe(v)));
      return;
    }
    Members(v, [&](const std::string& name, const YAML::Node& k, const YAML::Node& settings) {
      ConfigEnvironment env;
      env.name = name;
      env.location = At(k, Location{});
      // `dev:` with nothing under it: defaults everywhere.
      if (settings.IsMap()) {
        const std::string where = absl::StrCat("environment ", Backticked(name));
        Mapping(settings, where, kEnvironmentKeys,
                [&](const std::string& key2, const YAML::Node& k2, const YAML::Node& v2) {
                  if (key2 == "params") {
                    Params(env, k2, v2);
                  } else {
                    Enforcements(env, k2, v2);
                  }
                });
      } else if (!settings.IsNull()) {
        Error(At(settings, env.location), codes::kConfig,
              absl::StrCat("environment ", Backticked(name), " is a mapping with `params` and `enforcement`, not ",
                           Describe(settings)));
      }
      config_->environments[name] = std::move(env);
    });
  }

  // `params: {package.param: value}`.
  void Params(ConfigEnvironment& env, const YAML::Node& key, const YAML::Node& v) {
    ReadParams(key, v, [&](const std::string& name, Value value, Location at) {
      env.params[name] = ConfigEnvironment::Param{std::move(value), at};
    });
  }

  // `enforcement: {package: deny | dryrun}`.
  void Enforcements(ConfigEnvironment& env, const YAML::Node& key, const YAML::Node& v) {
    if (v.IsNull()) return;
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig,
            absl::StrCat("`enforcement` maps package names to `deny` or `dryrun`, not ", Describe(v)));
      return;
    }
    Members(v, [&](const std::string& package, const YAML::Node& k, const YAML::Node& value) {
      Location at = At(k, Location{});
      std::string text = value.IsScalar() ? value.Scalar() : "";
      gavel::Enforcement e;
      if (text == "deny") {
        e = gavel::Enforcement::kDeny;
      } else if (text == "dryrun") {
        e = gavel::Enforcement::kDryrun;
      } else {
        Error(At(value, at), codes::kConfig,
              absl::StrCat("the enforcement of package ", Backticked(package), " is `deny` or `dryrun`, not ",
                           Describe(value), DidYouMeanHint(text, {"deny", "dryrun"})),
              Width(value));
        return;
      }
      env.enforcement[package] = ConfigEnvironment::PackageEnforcement{e, at};
    });
  }

  std::string base_dir_;
  std::shared_ptr<Config> config_;
};

}  // namespace

std::shared_ptr<const Config> ParseConfig(std::string name, std::string text, std::string_view base_dir,
                                          Diagnostics& diags) {
  auto source = std::make_shared<SourceFile>(std::move(name), std::move(text));
  return ConfigParser(source, base_dir, diags).Parse();
}

std::shared_ptr<const Config> LoadConfig(const std::string& path, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": is a directory, not a config file"));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": cannot open the config"));
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(path, text.str(), fs::path(path).parent_path().string(), diags);
}

std::string UnknownEnvironmentMessage(const Config& config, std::string_view env, std::string_view where) {
  std::vector<std::string> names;
  for (const auto& [name, e] : config.environments) names.push_back(name);
  return absl::StrCat("no environment ", Backticked(env), " in ", std::string(where), DidYouMeanHint(env, names),
                      names.empty() ? "; it defines none"
                                    : absl::StrCat("; it defines `", absl::StrJoin(names, "`, `"), "`"));
}

bool ResolveEnvironment(const Config& config, std::string_view env, CompileOptions& options, Diagnostics& diags) {
  options.locations_source = config.source;
  options.max_source_bytes = config.max_source_bytes;
  options.max_expression_depth = config.max_expression_depth;
  options.cost_budget = config.cost_budget;
  if (env.empty()) return true;
  auto it = config.environments.find(std::string(env));
  if (it == config.environments.end()) {
    diags.Add(config.environments_location, codes::kUnknownName,
              UnknownEnvironmentMessage(config, env, "the config"),
              config.environments.empty() ? 1 : static_cast<uint32_t>(std::string_view("environments").size()));
    return false;
  }
  const ConfigEnvironment& e = it->second;
  for (const auto& [name, param] : e.params) {
    options.params[name] = param.value;
    options.param_locations[name] = param.location;
  }
  for (const auto& [package, setting] : e.enforcement) {
    options.enforcement[package] = setting.enforcement;
    options.enforcement_locations[package] = setting.location;
  }
  return true;
}

}  // namespace gavel
