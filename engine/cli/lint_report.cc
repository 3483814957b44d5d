// The reporters of `gavel lint`: text and json (see lint_report.h).
#include "engine/cli/lint_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gavel::cli {

PlanPosition LintResult::PositionOf(int64_t step_index) const {
  if (step_index >= 0 && static_cast<size_t>(step_index) < step_positions.size()) {
    return step_positions[static_cast<size_t>(step_index)];
  }
  return plan_position;
}

namespace {

class TextReporter : public LintReporter {
 public:
  explicit TextReporter(std::ostream& out) : out_(out) {}

  void Report(const LintResult& r) override {
    const Decision& d = r.decision;
    std::string verdict = VerdictName(d.verdict);
    std::transform(verdict.begin(), verdict.end(), verdict.begin(), ::toupper);
    out_ << r.path << ": " << verdict << "\n";
    auto step = [](const std::string& id, int64_t index) {
      return index < 0 ? std::string("plan") : absl::StrCat("step ", id, " [", index, "]");
    };
    for (const Violation& v : d.violations) {
      out_ << "  " << EffectName(v.effect) << " " << v.rule << " (" << v.severity << ") "
           << step(v.step, v.step_index) << ": " << v.message << "\n    at " << v.location << "\n";
    }
    for (const Violation& v : d.warnings) {
      // A finding of a package in dryrun says what it would have done.
      out_ << "  warn " << (v.dryrun ? absl::StrCat("(dryrun ", EffectName(v.effect), ") ") : "") << v.rule
           << " (" << v.severity << ") " << step(v.step, v.step_index) << ": " << v.message << "\n    at "
           << v.location << "\n";
    }
    for (const EvalError& e : d.errors) {
      out_ << "  error " << e.rule << " " << step(e.step, e.step_index) << ": " << e.message << "\n    at "
           << e.location << "\n";
    }
    if (!d.approvers.empty()) {
      out_ << "  approvers:";
      for (const auto& a : d.approvers) out_ << " " << a;
      out_ << "\n";
    }
  }

 private:
  std::ostream& out_;
};

// One JSON object per line per plan (docs/cli.md).
class JsonReporter : public LintReporter {
 public:
  explicit JsonReporter(std::ostream& out) : out_(out) {}
  void Report(const LintResult& r) override { out_ << r.decision.ToJson(r.path) << "\n"; }

 private:
  std::ostream& out_;
};

}  // namespace

std::vector<std::string> ReportFormats() { return {"text", "json"}; }

std::unique_ptr<LintReporter> MakeReporter(std::string_view format, std::ostream& out,
                                           const CompiledPolicy& policy, const ReportOptions& options) {
  if (format == "json") return std::make_unique<JsonReporter>(out);
  return std::make_unique<TextReporter>(out);
}

}  // namespace gavel::cli
