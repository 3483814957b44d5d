// `gavel explain`: why each rule fired or not on a plan. The reference
// evaluator (reference_evaluator.h) reports every evaluated sub-expression
// with its value; Explain gathers those reports into one tree per rule and
// element (step), under each clause (`for`, lets, `when`, `unless`, message
// parts), marks what was short-circuited, and renders the trees as text or
// JSON. See docs/cli.md.
//
//   ExplainReport r = Explain(checked, plan, options);
//   std::string differences = CompareWithDecision(r, Evaluate(compiled, plan, &permits), permits);
//   std::cout << RenderExplainText(r);
#ifndef GAVEL_ENGINE_EXPLAIN_H_
#define GAVEL_ENGINE_EXPLAIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast.h"
#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/reference_evaluator.h"

namespace gavel {

// One line of a tree: a sub-expression (or a clause, or one iteration of a
// macro) and its value.
struct ExplainNode {
  std::string label;     // "when", "let ip_ok =", "[0] p = \"x\"", or "" for a sub-expression
  std::string source;    // the expression's source text, whitespace collapsed
  std::string location;  // file:line:col of the expression ("" for synthetic lines)
  bool evaluated = false;  // false: short-circuited or never needed
  Value value;             // when evaluated (an error value for an error)
  std::vector<ExplainNode> children;
};

enum class ExplainOutcome : uint8_t { kFired, kNotFired, kError };
const char* ExplainOutcomeName(ExplainOutcome o);  // "FIRED", "not fired", "ERROR"

// One check of a rule: one element of its `for` range, or the plan.
struct ExplainElement {
  int64_t element_index = -1;  // position in the `for` range; -1 for a plan-level rule
  std::string step;            // the step's id when the element is a step, else ""
  int64_t step_index = -1;     // the step's index when the element is a step, else -1
  std::string element;         // the element's value, shortened (not a step)
  ExplainOutcome outcome = ExplainOutcome::kNotFired;
  std::string error;           // kError: why
  std::vector<ExplainNode> clauses;  // lets, when, unless, message, in that order
};

struct ExplainRule {
  std::string name;  // package.rule
  Effect effect = Effect::kDeny;
  std::string severity;  // from @severity, else "medium"
  std::string location;  // of the rule's name
  // False for a permit rule of a package without `default deny`: the engine
  // never evaluates it.
  bool consulted = true;
  bool has_range = false;
  ExplainNode range;        // the `for` clause, when has_range
  std::string range_error;  // the `for` range was not a list or map: the rule failed
  std::vector<ExplainElement> elements;
};

struct ExplainReport {
  std::vector<ExplainRule> rules;
  // Failures of the whole evaluation (a param without a usable value).
  std::vector<std::string> errors;
};

// Only one rule and/or one step; empty strings select everything.
struct ExplainFilter {
  std::string rule;  // package.name
  std::string step;  // a step's id, or its index in decimal
};

// Evaluates `policy` over `plan` with the reference evaluator and explains
// every rule (in declaration order) and element.
ExplainReport Explain(const CheckedPolicySet& policy, const Plan& plan, const CompileOptions& options = {});

// Keeps what `filter` selects. An unknown rule or step is an
// InvalidArgument error naming the ones there are (and a close one). With a
// step, rules whose elements are not steps (plan-level rules, `for` over
// anything else) are left out.
absl::StatusOr<ExplainReport> FilterExplainReport(const ExplainReport& report, const Plan& plan,
                                                  const ExplainFilter& filter);

// Where the outcomes of an unfiltered report differ from what the compiled
// engine decided (Evaluate with `permits`): one line per difference, "" when
// they agree. Fired deny/warn/approval rules must be findings (violations or
// warnings), errors must be errors (or dryrun runtime-error warnings), fired
// permit rules must be permits, all per rule and step.
std::string CompareWithDecision(const ExplainReport& report, const Decision& decision,
                                const std::vector<Permit>& permits);

// The trees as indented text (see docs/cli.md), and as one JSON object
// {"rules": [...], "errors": [...]} with a newline.
std::string RenderExplainText(const ExplainReport& report);
std::string RenderExplainJson(const ExplainReport& report);

// The source text of `expr` (all of it, parentheses included, whitespace
// runs collapsed to one space), read from `file`.
std::string ExprSourceText(const Expr& expr, const SourceFile& file);

}  // namespace gavel

#endif  // GAVEL_ENGINE_EXPLAIN_H_
