// The engine's front door: policy sources in, a compiled policy out; a
// compiled policy and a plan in, a decision out.
//
//   Diagnostics diags;
//   auto policy = CompilePolicy(sources, diags);   // null if diags has errors
//   Decision d = Evaluate(*policy, plan);
//
// A CompiledPolicy is immutable: any number of threads may evaluate it at once.
#ifndef GAVEL_ENGINE_POLICY_H_
#define GAVEL_ENGINE_POLICY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/source.h"

namespace gavel {

struct Program;

class CompiledPolicy {
 public:
  // `digest`: SHA-256 (32 raw bytes) naming the policy set; computed from
  // the program (PolicySetDigest, bundle.h) when empty.
  explicit CompiledPolicy(std::unique_ptr<Program> program, std::string digest = "");
  ~CompiledPolicy();
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  const Program& program() const { return *program_; }
  const std::string& digest() const { return digest_; }

 private:
  std::unique_ptr<Program> program_;
  std::string digest_;
};

// The policy set's SHA-256 as 64 hex digits, for the audit trail
// (docs/security.md): of a bundle's bytes when loaded from a bundle (what
// `sha256sum FILE` prints), else of the sources sorted by name (name and
// text) and the resolved params and enforcement. The same on every run and
// machine for the same inputs.
std::string PolicyDigest(const CompiledPolicy& policy);

// What a package's findings do to the verdict: `deny` (the default) lets
// them decide it; `dryrun` reports everything the package would do (deny
// and approval violations, runtime errors, steps its `default deny` leaves
// unpermitted) as warnings marked dryrun, and never changes the verdict.
enum class Enforcement : uint8_t { kDeny, kDryrun };
const char* EnforcementName(Enforcement e);  // "deny", "dryrun"

struct CompileOptions {
  // Values for params, by "package.param", overriding their defaults.
  std::map<std::string, Value> params;
  // Where each value of `params` was given (a line of the project config),
  // so that an unknown param or a value of the wrong type is reported
  // there. A param without an entry is reported without a location.
  std::map<std::string, Location> param_locations;
  // Enforcement by package name (packages not named: deny); naming a package
  // the policy set does not have is an error at `enforcement_locations`.
  std::map<std::string, Enforcement> enforcement;
  std::map<std::string, Location> enforcement_locations;
  // Keeps the file the locations above point into alive (the config).
  std::shared_ptr<const SourceFile> locations_source;
  // Limits on the sources (docs/security.md, gavel.yaml `limits:`): a
  // longer source file, or an expression nested deeper, is a located error.
  size_t max_source_bytes = 1u << 20;
  int max_expression_depth = 250;
  // Cost units one evaluation may spend (engine/cost.h, gavel.yaml
  // `limits.cost_budget`); past it the decision is deny with an error.
  uint64_t cost_budget = 100'000'000;
};

// Parses, checks and compiles every source as one policy set. Returns null
// when any error was found; every error is in `diags`.
std::shared_ptr<const CompiledPolicy> CompilePolicy(
    const std::vector<std::shared_ptr<const SourceFile>>& sources, Diagnostics& diags,
    const CompileOptions& options = {});

// Reads policy files: each path is a .gavel file or a directory searched
// recursively for .gavel files (in sorted order).
absl::StatusOr<std::vector<std::shared_ptr<const SourceFile>>> ReadPolicySources(
    const std::vector<std::string>& paths);

// A step that a permit rule of a `default deny` package allowed.
struct Permit {
  std::string rule;  // package.name
  std::string step;
  int64_t step_index = -1;
};

// With `permits`, also lists every step each permit rule allowed (for test
// coverage: permits leave no trace in the decision).
Decision Evaluate(const CompiledPolicy& policy, const Plan& plan, std::vector<Permit>* permits = nullptr);

}  // namespace gavel

#endif  // GAVEL_ENGINE_POLICY_H_
