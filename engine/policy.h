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
  explicit CompiledPolicy(std::unique_ptr<Program> program);
  ~CompiledPolicy();
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  const Program& program() const { return *program_; }

 private:
  std::unique_ptr<Program> program_;
};

struct CompileOptions {
  // Values for params, by "package.param", overriding their defaults.
  std::map<std::string, Value> params;
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

Decision Evaluate(const CompiledPolicy& policy, const Plan& plan);

}  // namespace gavel

#endif  // GAVEL_ENGINE_POLICY_H_
