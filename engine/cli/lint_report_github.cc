// `gavel lint --format github`: GitHub Actions workflow commands, so that a
// workflow run annotates the plan's lines (docs/cli.md):
//   ::error file=PATH,line=L,col=C,title=RULE::MESSAGE     deny, runtime error, invalid plan
//   ::warning file=PATH,line=L,col=C,title=RULE::MESSAGE   require_approval, warn, dryrun
// then the summary line in plain text.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/cli/lint_report_internal.h"

namespace gavel::cli::report {
namespace {

// GitHub's escaping of a command's message: %, CR and LF; of a property
// value: also ':' and ','.
std::string Escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

class GithubReporter : public LintReporter {
 public:
  explicit GithubReporter(std::ostream& out) : out_(out) {}

  void Report(const LintResult& r) override {
    if (!r.status.ok()) {
      Command("error", r.File(), InvalidPlanPosition(r), "invalid plan", std::string(r.status.message()));
      return;
    }
    for (const Finding& f : FindingsOf(r.decision)) {
      bool error = f.kind == Finding::kError || (f.kind == Finding::kViolation && f.effect == Effect::kDeny);
      std::string message = std::string(f.message);
      if (f.kind == Finding::kError) message = absl::StrCat("runtime error: ", message);
      if (f.dryrun) message = absl::StrCat("(dryrun ", EffectName(f.effect), ") ", message);
      Command(error ? "error" : "warning", r.File(), r.PositionOf(f.step_index), f.rule.empty() ? "plan" : f.rule,
              message);
    }
  }

  void End(const LintSummary& summary) override { out_ << SummaryLine(summary) << "\n"; }

 private:
  void Command(std::string_view kind, std::string_view file, PlanPosition pos, std::string_view title,
               std::string_view message) {
    out_ << "::" << kind << " file=" << Escape(file, true);
    if (pos.line > 0) {
      out_ << ",line=" << pos.line;
      if (pos.column > 0) out_ << ",col=" << pos.column;
    }
    out_ << ",title=" << Escape(title, true) << "::" << Escape(message, false) << "\n";
  }

  std::ostream& out_;
};

}  // namespace

std::unique_ptr<LintReporter> MakeGithubReporter(std::ostream& out) { return std::make_unique<GithubReporter>(out); }

}  // namespace gavel::cli::report
