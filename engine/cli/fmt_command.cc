// `gavel fmt [--check | --stdout] PATH...`: rewrites .gavel files in their
// canonical layout (engine/formatter.h, docs/cli.md). `-` formats stdin to
// stdout.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "engine/cli/commands.h"
#include "engine/formatter.h"

namespace gavel::cli {
namespace {

struct FmtArgs {
  std::vector<std::string> paths;
  bool check = false;
  bool to_stdout = false;
};

int Fmt(const FmtArgs& opts) {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  std::vector<bool> from_stdin;
  for (const std::string& path : opts.paths) {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      sources.push_back(std::make_shared<SourceFile>("<stdin>", std::move(text)));
      from_stdin.push_back(true);
      continue;
    }
    auto read = ReadPolicySources({path});
    if (!read.ok()) {
      std::cerr << "gavel: " << read.status().message() << "\n";
      return kExitInvalid;
    }
    for (auto& s : *read) {
      sources.push_back(std::move(s));
      from_stdin.push_back(false);
    }
  }

  bool invalid = false, changed_any = false;
  for (size_t i = 0; i < sources.size(); ++i) {
    const SourceFile& src = *sources[i];
    Diagnostics diags;
    absl::StatusOr<std::string> text = FormatPolicy(sources[i], diags);
    if (!text.ok()) {
      if (!diags.empty()) {
        PrintDiagnostics(diags);
      } else {
        std::cerr << "gavel: " << text.status().message() << "\n";
      }
      invalid = true;
      continue;
    }
    bool changed = *text != src.text();
    if (opts.check) {
      if (changed) {
        std::cout << src.name() << "\n";
        changed_any = true;
      }
    } else if (opts.to_stdout || from_stdin[i]) {
      std::cout << *text;
    } else if (changed && !WriteFileAtomically(src.name(), *text)) {
      std::cerr << "gavel: " << src.name() << ": cannot write\n";
      invalid = true;
    }
  }
  if (invalid) return kExitInvalid;
  return changed_any ? kExitDeny : kExitAllow;
}

}  // namespace

Command AddFmtCommand(CLI::App& app) {
  auto opts = std::make_shared<FmtArgs>();
  CLI::App* cmd = app.add_subcommand("fmt", "rewrite policy files in the canonical layout");
  cmd->add_option("paths", opts->paths, "policy files or directories; `-` reads stdin and prints the result")
      ->required();
  auto* check = cmd->add_flag("--check", opts->check,
                              "change nothing: list the files that are not formatted (exit 1 if any)");
  cmd->add_flag("--stdout", opts->to_stdout, "print the formatted text instead of rewriting the files")
      ->excludes(check);
  return [opts]() { return Fmt(*opts); };
}

}  // namespace gavel::cli
