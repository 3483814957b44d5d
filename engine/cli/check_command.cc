// `gavel check PATH...`: compiles policies and prints every error.
#include <iostream>

#include "engine/cli/commands.h"

namespace gavel::cli {

Command AddCheckCommand(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("check", "compile policies and print every error");
  cmd->add_option("paths", *paths, "policy files or directories")->required();
  return [paths]() {
    if (!LoadPolicy(*paths)) return kExitInvalid;
    std::cout << "ok\n";
    return kExitAllow;
  };
}

}  // namespace gavel::cli
