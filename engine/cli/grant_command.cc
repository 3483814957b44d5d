// `gavel grant [--margin D] [--default-duration D] [--id ID] [--format json|k8s] PLAN`:
// prints the least-privilege, shortest-lived grant that covers the plan
// (engine/grant_synthesis.h). Exit code 0, or 3 for an invalid plan or flag.
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/grant_synthesis.h"

namespace gavel::cli {
namespace {

struct GrantCommandOptions {
  std::string margin = "5m";
  std::string default_duration = "0s";
  std::string id;
  std::string format = "json";
  std::string plan;
};

// A non-negative duration flag, or an error printed to stderr.
bool ParseFlagDuration(const std::string& flag, const std::string& text, TimeRep* out) {
  // A bare 0 needs no unit, as in Go.
  absl::StatusOr<TimeRep> d = text == "0" ? absl::StatusOr<TimeRep>(TimeRep{}) : ParseDuration(text);
  if (!d.ok()) {
    std::cerr << "gavel: " << flag << ": " << d.status().message() << "\n";
    return false;
  }
  if (d->seconds < 0 || d->nanos < 0) {
    std::cerr << "gavel: " << flag << ": must not be negative, got `" << text << "`\n";
    return false;
  }
  *out = *d;
  return true;
}

int Grant(const GrantCommandOptions& opts) {
  GrantOptions options;
  options.id = opts.id;
  if (!ParseFlagDuration("--margin", opts.margin, &options.margin) ||
      !ParseFlagDuration("--default-duration", opts.default_duration, &options.default_duration)) {
    return kExitInvalid;
  }
  absl::StatusOr<Plan> plan = ReadPlanFile(opts.plan);
  if (!plan.ok()) {
    std::cerr << "gavel: " << plan.status().message() << "\n";
    return kExitInvalid;
  }
  absl::StatusOr<SynthesizedGrant> grant = SynthesizeGrant(*plan, options);
  if (!grant.ok()) {
    std::cerr << "gavel: " << opts.plan << ": " << grant.status().message() << "\n";
    return kExitInvalid;
  }
  if (opts.format == "k8s") {
    absl::StatusOr<std::string> yaml = GrantToRbacYaml(*plan, *grant);
    if (!yaml.ok()) {
      std::cerr << "gavel: " << opts.plan << ": " << yaml.status().message() << "\n";
      return kExitInvalid;
    }
    std::cout << *yaml;
  } else {
    std::cout << GrantToJson(*grant);
  }
  std::cout.flush();
  return kExitAllow;
}

}  // namespace

Command AddGrantCommand(CLI::App& app) {
  auto opts = std::make_shared<GrantCommandOptions>();
  CLI::App* cmd = app.add_subcommand("grant", "print the least-privilege, shortest-lived grant that covers a plan");
  cmd->add_option("--margin", opts->margin, "time added before the first step and after the last (default 5m)");
  cmd->add_option("--default-duration", opts->default_duration,
                  "how long a step without a duration is taken to run (default 0s, as covers() assumes)");
  cmd->add_option("--id", opts->id, "the grant's id (default: the plan's id followed by -grant)");
  cmd->add_option("--format,-f", opts->format, "output: json (a Grant) or k8s (Kubernetes RBAC YAML)")
      ->check(CLI::IsMember({"json", "k8s"}));
  cmd->add_option("plan", opts->plan, "plan file (.json, .yaml, .yml, .pb)")->required();
  return [opts]() { return Grant(*opts); };
}

}  // namespace gavel::cli
