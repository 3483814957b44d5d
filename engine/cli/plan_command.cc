// `gavel plan --input-format openai|anthropic|mcp [--mapping FILE] TRANSCRIPT
// [-o plan.json]`: turns the tool calls of an agent transcript into a plan
// (engine/tool_calls.h) and prints it as JSON. Exit code 0, or 3 on invalid
// input (transcript, mapping, or the plan they make).
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/cli/commands.h"
#include "engine/plan_writer.h"
#include "engine/tool_calls.h"

namespace gavel::cli {

absl::StatusOr<Plan> ReadToolCallPlan(const std::string& path, const std::string& format,
                                      const std::string& mapping_path) {
  auto fmt = ParseToolCallFormat(format);
  if (!fmt.ok()) return fmt.status();
  std::shared_ptr<const ToolMapping> mapping = std::make_shared<ToolMapping>();  // no mapping: every tool unmapped
  if (!mapping_path.empty()) {
    Diagnostics diags;
    mapping = LoadToolMapping(mapping_path, diags);
    if (mapping == nullptr) {
      std::string text;
      for (const Diagnostic* d : diags.Sorted()) {
        text += d->location.file == nullptr ? absl::StrCat(d->message, "\n") : d->Format();
      }
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return absl::InvalidArgumentError(text);
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the transcript"));
  std::stringstream text;
  text << in.rdbuf();
  auto plan = PlanFromToolCalls(text.str(), *fmt, *mapping);
  if (!plan.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", plan.status().message()));
  return plan;
}

namespace {

struct PlanOptions {
  std::string input_format;
  std::string mapping;
  std::string transcript;
  std::string output;
};

int RunPlan(const PlanOptions& opts) {
  auto plan = ReadToolCallPlan(opts.transcript, opts.input_format, opts.mapping);
  if (!plan.ok()) {
    std::cerr << "gavel: " << plan.status().message() << "\n";
    return kExitInvalid;
  }
  const std::string json = PlanToJson(*plan);
  if (opts.output.empty() || opts.output == "-") {
    std::cout << json;
    std::cout.flush();
    return kExitAllow;
  }
  std::ofstream out(opts.output, std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) {
    std::cerr << "gavel: " << opts.output << ": cannot write the plan\n";
    return kExitInvalid;
  }
  return kExitAllow;
}

}  // namespace

Command AddPlanCommand(CLI::App& app) {
  auto opts = std::make_shared<PlanOptions>();
  CLI::App* cmd = app.add_subcommand("plan", "turn the tool calls of an agent transcript into a plan (JSON)");
  cmd->add_option("--input-format,-i", opts->input_format, "the transcript's form")
      ->required()
      ->check(CLI::IsMember({"openai", "anthropic", "mcp"}));
  cmd->add_option("--mapping,-m", opts->mapping, "tool mapping (YAML) from tool names to plan fields");
  cmd->add_option("--output,-o", opts->output, "write the plan here instead of stdout");
  cmd->add_option("transcript", opts->transcript, "the transcript (JSON or JSONL)")->required();
  return [opts]() { return RunPlan(*opts); };
}

}  // namespace gavel::cli
