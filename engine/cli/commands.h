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

// Helpers shared by the commands (cli_util.cc).

// Plans named on the command line: files, or directories of plan files.
std::vector<std::string> ExpandPlans(const std::vector<std::string>& args);

// Reads and compiles policy files; prints every error to stderr and returns
// null when they do not compile.
std::shared_ptr<const CompiledPolicy> LoadPolicy(const std::vector<std::string>& paths,
                                                 const CompileOptions& options = {});

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_COMMANDS_H_
