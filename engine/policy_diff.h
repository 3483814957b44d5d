// What a policy change does to a set of plans: each plan's decision under
// the old and the new policy set, compared finding by finding. `gavel diff`
// (docs/cli.md) prints it before a policy change is merged.
//
//   PlanDiff d = DiffDecisions("prod-rollout.json", Evaluate(*old, plan), Evaluate(*now, plan));
//   if (d.changed()) ...
#ifndef GAVEL_ENGINE_POLICY_DIFF_H_
#define GAVEL_ENGINE_POLICY_DIFF_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decision.h"

namespace gavel {

// One thing a decision reports, as compared across policies: violations
// (deny, require_approval), warnings (warn; `dryrun:` before the effect of
// a finding in dryrun) and runtime errors (effect `error`).
struct Finding {
  std::string rule;
  std::string effect;
  std::string step;  // empty for plan-level findings
  std::string message;

  auto operator<=>(const Finding&) const = default;
  bool operator==(const Finding&) const = default;
};

// Every finding of a decision, sorted.
std::vector<Finding> DecisionFindings(const Decision& d);

struct PlanDiff {
  std::string plan;
  Verdict old_verdict = Verdict::kAllow;
  Verdict new_verdict = Verdict::kAllow;
  std::vector<Finding> added;    // under the new policy only
  std::vector<Finding> removed;  // under the old policy only

  bool changed() const { return old_verdict != new_verdict || !added.empty() || !removed.empty(); }
};

PlanDiff DiffDecisions(std::string_view plan, const Decision& old_decision, const Decision& new_decision);

// {"changed": [{"plan", "old_verdict", "new_verdict", "added": [...],
// "removed": [...]}], "unchanged": N}, findings as {"rule", "effect",
// "step", "message"}; one line and a newline.
std::string PolicyDiffToJson(const std::vector<PlanDiff>& changed, size_t unchanged);

}  // namespace gavel

#endif  // GAVEL_ENGINE_POLICY_DIFF_H_
