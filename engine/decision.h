// The outcome of evaluating a plan: verdict, violations, warnings, errors.
#ifndef GAVEL_ENGINE_DECISION_H_
#define GAVEL_ENGINE_DECISION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ast.h"

namespace gavel {

enum class Verdict : uint8_t { kAllow, kDeny, kNeedsApproval };
const char* VerdictName(Verdict v);  // "allow", "deny", "needs_approval"

struct Violation {
  // User-provided: `emplace_back()` then skips zero-filling the whole object
  // before the members' own initializers (the evaluator builds findings in place).
  Violation() {}
  std::string rule;       // package.name
  Effect effect = Effect::kDeny;
  std::string severity;   // info, low, medium, high, critical
  std::string step;       // the step's id; empty for plan-level rules
  int64_t step_index = -1;
  std::string message;
  std::string location;   // file:line:col of the rule
  std::vector<std::string> approvers;  // require_approval only
  // Found by a package in dryrun (docs/config.md): reported among the
  // warnings with the effect it would have had (a runtime error reports as
  // deny, its message starting "runtime error: "), and ignored by the verdict.
  bool dryrun = false;
};

// A rule that failed at run time (or a plan-level failure): fails closed.
struct EvalError {
  std::string rule;
  std::string step;
  int64_t step_index = -1;
  std::string message;
  std::string location;
};

struct Decision {
  Verdict verdict = Verdict::kAllow;
  std::vector<Violation> violations;  // deny and require_approval
  std::vector<Violation> warnings;    // warn, and everything found in dryrun
  std::vector<EvalError> errors;
  std::vector<std::string> approvers; // union over fired approval rules, sorted

  // Sets `verdict` from the rest: any deny or error -> deny; else any
  // approval -> needs_approval; else allow (dryrun findings never count).
  // Also sorts and dedups approvers.
  void Finish();

  // One JSON object, no newline: {"plan": ..., "verdict": ..., "violations": [...],
  // "warnings": [...], "errors": [...], "approvers": [...]}
  std::string ToJson(std::string_view plan_name) const;
};

// JSON string escaping shared by every JSON writer.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace gavel

#endif  // GAVEL_ENGINE_DECISION_H_
