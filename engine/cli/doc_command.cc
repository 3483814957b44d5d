// `gavel doc PATH... [-o FILE]`: prints (or writes) the Markdown reference
// of a policy set (engine/policy_doc.h, docs/cli.md).
#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/policy_doc.h"

namespace gavel::cli {
namespace {

struct DocArgs {
  std::vector<std::string> paths;
  std::string output;
};

int Doc(const DocArgs& opts) {
  auto sources = ReadPolicySources(opts.paths);
  if (!sources.ok()) {
    std::cerr << "gavel: " << sources.status().message() << "\n";
    return kExitInvalid;
  }
  Diagnostics diags;
  absl::StatusOr<std::string> md = PolicyReferenceMarkdown(*sources, diags);
  if (!md.ok()) {
    PrintDiagnostics(diags);
    if (diags.empty()) std::cerr << "gavel: " << md.status().message() << "\n";
    return kExitInvalid;
  }
  if (opts.output.empty() || opts.output == "-") {
    std::cout << *md;
    return kExitAllow;
  }
  std::ofstream out(opts.output, std::ios::binary | std::ios::trunc);
  out << *md;
  out.close();
  if (!out) {
    std::cerr << "gavel: " << opts.output << ": cannot write\n";
    return kExitInvalid;
  }
  return kExitAllow;
}

}  // namespace

Command AddDocCommand(CLI::App& app) {
  auto opts = std::make_shared<DocArgs>();
  CLI::App* cmd = app.add_subcommand("doc", "write a Markdown reference of a policy set");
  cmd->add_option("paths", opts->paths, "policy files or directories")->required();
  cmd->add_option("--output,-o", opts->output, "the file to write (default: stdout)");
  return [opts]() { return Doc(*opts); };
}

}  // namespace gavel::cli
