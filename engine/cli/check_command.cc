// `gavel check [PATH...] [--config gavel.yaml [--env NAME]]`: compiles
// policies (the paths, --policy, the config's) with an environment's params
// and enforcement, and prints every error.
#include <iostream>

#include "engine/cli/commands.h"

namespace gavel::cli {

Command AddCheckCommand(CLI::App& app) {
  struct CheckOptions {
    PolicySetArgs policy_set;
    std::vector<std::string> paths;
  };
  auto opts = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check", "compile policies and print every error");
  cmd->add_option("paths", opts->paths, "policy files or directories (optional with --config)");
  AddPolicySetOptions(*cmd, opts->policy_set);
  return [opts]() {
    PolicySetArgs args = opts->policy_set;
    args.policies.insert(args.policies.end(), opts->paths.begin(), opts->paths.end());
    if (!LoadPolicySet(args)) return kExitInvalid;
    std::cout << "ok\n";
    return kExitAllow;
  };
}

}  // namespace gavel::cli
