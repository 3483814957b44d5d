// The outcome of evaluating a plan: verdict, violations, warnings, errors.
#ifndef GAVEL_ENGINE_DECISION_H_
#define GAVEL_ENGINE_DECISION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ast.h"
#include "engine/text_arena.h"

namespace gavel {

enum class Verdict : uint8_t { kAllow, kDeny, kNeedsApproval };
const char* VerdictName(Verdict v);  // "allow", "deny", "needs_approval"

// A finding. Its text is a view into the text of the Decision that holds it
// (Decision::Keep): valid as long as that decision, and through its moves.
// A copy of the decision carries its own copy of the text. Set the fields
// through Keep or to string literals: the C API reads each view's data() as
// a C string.
struct Violation {
  // User-provided: `emplace_back()` then skips zero-filling the whole object
  // before the members' own initializers (the evaluator builds findings in place).
  Violation() {}
  std::string_view rule;       // package.name
  Effect effect = Effect::kDeny;
  std::string_view severity;   // info, low, medium, high, critical
  std::string_view step;       // the step's id; empty for plan-level rules
  int64_t step_index = -1;
  std::string_view message;
  std::string_view location;   // file:line:col of the rule
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
  Decision() = default;
  Decision(const Decision& other);
  Decision& operator=(const Decision& other);
  Decision(Decision&&) noexcept = default;
  Decision& operator=(Decision&&) noexcept = default;

  // A copy of `s` that lives as long as this decision: what a Violation's
  // text fields must point to.
  std::string_view Keep(std::string_view s) { return text_.Add(s); }
  // Room for `n` bytes of text, NUL-terminated, to fill in place (TextArena::Allocate).
  char* AllocateText(size_t n) { return text_.Allocate(n); }
  // Room for `bytes` of text in one block (the evaluator's estimate).
  void ReserveText(size_t bytes) { text_.Reserve(bytes); }
  size_t text_size() const { return text_.used(); }

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

 private:
  // Copies every finding's text into text_ (after a copy of the findings).
  void KeepAll();
  TextArena text_;
};

// JSON string escaping shared by every JSON writer.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace gavel

#endif  // GAVEL_ENGINE_DECISION_H_
