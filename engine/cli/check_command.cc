// `gavel check [PATH...] [--config gavel.yaml [--env NAME]]`: compiles
// policies (the paths, --policy, the config's) with an environment's params
// and enforcement, and prints every error. With --cost, also each rule's
// static cost bound (engine/cost.h).
#include <algorithm>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cost.h"
#include "engine/program.h"

namespace gavel::cli {

Command AddCheckCommand(CLI::App& app) {
  struct CheckOptions {
    PolicySetArgs policy_set;
    std::vector<std::string> paths;
    bool cost = false;
  };
  auto opts = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check", "compile policies and print every error");
  cmd->add_option("paths", opts->paths, "policy files or directories (optional with --config)");
  AddPolicySetOptions(*cmd, opts->policy_set);
  cmd->add_flag("--cost", opts->cost, "print each rule's static cost bound in n, the plan's size (docs/security.md)");
  return [opts]() {
    PolicySetArgs args = opts->policy_set;
    args.policies.insert(args.policies.end(), opts->paths.begin(), opts->paths.end());
    auto policy = LoadPolicySet(args);
    if (!policy) return kExitInvalid;
    if (opts->cost) {
      const Program& program = policy->program();
      size_t width = 0;
      for (const CompiledRule& r : program.rules) width = std::max(width, r.qualified.size());
      for (const CompiledRule& r : program.rules) {
        const std::string order = CostOrder(r.cost_bound);
        std::cout << r.qualified << std::string(width - r.qualified.size() + 2, ' ') << order
                  << std::string(order.size() < 8 ? 8 - order.size() : 1, ' ') << "cost <= "
                  << CostFormula(r.cost_bound) << "\n";
      }
      std::cout << "budget " << program.cost_budget << " per evaluation\n";
    }
    std::cout << "ok\n";
    return kExitAllow;
  };
}

}  // namespace gavel::cli
