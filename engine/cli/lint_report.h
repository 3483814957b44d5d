// How `gavel lint` reports its results: one reporter per --format. The lint
// driver (lint_command.cc) evaluates the plans and hands every result to the
// reporter in input order, then the summary.
#ifndef GAVEL_ENGINE_CLI_LINT_REPORT_H_
#define GAVEL_ENGINE_CLI_LINT_REPORT_H_

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/policy.h"

namespace gavel::cli {

// One plan's outcome.
struct LintResult {
  std::string path;    // the plan file as named; "FILE:LINE" for a JSON Lines record
  // Not OK when the plan could not be read or decoded; `decision` is then a
  // fail-closed deny whose one error carries the message.
  absl::Status status;
  Decision decision;
  // Where each step starts in the plan file (by step index); empty when unknown.
  std::vector<PlanPosition> step_positions;
  PlanPosition plan_position;  // of the plan itself (line 1 of a file; the line of a JSONL record)

  // The position of a finding's step (`step_index` -1: the plan's).
  PlanPosition PositionOf(int64_t step_index) const;
};

struct LintSummary {
  int plans = 0, allowed = 0, denied = 0, needs_approval = 0, errors = 0;
  double seconds = 0;
};

class LintReporter {
 public:
  virtual ~LintReporter() = default;
  // Before the first result.
  virtual void Begin() {}
  virtual void Report(const LintResult& result) = 0;
  virtual void End(const LintSummary& summary) {}
};

struct ReportOptions {
  bool color = false;  // ANSI colours (text only): a terminal, and NO_COLOR unset
};

// The names --format accepts.
std::vector<std::string> ReportFormats();

// The reporter for `format` (one of ReportFormats()), writing to `out`.
// `policy` outlives it (rules' docs, severities and sources for SARIF and
// the text snippets).
std::unique_ptr<LintReporter> MakeReporter(std::string_view format, std::ostream& out,
                                           const CompiledPolicy& policy, const ReportOptions& options);

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_LINT_REPORT_H_
