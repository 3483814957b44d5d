// What the reporters of `gavel lint` share (lint_report*.cc only): the rule
// catalogue of the policy set, the findings of a decision in one list, and
// the reporter factories of each format.
#ifndef GAVEL_ENGINE_CLI_LINT_REPORT_INTERNAL_H_
#define GAVEL_ENGINE_CLI_LINT_REPORT_INTERNAL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/ast.h"
#include "engine/cli/lint_report.h"
#include "engine/source.h"

namespace gavel::cli::report {

// Debian's Abseil has its own string_view: for absl::StrCat and friends.
inline absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Where a rule is declared; `file` null when unknown.
struct SourcePoint {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;
};

// One rule of the policy set, as reports describe it. Besides the declared
// rules, each `default deny` package has a rule "PACKAGE.default" (what
// its unpermitted steps are reported under).
struct RuleInfo {
  std::string id;  // package.name
  Effect effect = Effect::kDeny;
  std::string severity;
  std::vector<std::string> tags;
  std::string doc;
  bool dryrun = false;   // its package is in dryrun (project config)
  std::string location;  // "file:line:col" as the decision shows it
  SourcePoint source;
};

class RuleCatalog {
 public:
  explicit RuleCatalog(const CompiledPolicy& policy);
  const std::vector<RuleInfo>& rules() const { return rules_; }
  // The index of rule `id` in rules(); -1 when there is none.
  int IndexOf(std::string_view id) const;

 private:
  std::vector<RuleInfo> rules_;
  std::map<std::string, int, std::less<>> index_;
};

// A violation, warning or runtime error of a decision, in the order the text
// format prints them.
struct Finding {
  enum Kind { kViolation, kWarning, kError } kind = kViolation;
  Effect effect = Effect::kDeny;  // the would-be effect of a dryrun finding
  bool dryrun = false;
  std::string_view rule, severity, step, message, location;
  int64_t step_index = -1;
};
std::vector<Finding> FindingsOf(const Decision& decision);

// The source line of `point` and a caret under its column, each line
// starting with `indent`; empty when the source is unknown.
std::string Snippet(const SourcePoint& point, std::string_view indent);

// Where to point at a plan that did not decode: a JSON Lines record's line;
// nothing for a whole file (it may not even exist).
inline PlanPosition InvalidPlanPosition(const LintResult& r) {
  return r.file.empty() ? PlanPosition{} : r.plan_position;
}

// Percent-encodes a file path as a relative URI reference.
std::string PathUri(std::string_view path);

std::unique_ptr<LintReporter> MakeSarifReporter(std::ostream& out, const CompiledPolicy& policy);
std::unique_ptr<LintReporter> MakeJunitReporter(std::ostream& out, const CompiledPolicy& policy);
std::unique_ptr<LintReporter> MakeGithubReporter(std::ostream& out);

}  // namespace gavel::cli::report

#endif  // GAVEL_ENGINE_CLI_LINT_REPORT_INTERNAL_H_
