// The project config, `gavel.yaml`: which policies make up the policy set,
// and per environment (dev, test, prod, ...) the values of their params and
// the enforcement of each package. See docs/config.md.
//
//   policies: [policies/]            # paths relative to this file
//   environments:
//     prod:
//       params:
//         scope.allowed: [payments]  # PACKAGE.PARAM: value
//       enforcement:
//         scope: dryrun              # PACKAGE: deny (default) | dryrun
//   limits:                          # optional, docs/security.md
//     max_plan_bytes: 4194304
//
//   Diagnostics diags;
//   auto config = LoadConfig("gavel.yaml", diags);          // null on error
//   CompileOptions options;
//   if (!ResolveEnvironment(*config, "prod", options, diags)) ...
//   auto policy = CompilePolicy(sources, diags, options);  // type-checks params
//
// Every error is a Diagnostic located in the YAML file (line and column).
#ifndef GAVEL_ENGINE_CONFIG_H_
#define GAVEL_ENGINE_CONFIG_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/policy.h"
#include "engine/source.h"

namespace gavel {

struct ConfigEnvironment {
  std::string name;
  Location location;  // of the environment's key
  struct Param {
    Value value;        // converted from YAML: null, bool, int, double, string, list, map
    Location location;  // of the key, where unknown params and wrong types are reported
  };
  std::map<std::string, Param> params;  // by "package.param"
  struct PackageEnforcement {
    Enforcement enforcement = Enforcement::kDeny;
    Location location;
  };
  std::map<std::string, PackageEnforcement> enforcement;  // by package
};

struct Config {
  std::shared_ptr<const SourceFile> source;  // the YAML text, for locations
  std::vector<std::string> policies;          // resolved against the file's directory
  std::map<std::string, ConfigEnvironment> environments;
  Location environments_location;  // of the `environments` key (else the file's start)
  // `limits:` (docs/security.md): keys not given keep their defaults.
  // ResolveEnvironment copies the source limits into CompileOptions; plan
  // readers pass plan_limits to the decoders.
  size_t max_source_bytes = CompileOptions{}.max_source_bytes;
  int max_expression_depth = CompileOptions{}.max_expression_depth;
  uint64_t cost_budget = CompileOptions{}.cost_budget;
  PlanLimits plan_limits;
};

// Parses a config. `name` is used in locations and, with `base_dir`, to
// resolve relative policy paths. Returns null (with diagnostics) on a YAML
// syntax error, an unknown key, or a value of the wrong shape.
std::shared_ptr<const Config> ParseConfig(std::string name, std::string text, std::string_view base_dir,
                                          Diagnostics& diags);
// Reads and parses a config file (relative policy paths resolve against
// its directory).
std::shared_ptr<const Config> LoadConfig(const std::string& path, Diagnostics& diags);

// Fills `options` (params with their YAML locations, enforcement per
// package) for environment `env`. An unknown environment is an error that
// lists the known ones. An empty `env` selects no environment (defaults, deny
// everywhere). Unknown params, params of the wrong type and unknown packages
// are reported by CompilePolicy, at the YAML location carried in `options`.
bool ResolveEnvironment(const Config& config, std::string_view env, CompileOptions& options, Diagnostics& diags);

// "no environment `prd` in `where` (did you mean `prod`?); it defines `dev`,
// `prod`": the message for an environment the config does not define.
std::string UnknownEnvironmentMessage(const Config& config, std::string_view env, std::string_view where);

}  // namespace gavel

#endif  // GAVEL_ENGINE_CONFIG_H_
