// The plans a command reads: PLAN arguments expanded into files
// (directories recursively, globs with `**`), files into inputs (a JSON
// Lines file holds one plan per line), and inputs decoded into plans. Every
// way of reading a plan goes through ReadPlanInput.
#ifndef GAVEL_ENGINE_CLI_PLAN_INPUTS_H_
#define GAVEL_ENGINE_CLI_PLAN_INPUTS_H_

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/plan.h"

namespace gavel::cli {

// How plans are read; the commands' options that shape reading go here.
struct PlanInputOptions {
  PlanLimits limits;
  // `--input-format openai|anthropic|mcp`: every file is an agent's
  // tool-call transcript, turned into a plan through `mapping` (a mapping
  // file, docs/adapters.md; empty: the default mapping). Empty: plan files.
  std::string tool_call_format;
  std::string mapping;
};

// The extensions of plan files that directories and globs yield:
// .json, .yaml, .yml, .pb, .binpb, and .jsonl (JSON Lines).
bool IsPlanFile(std::string_view path);
bool IsJsonLines(std::string_view path);

// Expands PLAN arguments, in order: a file is taken as named (a missing one
// is left for reading to report); a directory gives its plan files, searched
// recursively, in sorted order; an argument with `*`, `?` or `[...]` that is
// not an existing file is a glob (`**` matches any number of directories,
// wildcards do not match a leading `.`) giving the plan files it matches,
// sorted (a directory it matches is expanded as above). A glob that matches
// no plan file is an error naming it.
absl::StatusOr<std::vector<std::string>> ExpandPlanArgs(const std::vector<std::string>& args);
// ExpandPlanArgs for a command: on an error, or when there is no plan at
// all, prints it to stderr and returns false (the command exits 3).
bool ExpandPlanArgsOrReport(const std::vector<std::string>& args, std::vector<std::string>* files);

// One plan to read: a whole file, or one record of a JSON Lines file.
struct PlanInput {
  std::string path;    // the file as named
  int line = 0;        // the record's 1-based line; 0 for a whole file
  std::string text;    // the record (JSON Lines only)
  uint64_t bytes = 0;  // how much of the input this is (for progress)
  absl::Status error;  // not OK: the input could not be read (reported as its plan's error)

  // "FILE", or "FILE:LINE" for a record.
  std::string Name() const;
  // The plan's own position: line 1 of a file, the record's line.
  PlanPosition Position() const;
};

// The inputs of a list of files, one at a time, so that a large JSON Lines
// corpus is never held whole.
class PlanInputReader {
 public:
  // With `split_jsonl` false, a .jsonl file is one input (a transcript of
  // tool calls, not a corpus of plans).
  explicit PlanInputReader(std::vector<std::string> files, bool split_jsonl = true);
  // The next input; false after the last.
  bool Next(PlanInput* out);
  // The sum of the files' sizes (what the inputs' `bytes` add up to).
  uint64_t TotalBytes() const { return total_bytes_; }

 private:
  std::vector<std::string> files_;
  std::vector<uint64_t> sizes_;
  bool split_jsonl_ = true;
  size_t next_file_ = 0;
  uint64_t total_bytes_ = 0;
  // The JSON Lines file being read, and its last line read.
  std::unique_ptr<std::ifstream> jsonl_;
  int jsonl_line_ = 0;
  uint64_t jsonl_bytes_ = 0;  // bytes of it counted so far
};

// Reads and decodes one input; errors start with its Name(). A record's
// step positions are on the record's line.
absl::StatusOr<Plan> ReadPlanInput(const PlanInput& input, const PlanInputOptions& options);

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_PLAN_INPUTS_H_
