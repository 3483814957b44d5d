// See policy_diff.h.
#include "engine/policy_diff.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace gavel {
namespace {

Finding FromViolation(const Violation& v) {
  std::string effect = EffectName(v.effect);
  if (v.dryrun) effect = absl::StrCat("dryrun:", effect);
  return Finding{std::string(v.rule), std::move(effect), std::string(v.step), std::string(v.message)};
}

void AppendFinding(std::string* out, const Finding& f) {
  *out += "{\"rule\":";
  AppendJsonString(out, f.rule);
  *out += ",\"effect\":";
  AppendJsonString(out, f.effect);
  *out += ",\"step\":";
  AppendJsonString(out, f.step);
  *out += ",\"message\":";
  AppendJsonString(out, f.message);
  *out += "}";
}

void AppendFindings(std::string* out, const std::vector<Finding>& findings) {
  *out += "[";
  for (size_t i = 0; i < findings.size(); ++i) {
    if (i > 0) *out += ",";
    AppendFinding(out, findings[i]);
  }
  *out += "]";
}

}  // namespace

std::vector<Finding> DecisionFindings(const Decision& d) {
  std::vector<Finding> out;
  for (const Violation& v : d.violations) out.push_back(FromViolation(v));
  for (const Violation& v : d.warnings) out.push_back(FromViolation(v));
  for (const EvalError& e : d.errors) out.push_back(Finding{e.rule, "error", e.step, e.message});
  std::sort(out.begin(), out.end());
  return out;
}

PlanDiff DiffDecisions(std::string_view plan, const Decision& old_decision, const Decision& new_decision) {
  PlanDiff d;
  d.plan = std::string(plan);
  d.old_verdict = old_decision.verdict;
  d.new_verdict = new_decision.verdict;
  std::vector<Finding> before = DecisionFindings(old_decision), after = DecisionFindings(new_decision);
  // Multiset differences: a finding reported twice before and once now is
  // one removed.
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(d.added));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(d.removed));
  return d;
}

std::string PolicyDiffToJson(const std::vector<PlanDiff>& changed, size_t unchanged) {
  std::string out = "{\"changed\":[";
  for (size_t i = 0; i < changed.size(); ++i) {
    const PlanDiff& d = changed[i];
    if (i > 0) out += ",";
    out += "{\"plan\":";
    AppendJsonString(&out, d.plan);
    absl::StrAppend(&out, ",\"old_verdict\":\"", VerdictName(d.old_verdict), "\",\"new_verdict\":\"",
                    VerdictName(d.new_verdict), "\",\"added\":");
    AppendFindings(&out, d.added);
    out += ",\"removed\":";
    AppendFindings(&out, d.removed);
    out += "}";
  }
  absl::StrAppend(&out, "],\"unchanged\":", unchanged, "}\n");
  return out;
}

}  // namespace gavel
