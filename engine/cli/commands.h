// The subcommands of `gavel`. Each Add*Command registers its subcommand and
// options on `app` and returns the function that runs it once the command
// line has been parsed (its result is the process exit code).
#ifndef GAVEL_ENGINE_CLI_COMMANDS_H_
#define GAVEL_ENGINE_CLI_COMMANDS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "engine/policy.h"

namespace gavel::cli {

// Exit codes shared by every command.
constexpr int kExitAllow = 0;     // every plan allowed / every test passed
constexpr int kExitDeny = 1;      // some plan denied / some test failed
constexpr int kExitApproval = 2;  // none denied, some needs approval
constexpr int kExitInvalid = 3;   // invalid input: policy, plan, config, usage

using Command = std::function<int()>;

Command AddLintCommand(CLI::App& app);
Command AddCheckCommand(CLI::App& app);
Command AddTestCommand(CLI::App& app);
Command AddGrantCommand(CLI::App& app);
Command AddCompileCommand(CLI::App& app);
Command AddKeygenCommand(CLI::App& app);  // keygen_command.cc
Command AddFmtCommand(CLI::App& app);
Command AddDocCommand(CLI::App& app);
Command AddPlanCommand(CLI::App& app);  // plan_command.cc
Command AddDiffCommand(CLI::App& app);  // diff_command.cc
Command AddExplainCommand(CLI::App& app);  // explain_command.cc

// The plan of an agent transcript (plan_command.cc, engine/tool_calls.h):
// `format` is openai, anthropic or mcp; `mapping_path` a tool mapping
// (empty: none, every tool becomes `tool.<name>`). Errors start with the
// file they are in (mapping errors are formatted diagnostics, with carets).
absl::StatusOr<Plan> ReadToolCallPlan(const std::string& path, const std::string& format,
                                      const std::string& mapping_path);

// Helpers shared by the commands (cli_util.cc).

// Writes `bytes` next to `path`, then renames: a reader (a hot-reloading
// service, an editor) never sees half a file, and a failed write leaves the
// old file (or none) in place. False on any error.
bool WriteFileAtomically(const std::string& path, const std::string& bytes);

// Prints diagnostics to stderr as compile errors are printed: located ones
// with their source line and caret, the others (a file that cannot be read)
// as `gavel: message`.
void PrintDiagnostics(const Diagnostics& diags);

// Reads and compiles policy files; prints every error to stderr and returns
// null when they do not compile.
std::shared_ptr<const CompiledPolicy> LoadPolicy(const std::vector<std::string>& paths,
                                                 const CompileOptions& options = {});

// The policy set a command works on, given the same way to every command:
// `--policy PATH` (repeatable), `--config gavel.yaml`, `--env NAME`. The set
// is the config's policies followed by every --policy; the environment
// supplies params and enforcement (docs/config.md).
struct PolicySetArgs {
  std::vector<std::string> policies;
  std::string config;
  std::string env;
};

// Adds --policy/-p, --config and --env to `cmd`, filling `args` (which must
// outlive the parse). --env needs --config. At least one of --policy and
// --config must be given (checked by ResolvePolicySet).
void AddPolicySetOptions(CLI::App& cmd, PolicySetArgs& args);

// Loads the config (if any) and resolves the environment: the policy paths
// to read and the options to compile them with. Prints every error to
// stderr (diagnostics with carets into the YAML) and returns false on any
// error, including usage errors (--env without --config; no policy at all).
// `plan_limits` (if not null) gets the config's plan limits (defaults without one).
bool ResolvePolicySet(const PolicySetArgs& args, std::vector<std::string>& paths, CompileOptions& options,
                      PlanLimits* plan_limits = nullptr);

// ResolvePolicySet, then LoadPolicy: the compiled policy set, or null (every
// error printed; the command should exit with kExitInvalid).
std::shared_ptr<const CompiledPolicy> LoadPolicySet(const PolicySetArgs& args, PlanLimits* plan_limits = nullptr);

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_COMMANDS_H_
