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
  // The file that the positions below point into, when it differs from
  // `path` (a JSON Lines record: FILE); empty means `path`. Reports that
  // link to a file (SARIF, GitHub annotations) use File().
  std::string file;
  // Not OK when the plan could not be read or decoded; `decision` is then a
  // fail-closed deny whose one error carries the message.
  absl::Status status;
  Decision decision;
  // Where each step starts in the plan file (by step index); empty when unknown.
  std::vector<PlanPosition> step_positions;
  PlanPosition plan_position;  // of the plan itself (line 1 of a file; the line of a JSONL record)

  // The position of a finding's step (`step_index` -1: the plan's).
  PlanPosition PositionOf(int64_t step_index) const;
  const std::string& File() const { return file.empty() ? path : file; }
};

struct LintSummary {
  int plans = 0, allowed = 0, denied = 0, needs_approval = 0, errors = 0;
  // Wall time of the run; negative: not measured (the summary line then
  // shows no time). GAVEL_NO_TIMING=1 in the environment also hides it, so
  // that golden outputs are stable (docs/cli.md).
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

// "3 plans: 1 allowed, 1 denied, 1 needs approval, 0 errors (0.01 s)": the
// last line of the text and github formats. The time appears when
// summary.seconds >= 0 and GAVEL_NO_TIMING is unset (or empty or "0").
std::string SummaryLine(const LintSummary& summary);

// The names --format accepts.
std::vector<std::string> ReportFormats();

// The reporter for `format` (one of ReportFormats()), writing to `out`.
// `policy` outlives it (rules' docs, severities and sources for SARIF and
// the text snippets).
std::unique_ptr<LintReporter> MakeReporter(std::string_view format, std::ostream& out,
                                           const CompiledPolicy& policy, const ReportOptions& options);

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_LINT_REPORT_H_
