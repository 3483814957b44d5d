// `gavel`: the command-line tool. One file per subcommand (*_command.cc),
// registered here; see docs/cli.md.
#include <utility>
#include <vector>

#include "engine/cli/commands.h"

int main(int argc, char** argv) {
  using namespace gavel::cli;
  CLI::App app{"gavel: a policy engine for the plans of autonomous agents"};
  app.require_subcommand(1);

  std::vector<std::pair<CLI::App*, Command>> commands;
  auto add = [&](Command (*add_command)(CLI::App&)) {
    Command run = add_command(app);
    commands.emplace_back(app.get_subcommands({}).back(), std::move(run));
  };
  add(AddLintCommand);
  add(AddCheckCommand);
  add(AddTestCommand);
  add(AddGrantCommand);
  add(AddCompileCommand);
  add(AddKeygenCommand);
  add(AddFmtCommand);
  add(AddDocCommand);
  add(AddPlanCommand);
  add(AddDiffCommand);
  add(AddExplainCommand);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitInvalid;
  }
  for (auto& [sub, run] : commands) {
    if (*sub) return run();
  }
  return kExitInvalid;
}
