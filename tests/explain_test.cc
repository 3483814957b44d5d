// `gavel explain` (engine/explain.h): the trees hold each sub-expression's
// value, short-circuited operands are marked, filters select and reject, and
// the outcomes agree with the compiled engine on every example plan.
#include "engine/explain.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/policy.h"

namespace gavel {
namespace {

struct Fixture {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  std::shared_ptr<const CompiledPolicy> compiled;
  std::unique_ptr<CheckedPolicySet> checked;
};

Fixture Load(std::vector<std::shared_ptr<const SourceFile>> sources) {
  Fixture f;
  f.sources = std::move(sources);
  Diagnostics diags;
  f.compiled = CompilePolicy(f.sources, diags);
  INFO(diags.Format());
  REQUIRE(f.compiled);
  f.checked = CheckPolicySources(f.sources, diags);
  REQUIRE(f.checked);
  return f;
}

Fixture LoadText(const std::string& text) { return Load({std::make_shared<SourceFile>("t.gavel", text)}); }

Plan PlanOf(const std::string& json) {
  auto plan = DecodePlanJson(json);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

const ExplainRule& RuleNamed(const ExplainReport& r, const std::string& name) {
  for (const ExplainRule& rule : r.rules) {
    if (rule.name == name) return rule;
  }
  FAIL("no rule " << name);
  return r.rules.front();
}

// The first node (depth first) whose source is `source`, or null.
const ExplainNode* Find(const ExplainNode& n, const std::string& source) {
  if (n.source == source) return &n;
  for (const ExplainNode& c : n.children) {
    if (const ExplainNode* f = Find(c, source)) return f;
  }
  return nullptr;
}

const ExplainNode& Clause(const ExplainElement& el, const std::string& label) {
  for (const ExplainNode& c : el.clauses) {
    if (c.label == label) return c;
  }
  FAIL("no clause " << label);
  return el.clauses.front();
}

std::string ValueOf(const ExplainNode* n) {
  REQUIRE(n != nullptr);
  return n->evaluated ? n->value.DebugString() : "(not evaluated)";
}

const char* kPolicy = R"(package t

rule arith {
  deny
  for step in plan.steps
  let total = 1 + 2
  when (total > 2) && step.id != "b"
  unless step.id == "a" || size(step.id) > 5
  message "step {step.id}: {total * 10}"
}

rule plan_level {
  warn
  when size(plan.steps) > 5 && plan.steps.exists(s, s.id == "a")
}

rule macro {
  deny
  when plan.steps.exists(s, s.id == "b")
}

rule broken {
  deny
  for step in plan.steps
  when step.id == "c" && int(step.id) > 0
}

rule msg_first {
  deny
  for step in plan.steps
  when step.id == "a"
  message "{step.id} first"
}
)";

const char* kPlan = R"({"steps": [{"id": "a"}, {"id": "b"}, {"id": "c"}]})";

TEST_CASE("each sub-expression has its value") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const ExplainRule& arith = RuleNamed(r, "t.arith");
  REQUIRE(arith.has_range);
  CHECK(arith.range.source == "plan.steps");
  REQUIRE(arith.elements.size() == 3);
  // Step c: the let is 3, `3 > 2` is true, `when` true, `unless` false: fired.
  const ExplainElement& c = arith.elements[2];
  CHECK(c.step == "c");
  CHECK(c.step_index == 2);
  CHECK(c.outcome == ExplainOutcome::kFired);
  const ExplainNode& let = Clause(c, "let total =");
  CHECK(let.source == "1 + 2");
  CHECK(ValueOf(&let) == "3");
  const ExplainNode& when = Clause(c, "when");
  CHECK(when.source == "(total > 2) && step.id != \"b\"");
  CHECK(ValueOf(&when) == "true");
  CHECK(ValueOf(Find(when, "total > 2")) == "true");
  CHECK(ValueOf(Find(when, "total")) == "3");
  CHECK(ValueOf(Find(when, "step.id != \"b\"")) == "true");
  CHECK(ValueOf(Find(when, "step.id")) == "\"c\"");
  const ExplainNode& unless = Clause(c, "unless");
  CHECK(ValueOf(&unless) == "false");
  CHECK(ValueOf(Find(unless, "size(step.id) > 5")) == "false");
  CHECK(ValueOf(Find(unless, "size(step.id)")) == "1");
  const ExplainNode& message = Clause(c, "message");
  CHECK(message.source == "\"step {step.id}: {total * 10}\"");
  CHECK(ValueOf(&message) == "\"step c: 30\"");
  CHECK(ValueOf(Find(message, "total * 10")) == "30");
  CHECK(!c.clauses.front().location.empty());
  CHECK(c.clauses.front().location.starts_with("t.gavel:6:"));
}

TEST_CASE("short-circuited operands and clauses are marked not evaluated") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const ExplainRule& arith = RuleNamed(r, "t.arith");
  // Step a: `unless` is true at `step.id == "a"`; `size(...) > 5` never runs.
  const ExplainElement& a = arith.elements[0];
  CHECK(a.outcome == ExplainOutcome::kNotFired);
  const ExplainNode& unless = Clause(a, "unless");
  CHECK(ValueOf(&unless) == "true");
  CHECK(ValueOf(Find(unless, "size(step.id) > 5")) == "(not evaluated)");
  CHECK(ValueOf(&Clause(a, "message")) == "(not evaluated)");
  // Step b: `when` is false, so `unless` is not evaluated at all.
  const ExplainElement& b = arith.elements[1];
  CHECK(b.outcome == ExplainOutcome::kNotFired);
  CHECK(ValueOf(Find(Clause(b, "when"), "step.id != \"b\"")) == "false");
  CHECK(ValueOf(&Clause(b, "unless")) == "(not evaluated)");
  // A plan-level rule: `size(plan.steps) > 5` is false, the macro never runs.
  const ExplainRule& plan_level = RuleNamed(r, "t.plan_level");
  REQUIRE(plan_level.elements.size() == 1);
  CHECK(plan_level.elements[0].step_index == -1);
  CHECK(plan_level.elements[0].outcome == ExplainOutcome::kNotFired);
  const ExplainNode& when = Clause(plan_level.elements[0], "when");
  CHECK(ValueOf(Find(when, "plan.steps.exists(s, s.id == \"a\")")) == "(not evaluated)");
}

TEST_CASE("macros show one line per iteration, up to the deciding one") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const ExplainRule& macro = RuleNamed(r, "t.macro");
  REQUIRE(macro.elements.size() == 1);
  CHECK(macro.elements[0].outcome == ExplainOutcome::kFired);
  const ExplainNode& when = Clause(macro.elements[0], "when");
  // The range, iterations 0 (a: false) and 1 (b: true), then c not evaluated.
  REQUIRE(when.children.size() == 4);
  CHECK(when.children[0].source == "plan.steps");
  CHECK(when.children[1].label.starts_with("[0] s = "));
  CHECK(ValueOf(Find(when.children[1], "s.id == \"b\"")) == "false");
  CHECK(ValueOf(Find(when.children[2], "s.id == \"b\"")) == "true");
  CHECK(when.children[3].label == "1 more element");
  CHECK(!when.children[3].evaluated);
}

TEST_CASE("a message is located at its first expression, evaluated or not") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const ExplainRule& rule = RuleNamed(r, "t.msg_first");
  REQUIRE(rule.elements.size() == 3);
  CHECK(ValueOf(&Clause(rule.elements[0], "message")) == "\"a first\"");
  const ExplainNode& skipped = Clause(rule.elements[1], "message");
  CHECK(!skipped.evaluated);
  CHECK(skipped.children.empty());
  CHECK(skipped.location.starts_with("t.gavel:32:"));
}

TEST_CASE("errors are shown with their message") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const ExplainRule& broken = RuleNamed(r, "t.broken");
  CHECK(broken.elements[0].outcome == ExplainOutcome::kNotFired);
  const ExplainElement& c = broken.elements[2];
  CHECK(c.outcome == ExplainOutcome::kError);
  CHECK(!c.error.empty());
  const ExplainNode* conv = Find(Clause(c, "when"), "int(step.id)");
  REQUIRE(conv != nullptr);
  CHECK(conv->value.is_error());
  const std::string text = RenderExplainText(r);
  CHECK(text.find("step c [2]: ERROR: " + c.error) != std::string::npos);
  CHECK(text.find("=> error: " + conv->value.error_message()) != std::string::npos);
}

TEST_CASE("the text shows the tree under the source") {
  Fixture f = LoadText(kPolicy);
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  const std::string text = RenderExplainText(r);
  INFO(text);
  CHECK(text.find("rule t.arith  (deny, medium)  t.gavel:3:6\n") != std::string::npos);
  CHECK(text.find("  step c [2]: FIRED\n") != std::string::npos);
  CHECK(text.find("  step a [0]: not fired\n") != std::string::npos);
  CHECK(text.find("    let total = 1 + 2  => 3\n") != std::string::npos);
  CHECK(text.find("└─ size(step.id) > 5") != std::string::npos);
  CHECK(text.find("(not evaluated)") != std::string::npos);
  const std::string json = RenderExplainJson(r);
  CHECK(json.starts_with("{\"rules\":[{\"rule\":\"t.arith\""));
  CHECK(json.find("\"outcome\":\"fired\"") != std::string::npos);
  CHECK(json.find("\"source\":\"1 + 2\"") != std::string::npos);
}

TEST_CASE("--rule and --step select, and unknown ones list what there is") {
  Fixture f = LoadText(kPolicy);
  Plan plan = PlanOf(kPlan);
  ExplainReport r = Explain(*f.checked, plan);

  auto one = FilterExplainReport(r, plan, ExplainFilter{"t.arith", "b"});
  REQUIRE(one.ok());
  REQUIRE(one->rules.size() == 1);
  REQUIRE(one->rules[0].elements.size() == 1);
  CHECK(one->rules[0].elements[0].step == "b");

  auto by_index = FilterExplainReport(r, plan, ExplainFilter{"", "2"});
  REQUIRE(by_index.ok());
  // Only the rules over steps: arith, broken and msg_first, each with step c.
  REQUIRE(by_index->rules.size() == 3);
  for (const ExplainRule& rule : by_index->rules) {
    REQUIRE(rule.elements.size() == 1);
    CHECK(rule.elements[0].step == "c");
  }

  auto rule_only = FilterExplainReport(r, plan, ExplainFilter{"t.macro", ""});
  REQUIRE(rule_only.ok());
  REQUIRE(rule_only->rules.size() == 1);

  auto bad_rule = FilterExplainReport(r, plan, ExplainFilter{"t.arihm", ""});
  REQUIRE(!bad_rule.ok());
  CHECK(std::string(bad_rule.status().message()).find("unknown rule `t.arihm`") != std::string::npos);
  CHECK(std::string(bad_rule.status().message()).find("did you mean `t.arith`") != std::string::npos);
  CHECK(std::string(bad_rule.status().message()).find("t.plan_level") != std::string::npos);

  auto bad_step = FilterExplainReport(r, plan, ExplainFilter{"", "zz"});
  REQUIRE(!bad_step.ok());
  CHECK(std::string(bad_step.status().message()).find("a [0], b [1], c [2]") != std::string::npos);
  CHECK(!FilterExplainReport(r, plan, ExplainFilter{"", "3"}).ok());
}

TEST_CASE("permit rules: evaluated only under default deny, and agreeing with the engine") {
  Fixture f = Load({std::make_shared<SourceFile>("open.gavel", "package open\nrule p { permit for step in plan.steps when true }\n"),
                    std::make_shared<SourceFile>("closed.gavel", "package closed\ndefault deny\n"
                                                                 "rule p { permit for step in plan.steps when step.id == \"a\" }\n")});
  Plan plan = PlanOf(kPlan);
  ExplainReport r = Explain(*f.checked, plan);
  CHECK(!RuleNamed(r, "open.p").consulted);
  CHECK(RenderExplainText(r).find("not evaluated: a permit rule of a package without `default deny`") != std::string::npos);
  const ExplainRule& closed = RuleNamed(r, "closed.p");
  REQUIRE(closed.elements.size() == 3);
  CHECK(closed.elements[0].outcome == ExplainOutcome::kFired);
  CHECK(closed.elements[1].outcome == ExplainOutcome::kNotFired);
  std::vector<Permit> permits;
  Decision d = Evaluate(*f.compiled, plan, &permits);
  CHECK(permits.size() == 1);
  CHECK(CompareWithDecision(r, d, permits) == "");
}

TEST_CASE("source text keeps grouping parentheses") {
  Fixture f = LoadText(R"(package g
rule r {
  deny
  when 2 * (1 + 2) == ((3) + 3)
}
)");
  ExplainReport r = Explain(*f.checked, PlanOf(R"({"steps": []})"));
  const ExplainNode& when = Clause(RuleNamed(r, "g.r").elements.at(0), "when");
  CHECK(when.source == "2 * (1 + 2) == ((3) + 3)");
  CHECK(ValueOf(Find(when, "2 * (1 + 2)")) == "6");
  CHECK(ValueOf(Find(when, "1 + 2")) == "3");
  CHECK(ValueOf(Find(when, "(3) + 3")) == "6");
}

TEST_CASE("the outcomes agree with the compiled engine on every example plan") {
  namespace fs = std::filesystem;
  const std::string root = GAVEL_SOURCE_DIR;
  auto sources = ReadPolicySources({root + "/policies"});
  REQUIRE(sources.ok());
  Fixture f = Load(*sources);
  int plans = 0;
  int fired = 0;
  for (const auto& entry : fs::directory_iterator(root + "/examples/plans")) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".json" && ext != ".yaml") continue;
    auto plan = ReadPlanFile(entry.path().string());
    REQUIRE(plan.ok());
    ++plans;
    ExplainReport r = Explain(*f.checked, *plan);
    std::vector<Permit> permits;
    Decision d = Evaluate(*f.compiled, *plan, &permits);
    INFO(entry.path().string());
    CHECK(CompareWithDecision(r, d, permits) == "");
    for (const ExplainRule& rule : r.rules) {
      for (const ExplainElement& el : rule.elements) fired += el.outcome == ExplainOutcome::kFired ? 1 : 0;
    }
  }
  CHECK(plans >= 8);
  CHECK(fired > 0);
  // And the comparison does notice a difference.
  ExplainReport r = Explain(*f.checked, PlanOf(kPlan));
  Decision fake;
  Violation& v = fake.violations.emplace_back();
  v.rule = "airgap.no_external_egress";
  v.severity = "high";
  v.step = "a";
  v.step_index = 0;
  CHECK(CompareWithDecision(r, fake, {}) != "");
}

}  // namespace
}  // namespace gavel
