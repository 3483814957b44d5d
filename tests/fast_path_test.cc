// The evaluation fast paths (engine/prepare.h, docs/performance.md): the
// rule index, shared conditions, prepared calls, superinstructions and
// borrowed values must change nothing but the time. Each is checked on its
// own here; tests/differential checks them all against the reference
// evaluator on generated policies.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/checker.h"
#include "engine/compiler.h"
#include "engine/cost.h"
#include "engine/expression.h"
#include "engine/parser.h"
#include "engine/policy.h"
#include "engine/prepare.h"
#include "engine/program.h"
#include "engine/superinstructions.h"
#include "engine/vm.h"

namespace gavel {
namespace {

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text, const CompileOptions& options = {}) {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("p.gavel", text)}, diags, options);
  INFO(diags.Format());
  REQUIRE(policy);
  return policy;
}

Plan MustPlan(const std::string& json) {
  auto plan = DecodePlanJson(json);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

// "rule@step" for each violation, in order.
std::vector<std::string> Fired(const Decision& d) {
  std::vector<std::string> fired;
  for (const Violation& v : d.violations) fired.push_back(std::string(v.rule) + "@" + std::string(v.step));
  return fired;
}

// Each violation's message, in order.
std::vector<std::string> Messages(const Decision& d) {
  std::vector<std::string> messages;
  for (const Violation& v : d.violations) messages.emplace_back(v.message);
  return messages;
}

size_t RuleIndex(const CompiledPolicy& policy, const std::string& name) {
  const auto& rules = policy.program().rules;
  for (size_t r = 0; r < rules.size(); ++r) {
    if (rules[r].name == name) return r;
  }
  FAIL("no rule " << name);
  return 0;
}

// One deny rule over plan.steps (StepRules); `var` names the loop variable.
struct StepRule {
  const char* name;
  const char* when;
  const char* var = "step";
};

// A policy of deny rules over plan.steps, one per StepRule.
std::string StepRules(std::initializer_list<StepRule> rules) {
  std::string text = "package p\n";
  for (const StepRule& r : rules) {
    absl::StrAppend(&text, "\nrule ", r.name, " {\n  deny\n  for ", r.var, " in plan.steps\n  when ", r.when, "\n}\n");
  }
  return text;
}

const std::string kGuarded = StepRules({
    {"by_action", R"(step.action == "http.post" && step.network.egress)"},
    {"by_verbs", R"(step.verb in ["delete", "patch"] && step.resource.namespace == "prod")"},
    {"by_kind", R"(step.resource.kind == "Secret")"},
    {"unguarded_or", R"(step.verb == "delete" || step.verb == "scale")"},
    {"unguarded_ne", R"(s.verb != "get")", "s"},
});

TEST_CASE("rule index: a guarded rule runs only on the steps its guard accepts") {
  auto policy = Compile(kGuarded);
  const ExecIndex& index = policy->program().index;
  const size_t by_action = RuleIndex(*policy, "by_action"), by_verbs = RuleIndex(*policy, "by_verbs"),
               by_kind = RuleIndex(*policy, "by_kind");
  REQUIRE(index.rule_guard[by_action] >= 0);
  REQUIRE(index.rule_guard[by_verbs] >= 0);
  REQUIRE(index.rule_guard[by_kind] >= 0);
  CHECK(index.guards[index.rule_guard[by_action]].field == RuleGuard::kAction);
  CHECK(index.guards[index.rule_guard[by_verbs]].values == std::vector<std::string>{"delete", "patch"});
  CHECK(index.guards[index.rule_guard[by_kind]].field == RuleGuard::kKind);
  // `||` and `!=` say nothing about the steps a rule can skip.
  CHECK(index.rule_guard[RuleIndex(*policy, "unguarded_or")] == -1);
  CHECK(index.rule_guard[RuleIndex(*policy, "unguarded_ne")] == -1);

  const Plan plan = MustPlan(R"({"steps": [
    {"id": "a", "action": "http.post", "verb": "post", "network": {"host": "x", "egress": true}},
    {"id": "b", "action": "kubectl.delete", "verb": "delete", "resource": {"kind": "Pod", "namespace": "prod"}},
    {"id": "c", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret", "namespace": "dev"}},
    {"id": "d", "action": "kubectl.patch", "verb": "patch", "resource": {"kind": "Pod", "namespace": "dev"}}]})");
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  CHECK(Fired(d) == std::vector<std::string>{"p.by_action@a", "p.by_verbs@b", "p.by_kind@c", "p.unguarded_or@b",
                                          "p.unguarded_ne@a", "p.unguarded_ne@b", "p.unguarded_ne@d"});
  // Work done only on the accepted steps: by_action's `when` ran on one
  // step of four, so it cost less than a rule that ran on all four.
  CHECK(stats.rule_costs[by_action] > 0);
  CHECK(stats.rule_costs[by_action] * 3 < stats.rule_costs[RuleIndex(*policy, "unguarded_ne")] * 2);

  // A plan none of whose steps a guard accepts: the rule does nothing.
  Decision none = EvaluateWithCost(*policy, MustPlan(R"({"steps": [{"id": "z", "verb": "get"}]})"), &stats);
  CHECK(none.violations.empty());
  CHECK(stats.rule_costs[by_action] == 0);
  CHECK(stats.rule_costs[by_kind] == 0);
}

// Steps `first`..`first + n - 1` of a plan cycling through kinds each guard
// of kGuarded accepts or not.
std::string GuardedPlan(int first, int n) {
  static const char* const kinds[] = {
      R"("action": "http.post", "verb": "post", "network": {"host": "x", "egress": true})",
      R"("action": "kubectl.delete", "verb": "delete", "resource": {"kind": "Pod", "namespace": "prod"})",
      R"("action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret", "namespace": "dev"})",
      R"("action": "kubectl.patch", "verb": "patch", "resource": {"kind": "Pod", "namespace": "prod"})",
      R"("action": "http.post", "verb": "post", "network": {"host": "x", "egress": false})"};
  std::string json = R"({"steps": [)";
  for (int i = first; i < first + n; ++i) {
    absl::StrAppend(&json, i > first ? ", " : "", R"({"id": "s)", i, R"(", )", kinds[(i * 7 + i / 3) % 5], "}");
  }
  return json + "]}";
}

// Plans of more than two steps test a native `when` on all steps at once
// (bitsets) and find the guards' steps from the steps' codes when every
// guard has a column; those of one step test step by step over the steps
// a hash lookup finds for the guard. Each step's work is its own in these
// policies, so the long plan's costs, findings and budget errors follow
// from the one-step plans'.
void CheckAgainstOneStepPlans(const std::string& text) {
  auto policy = Compile(text);
  const size_t num_rules = policy->program().rules.size();
  const int n = 70;  // past one 64-bit word
  std::vector<std::vector<uint64_t>> cost(num_rules, std::vector<uint64_t>(n));
  std::vector<std::vector<bool>> fired(num_rules, std::vector<bool>(n));
  for (int i = 0; i < n; ++i) {
    CostStats stats;
    Decision d = EvaluateWithCost(*policy, MustPlan(GuardedPlan(i, 1)), &stats);
    for (size_t r = 0; r < num_rules; ++r) cost[r][i] = stats.rule_costs[r];
    for (const Violation& v : d.violations) {
      for (size_t r = 0; r < num_rules; ++r) {
        if (v.rule == policy->program().rules[r].qualified) fired[r][i] = true;
      }
    }
  }
  const Plan plan = MustPlan(GuardedPlan(0, n));
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  std::vector<std::string> expected;
  for (size_t r = 0; r < num_rules; ++r) {
    uint64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      sum += cost[r][i];
      if (fired[r][i]) expected.push_back(absl::StrCat(policy->program().rules[r].qualified, "@s", i));
    }
    INFO(policy->program().rules[r].name);
    CHECK(stats.rule_costs[r] == sum);
  }
  CHECK(Fired(d) == expected);

  // Every budget up to the whole cost: the error names the rule and step
  // at which the running total first passes it.
  for (uint64_t budget = 0; budget < stats.total; budget += 7) {
    CompileOptions options;
    options.cost_budget = budget;
    auto limited = Compile(text, options);
    Decision out = Evaluate(*limited, plan);
    uint64_t total = 0;
    std::string where;
    for (size_t r = 0; r < num_rules && where.empty(); ++r) {
      for (int i = 0; i < n && where.empty(); ++i) {
        total += cost[r][i];
        if (total > budget) where = absl::StrCat(policy->program().rules[r].qualified, "@s", i);
      }
    }
    INFO("budget " << budget);
    REQUIRE(out.errors.size() == 1);
    CHECK(out.errors[0].rule + "@" + out.errors[0].step == where);
  }
}

// A guard shared by a rule with a native `when` and one without: the
// second takes its steps from the guard's bits too. A list in another
// order, with a repeat, is the same guard values: the guard has a column.
const std::string kGuardedMixed = StepRules({
    {"native", R"(step.action == "http.post" && step.network.egress)"},
    {"not_native", R"(step.action == "http.post" && step.network.host.startsWith("x"))"},
    {"verbs", R"(step.verb in ["patch", "delete", "patch"] && step.resource.namespace == "prod")"},
});

// A guard no predicate tests (the `when` is not native): hash lookups.
const std::string kGuardedNoColumn = StepRules({
    {"not_native", R"(step.action == "http.post" && step.network.host.startsWith("x"))"},
    {"kinds", R"(step.resource.kind == "Pod" && step.resource.name.size() >= 0)"},
});

TEST_CASE("rule index: with the `when` tested as bitsets, a guard still skips and charges as step by step") {
  CHECK(Compile(kGuarded)->program().index.guards_by_column);
  CheckAgainstOneStepPlans(kGuarded);
  CHECK(Compile(kGuardedMixed)->program().index.guards_by_column);
  CheckAgainstOneStepPlans(kGuardedMixed);
  CHECK(!Compile(kGuardedNoColumn)->program().index.guards_by_column);
  CheckAgainstOneStepPlans(kGuardedNoColumn);
}

TEST_CASE("step predicates: rules with the same `when` share one predicate and its bits") {
  const std::string rules = R"(package p
rule a {
  deny
  for step in plan.steps
  when step.verb in ["delete", "patch"] && step.resource.namespace == "prod"
}
rule c {
  deny
  for step in plan.steps
  when step.resource.namespace == "prod" && step.verb in ["delete", "patch"]
}
rule d {
  deny
  for step in plan.steps
  when step.verb in ["patch"] && step.resource.namespace == "prod"
}
// After c and d, so that a's bits are not simply the last ones made.
rule b {
  deny
  for s in plan.steps
  when s.verb in ["delete", "patch"] && s.resource.namespace == "prod"
  unless s.action == "kubectl.patch"
}
)";
  auto policy = Compile(rules);
  const ExecIndex& index = policy->program().index;
  const auto& compiled = policy->program().rules;
  auto when_pred = [&](const char* name) { return index.chunk_predicate[compiled[RuleIndex(*policy, name)].when_chunk]; };
  REQUIRE(when_pred("a") >= 0);
  CHECK(when_pred("b") == when_pred("a"));  // the loop variable's name does not matter
  CHECK(when_pred("c") != when_pred("a"));  // atoms in another order: another predicate
  CHECK(when_pred("d") != when_pred("a"));
  // Each rule reports and costs what it does alone.
  const Plan plan = MustPlan(GuardedPlan(0, 70));
  CostStats stats;
  Decision all = EvaluateWithCost(*policy, plan, &stats);
  for (const char* name : {"a", "b", "c", "d"}) {
    std::string alone = "package p\n";
    const size_t at = rules.find(absl::StrCat("rule ", name, " {"));
    alone += rules.substr(at, rules.find("}\n", at) + 2 - at);
    auto one = Compile(alone);
    CostStats one_stats;
    Decision d = EvaluateWithCost(*one, plan, &one_stats);
    std::vector<std::string> mine;
    for (const std::string& f : Fired(all)) {
      if (f.rfind(absl::StrCat("p.", name, "@"), 0) == 0) mine.push_back(f);
    }
    INFO(name);
    CHECK(Fired(d) == mine);
    CHECK(!mine.empty());
    CHECK(one_stats.total == stats.rule_costs[RuleIndex(*policy, name)]);
  }
}

TEST_CASE("shared conditions: the same condition in several rules, computed once per step") {
  auto policy = Compile(R"(package p
rule one {
  deny
  for step in plan.steps
  when step.resource.namespace != "a"
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule two {
  deny
  for step in plan.steps
  when step.resource.namespace != "b"
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule window {
  require_approval("sre")
  for step in plan.steps
  unless context.now.within("Mon-Fri 09:00-17:00", "UTC")
}
)");
  const ExecIndex& index = policy->program().index;
  const auto& rules = policy->program().rules;
  const int one = index.chunk_memo[rules[RuleIndex(*policy, "one")].unless_chunk];
  const int two = index.chunk_memo[rules[RuleIndex(*policy, "two")].unless_chunk];
  REQUIRE(one >= 0);
  CHECK(one == two);
  CHECK(index.memo_per_step[one]);
  // Different constants: different conditions, not shared.
  const int when_one = index.chunk_memo[rules[RuleIndex(*policy, "one")].when_chunk];
  CHECK((when_one == -1 || when_one != index.chunk_memo[rules[RuleIndex(*policy, "two")].when_chunk]));
  // A condition that does not read the step: once per evaluation.
  const int window = index.chunk_memo[rules[RuleIndex(*policy, "window")].unless_chunk];
  REQUIRE(window >= 0);
  CHECK(!index.memo_per_step[window]);

  const Plan plan = MustPlan(R"({"agent": {"grants": [{"namespaces": ["a", "b"]}]},
    "context": {"now": "2026-11-28T10:00:00Z"},
    "steps": [{"id": "s1", "resource": {"namespace": "a"}}, {"id": "s2", "resource": {"namespace": "c"}},
              {"id": "s3", "resource": {"namespace": "b"}}]})");
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  // 2026-11-28 is a Saturday: the window rule fires on every step.
  CHECK(Fired(d) == std::vector<std::string>{"p.one@s2", "p.two@s2", "p.window@s1", "p.window@s2", "p.window@s3"});
  // `two` reused `one`'s results for s2 and s3 (s1: `two`'s own `when`
  // decided), so it did less work than `one`.
  CHECK(stats.rule_costs[RuleIndex(*policy, "two")] < stats.rule_costs[RuleIndex(*policy, "one")]);
}

TEST_CASE("shared conditions: a step a known result excuses is skipped, but a `when` error still reports") {
  auto policy = Compile(R"(package p
rule first {
  deny
  for step in plan.steps
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule known {
  deny
  for step in plan.steps
  when step.resource.namespace != "z"
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule errs {
  deny
  for step in plan.steps
  when step.args.size > 1
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
  message "{step.id}"
}
rule open_a {
  deny
  for step in plan.steps
  unless context.now.within("Mon-Fri 09:00-17:00", "UTC")
}
rule open_b {
  deny
  for step in plan.steps
  when step.resource.namespace != "z"
  unless context.now.within("Mon-Fri 09:00-17:00", "UTC")
}
)");
  // A Friday morning: the window holds, once for the evaluation.
  const Plan plan = MustPlan(R"({"agent": {"grants": [{"namespaces": ["a"]}]},
    "context": {"now": "2026-11-27T10:00:00Z"},
    "steps": [{"id": "s1", "resource": {"namespace": "a"}, "args": {"size": "big"}},
              {"id": "s2", "resource": {"namespace": "c"}, "args": {"size": 2}}]})");
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  CHECK(Fired(d) == std::vector<std::string>{"p.first@s2", "p.known@s2", "p.errs@s2"});
  // s1 is excused by `first`'s result, but `errs` tests its `when` first: its error stands.
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].rule == "p.errs");
  CHECK(d.errors[0].step == "s1");
  // `known` paid for its own `when` predicate only (both steps), nothing for the shared `unless`.
  const auto& rules = policy->program().rules;
  const int when_pred = policy->program().index.chunk_predicate[rules[RuleIndex(*policy, "known")].when_chunk];
  REQUIRE(when_pred >= 0);
  CHECK(stats.rule_costs[RuleIndex(*policy, "known")] == 2 * policy->program().index.predicates[when_pred].cost);
  const int open_pred = policy->program().index.chunk_predicate[rules[RuleIndex(*policy, "open_b")].when_chunk];
  REQUIRE(open_pred >= 0);
  CHECK(stats.rule_costs[RuleIndex(*policy, "open_b")] == 2 * policy->program().index.predicates[open_pred].cost);
}

TEST_CASE("shared conditions keyed by the one field they read: shared between steps") {
  auto policy = Compile(R"(package p
rule scope {
  deny
  for step in plan.steps
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule two_fields {
  deny
  for step in plan.steps
  unless [step.resource.namespace, step.verb].exists(x, x == "a" || x == "b")
}
)");
  const ExecIndex& index = policy->program().index;
  const auto& rules = policy->program().rules;
  const int scope = index.chunk_memo[rules[RuleIndex(*policy, "scope")].unless_chunk];
  REQUIRE(scope >= 0);
  CHECK(index.memo_key[scope].depth == 2);
  // Two paths of the step: neither keyed nor shared (it is alone).
  CHECK(index.chunk_memo[rules[RuleIndex(*policy, "two_fields")].unless_chunk] == -1);

  auto plan_of = [](const char* a, const char* b, const char* c, const char* d) {
    return MustPlan(absl::StrCat(R"({"agent": {"grants": [{"namespaces": ["a", "b"]}]}, "steps": [)",
                                 R"({"id": "s1", "resource": {"namespace": ")", a, R"("}},)",
                                 R"({"id": "s2", "resource": {"namespace": ")", b, R"("}},)",
                                 R"({"id": "s3", "resource": {"namespace": ")", c, R"("}},)",
                                 R"({"id": "s4", "resource": {"namespace": ")", d, R"("}}]})"));
  };
  CHECK(Fired(Evaluate(*policy, plan_of("a", "c", "c", "a"))) ==
        std::vector<std::string>{"p.scope@s2", "p.scope@s3", "p.two_fields@s2", "p.two_fields@s3"});
  // One namespace: one run of `scope`'s condition; four namespaces, four
  // runs of the same cost (none is granted: every grant's list is walked).
  CostStats one_cost, four_cost;
  const std::vector<std::string> all{"p.scope@s1",      "p.scope@s2",      "p.scope@s3",      "p.scope@s4",
                                     "p.two_fields@s1", "p.two_fields@s2", "p.two_fields@s3", "p.two_fields@s4"};
  CHECK(Fired(EvaluateWithCost(*policy, plan_of("c", "c", "c", "c"), &one_cost)) == all);
  CHECK(Fired(EvaluateWithCost(*policy, plan_of("c", "d", "e", "f"), &four_cost)) == all);
  const size_t r = RuleIndex(*policy, "scope");
  CHECK(one_cost.rule_costs[r] > 0);
  CHECK(one_cost.rule_costs[r] * 4 == four_cost.rule_costs[r]);
  // Nothing is kept for the next evaluation.
  CHECK(Fired(Evaluate(*policy, plan_of("c", "a", "b", "d"))) ==
        std::vector<std::string>{"p.scope@s1", "p.scope@s4", "p.two_fields@s1", "p.two_fields@s4"});
}

TEST_CASE("plan functions: results kept per step for one evaluation, never for the next") {
  // Two rules ask for the same upstream() and before(): computed once per
  // step, and the thread's storage must not carry them to another plan.
  auto policy = Compile(R"(package p
rule secret_out {
  deny
  for step in plan.steps
  when step.network.egress
  unless !step.upstream().exists(s, s.resource.kind == "Secret")
  message "{step.id} after {step.before().map(s, s.id)} from {step.upstream().map(s, s.id)}"
}
rule secret_out_again {
  deny
  for step in plan.steps
  when step.network.egress && step.upstream().exists(s, s.resource.kind == "Secret")
}
)");
  const char* kSteps = R"("steps": [{"id": "a", "resource": {"kind": "Secret"}}, {"id": "b", "resource": {"kind": "ConfigMap"}},
    {"id": "c", "inputs": [%s], "network": {"egress": true}}])";
  auto plan_with = [&](const char* inputs, const char* extra = "") {
    char steps[512];
    std::snprintf(steps, sizeof steps, kSteps, inputs);
    return MustPlan(std::string("{") + extra + steps + "}");
  };
  const Plan from_a = plan_with(R"("a")"), from_b = plan_with(R"("b")");
  for (int round = 0; round < 2; ++round) {
    Decision d = Evaluate(*policy, from_a);
    CHECK(Fired(d) == std::vector<std::string>{"p.secret_out@c", "p.secret_out_again@c"});
    REQUIRE(!d.violations.empty());
    CHECK(d.violations[0].message == R"(c after ["a", "b"] from ["a"])");
    // Same step ids, other edges: nothing of the previous plan remains.
    CHECK(Fired(Evaluate(*policy, from_b)).empty());
  }
}

TEST_CASE("message parts that read a field path of the element: read directly, same text") {
  auto policy = Compile(R"(package p
rule direct {
  deny
  for step in plan.steps
  message "{step.id} in {step.resource.namespace}: {step.network.egress}, {step.network.port}"
}
rule computed {
  deny
  for step in plan.steps
  message "{step.id + ''} in {step.resource.namespace + ''}"
}
rule on_maps {
  deny
  for x in [{"a": "one"}, {"b": 2}]
  message "{x.a}"
}
)");
  const ExecIndex& index = policy->program().index;
  const auto& rules = policy->program().rules;
  for (const auto& part : rules[RuleIndex(*policy, "direct")].message) {
    if (part.chunk >= 0) CHECK(index.part_read[part.chunk] >= 0);
  }
  for (const auto& part : rules[RuleIndex(*policy, "computed")].message) {
    if (part.chunk >= 0) CHECK(index.part_read[part.chunk] == -1);
  }
  const Plan plan = MustPlan(R"({"steps": [{"id": "s1", "resource": {"namespace": "pay"}},
    {"id": "s2", "network": {"egress": true, "port": 443}}]})");
  Decision d = Evaluate(*policy, plan);
  CHECK(Messages(d) == std::vector<std::string>{
                        "s1 in pay: false, 0", "s2 in : true, 443", "s1 in pay", "s2 in ",
                        // Not a message: the chunk runs (map selection, and its error in place).
                        "one", "<error: no such key: a>"});
}

TEST_CASE("messages written in place: the same text, charged as their chunks; a step's id kept once") {
  auto policy = Compile(R"(package p
rule direct {
  deny
  for step in plan.steps
  message "{step.id} in {step.resource.namespace}"
}
rule many_parts {
  deny
  for step in plan.steps
  message "{step.id}{step.id}{step.id}{step.id}{step.id}{step.id}{step.id}{step.id}{step.id}"
}
rule plain {
  deny
  for step in plan.steps
  message "fixed"
}
)");
  const Plan plan = MustPlan(R"({"steps": [{"id": "s1", "resource": {"namespace": "pay"}}, {"id": "s2"}]})");
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  CHECK(Messages(d) == std::vector<std::string>{"s1 in pay", "s2 in ", "s1s1s1s1s1s1s1s1s1", "s2s2s2s2s2s2s2s2s2",
                                             "fixed", "fixed"});
  // Each part that reads a field costs its chunk's length, per finding,
  // whether the message is written in place (direct) or built (many_parts).
  auto part_cost = [&](const std::string& rule) {
    uint64_t cost = 0;
    for (const auto& part : policy->program().rules[RuleIndex(*policy, rule)].message) {
      if (part.chunk >= 0) cost += policy->program().chunks[part.chunk].code_size;
    }
    return cost;
  };
  const uint64_t plain = stats.rule_costs[RuleIndex(*policy, "plain")];
  CHECK(stats.rule_costs[RuleIndex(*policy, "direct")] == plain + 2 * part_cost("direct"));
  CHECK(stats.rule_costs[RuleIndex(*policy, "many_parts")] == plain + 2 * part_cost("many_parts"));
  // Every finding on a step names it through the same kept text.
  CHECK(d.violations[0].step == "s1");
  CHECK(d.violations[2].step.data() == d.violations[0].step.data());
  CHECK(d.violations[4].step.data() == d.violations[0].step.data());
  CHECK(d.violations[5].step == "s2");
  CHECK(d.violations[5].step.data() == d.violations[1].step.data());
}

TEST_CASE("messages of the same shape: written once per step, shared, charged per finding") {
  const std::string rules = R"(
rule a {
  deny
  for step in plan.steps
  message "step {step.id} touches {step.resource.namespace}"
}
rule other_text {
  deny
  for step in plan.steps
  message "step {step.id} reaches {step.resource.namespace}"
}
rule other_field {
  deny
  for step in plan.steps
  message "step {step.id} touches {step.resource.name}"
}
rule not_a_string {
  deny
  for step in plan.steps
  message "step {step.id} touches {step.index}"
}
)";
  const std::string b = R"(
rule b {
  warn
  for step in plan.steps
  when step.verb != "get"
  message "step {step.id} touches {step.resource.namespace}"
}
)";
  auto policy = Compile("package p\n" + rules + b);
  const ExecIndex& x = policy->program().index;
  const size_t a = RuleIndex(*policy, "a"), rb = RuleIndex(*policy, "b");
  CHECK(x.message_shape[a] >= 0);
  CHECK(x.message_shape[rb] == x.message_shape[a]);
  CHECK(x.message_shape[RuleIndex(*policy, "other_text")] != x.message_shape[a]);
  CHECK(x.message_shape[RuleIndex(*policy, "other_field")] != x.message_shape[a]);
  // {step.index} is an int: written the general way at run time, never shared.
  CHECK(x.message_shape[RuleIndex(*policy, "not_a_string")] != x.message_shape[a]);

  const Plan plan = MustPlan(R"({"steps": [
    {"id": "s1", "verb": "delete", "resource": {"namespace": "pay", "name": "db"}},
    {"id": "s2", "verb": "get", "resource": {"namespace": "ops"}},
    {"id": "s3", "verb": "patch"}]})");
  CostStats stats;
  Decision d = EvaluateWithCost(*policy, plan, &stats);
  CHECK(Messages(d) == std::vector<std::string>{
                           "step s1 touches pay", "step s2 touches ops", "step s3 touches ",
                           "step s1 reaches pay", "step s2 reaches ops", "step s3 reaches ",
                           "step s1 touches db", "step s2 touches ", "step s3 touches ",
                           "step s1 touches 0", "step s2 touches 1", "step s3 touches 2"});
  // b's findings (warnings) point at the text a's wrote for the same step.
  REQUIRE(d.warnings.size() == 2);
  CHECK(d.warnings[0].message.data() == d.violations[0].message.data());
  CHECK(d.warnings[1].message.data() == d.violations[2].message.data());
  CHECK(d.violations[3].message.data() != d.violations[0].message.data());

  // Charged as if b wrote its messages itself: b alone costs the same.
  auto alone = Compile("package p\n" + b);
  CostStats alone_stats;
  Decision da = EvaluateWithCost(*alone, plan, &alone_stats);
  CHECK(da.warnings.size() == 2);
  CHECK(stats.rule_costs[rb] == alone_stats.rule_costs[0]);

  // The next evaluation writes its own text (the shared views are not kept).
  Decision again = Evaluate(*policy, plan);
  CHECK(Messages(again) == Messages(d));
  CHECK(again.warnings[0].message.data() == again.violations[0].message.data());
  CHECK(again.violations[0].message.data() != d.violations[0].message.data());
}

TEST_CASE("prepared calls: constant CIDR lists and windows parsed once, same results and errors") {
  auto policy = Compile(R"(package p
rule internal {
  deny
  for step in plan.steps
  when step.network.ip != ""
  unless step.network.ip.in_cidr(["10.0.0.0/8", "fd00::/8"])
}
rule hours {
  deny
  for step in plan.steps
  when step.starts_at.within("Mon-Fri 09:00-17:00", "Europe/Berlin")
}
)");
  CHECK(policy->program().index.prepared.size() == 2);
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": [
    {"id": "in4", "network": {"ip": "10.1.2.3"}, "starts_at": "2026-11-28T10:00:00Z"},
    {"id": "in6", "network": {"ip": "fd00::1"}, "starts_at": "2026-11-27T10:00:00Z"},
    {"id": "out", "network": {"ip": "8.8.8.8"}},
    {"id": "bad", "network": {"ip": "10.1.2"}}]})"));
  CHECK(Fired(d) == std::vector<std::string>{"p.internal@out", "p.hours@in6"});
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].step == "bad");
  CHECK(d.errors[0].message == "invalid IP address `10.1.2`");
}

TEST_CASE("prepared calls: in_cidr reuses a parsed address only for the same text") {
  // Strings made during the evaluation: each is freed before the next is
  // made, often at the same address, with other text.
  auto made = EvaluateExpression(
      R"([0, 1, 0, 1, 2].map(i, ["10.0.0.1", "11.0.0.1", "10.0.0.x"][i] + "").map(a, isIP(a) && a.in_cidr(["10.0.0.0/8"])))",
      nullptr);
  INFO(made.status());
  REQUIRE(made.ok());
  CHECK(made->DebugString() == "[true, false, true, false, false]");
  auto built = EvaluateExpression(R"([0, 1, 0, 1].map(i, ("1" + string(i) + ".0.0.1").in_cidr(["10.0.0.0/8"])))", nullptr);
  REQUIRE(built.ok());
  CHECK(built->DebugString() == "[true, false, true, false]");
  // Plans one after another (the next often where the last one was), with
  // addresses of the same length in and out of the block, and invalid.
  auto policy = Compile(R"(package p
rule internal {
  deny
  for step in plan.steps
  unless step.network.ip.in_cidr(["10.0.0.0/8"])
}
)");
  const char* ips[] = {"10.0.0.1", "11.0.0.1", "10.0.0.2", "10.0.0.x", "::ffff:10.0.0.1", "::ffff:11.0.0.1"};
  for (int round = 0; round < 60; ++round) {
    const std::string ip = ips[(round * 5) % 6];
    const Plan plan = MustPlan(absl::StrCat(R"({"steps": [{"id": "s", "network": {"ip": ")", ip, R"("}}]})"));
    Decision d = Evaluate(*policy, plan);
    INFO(ip);
    if (ip == "10.0.0.x") {
      REQUIRE(d.errors.size() == 1);
      CHECK(d.errors[0].message == "invalid IP address `10.0.0.x`");
    } else {
      CHECK(d.errors.empty());
      CHECK(d.violations.size() == (ip.find("11.") != std::string::npos ? 1u : 0u));
    }
  }
}

TEST_CASE("prepared calls: a constant glob is classified or compiled once, same results and errors") {
  auto policy = Compile(R"(package p
rule mesh {
  deny
  for step in plan.steps
  when step.network.host != ""
  unless step.network.host.glob("*.svc.cluster.local") || step.network.host.glob("api.[ab]*.example")
}
)");
  CHECK(policy->program().index.prepared.size() == 2);
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": [
    {"id": "svc", "network": {"host": "web.pay.svc.cluster.local"}},
    {"id": "slash", "network": {"host": "web/pay.svc.cluster.local"}},
    {"id": "api", "network": {"host": "api.b1.example"}},
    {"id": "out", "network": {"host": "api.c1.example"}}]})"));
  CHECK(Fired(d) == std::vector<std::string>{"p.mesh@slash", "p.mesh@out"});
}

// An expression over the variables `patterns` (a list) and `text`, run
// with its superinstructions or as compiled (every Chunk::exec_begin -1:
// the VM then runs Program::code), on a budget.
class FusedAndPlain {
 public:
  explicit FusedAndPlain(const std::string& text) {
    auto source = std::make_shared<SourceFile>("<t>", text);
    Diagnostics diags;
    ExprPtr expr = ParseExpression(*source, diags);
    REQUIRE(expr);
    ExpressionEnv env;
    env.variables = {{"patterns", Type::List(Type::Dyn())}, {"text", Type::Dyn()}};
    REQUIRE(CheckExpression(*expr, *source, diags, env));
    program_ = CompileExpression(*expr, source, diags);
    INFO(diags.Format());
    REQUIRE(program_);
  }
  // How many ops of the runnable code are `op`.
  int Count(FusedOp op) const {
    int n = 0;
    for (const Instr& in : program_->exec) n += in.op == AsOp(op);
    return n;
  }
  // The value, cost and longest list of one run.
  std::string Run(const Value& patterns, const Value& text, bool fused, uint64_t budget) {
    std::vector<int64_t> exec_begin;
    for (Chunk& chunk : program_->chunks) {
      exec_begin.push_back(chunk.exec_begin);
      if (!fused) chunk.exec_begin = -1;
    }
    EvalContext ctx;
    ctx.program = program_.get();
    ctx.variables = {patterns, text};
    ctx.budget = budget;
    ctx.ReserveStack(*program_);
    Frame frame;
    frame.Reset(program_->chunks[0].num_slots);
    const Value v = RunChunk(ctx, 0, frame);
    for (size_t c = 0; c < exec_begin.size(); ++c) program_->chunks[c].exec_begin = exec_begin[c];
    return absl::StrCat(v.DebugString(), " cost ", ctx.cost, " n ", ctx.max_len);
  }

 private:
  std::unique_ptr<Program> program_;
};

TEST_CASE("superinstructions: `list.exists(x, f(x, y))` loops in one dispatch, with the loop's results and cost") {
  // Literal, star and compiled patterns, invalid ones (globs and regexes),
  // non-strings; a second argument that is not a string or is an error;
  // budgets that run out before, in and after the loop (the fused loop
  // then runs as written).
  const std::vector<Value> pool = {
      Value::String("payments"), Value::String("pay*"),  Value::String("*ments"), Value::String("**"),
      Value::String("p?y*"),     Value::String("[pq]ay*"), Value::String("search"), Value::String(""),
      Value::String("a/*"),      Value::String("["),       Value::String("a\\"),  Value::String("pay"),
      Value::String("(a"),       Value::Int(3),            Value::Bool(true)};
  const std::vector<Value> texts = {Value::String("payments"), Value::String("pay"),  Value::String(""),
                                    Value::String("a/b"),      Value::String("qay1"), Value::String("search"),
                                    Value::Int(7),             Value::Error("boom")};
  const std::vector<std::pair<const char*, FusedOp>> loops = {
      {"patterns.exists(p, text.glob(p))", FusedOp::EXISTS_GLOB},
      {"[text, 'x'].exists(t, patterns.exists(p, t.glob(p)))", FusedOp::EXISTS_GLOB},
      {"patterns.exists(p, text.glob(p)) || patterns.size() > 2", FusedOp::EXISTS_GLOB},
      {"patterns.exists(p, p.glob(text))", FusedOp::EXISTS_CALL},
      {"patterns.exists(p, text.startsWith(p))", FusedOp::EXISTS_CALL},
      {"patterns.exists(p, p.startsWith(text))", FusedOp::EXISTS_CALL},
      {"patterns.exists(p, text.matches(p))", FusedOp::EXISTS_CALL}};
  for (const auto& [expr, op] : loops) {
    FusedAndPlain program(expr);
    INFO(expr);
    REQUIRE(program.Count(op) == 1);
    std::mt19937 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<Value> elems(rng() % 7);
      for (Value& e : elems) e = pool[rng() % pool.size()];
      const Value patterns = Value::List(elems);
      const Value& text = texts[rng() % texts.size()];
      const std::string full = program.Run(patterns, text, false, UINT64_MAX);
      INFO(patterns.DebugString() << " " << text.DebugString() << " -> " << full);
      REQUIRE(program.Run(patterns, text, true, UINT64_MAX) == full);
      const uint64_t budget = rng() % 60;
      REQUIRE(program.Run(patterns, text, true, budget) == program.Run(patterns, text, false, budget));
    }
  }
  // Left as written: a second argument that changes with the loop, a body
  // that is more than the call, other macros, a call charged by the size
  // of its arguments.
  for (const char* expr : {"patterns.exists(p, p.glob(p))", "patterns.exists(p, text.glob(p + ''))",
                           "patterns.all(p, text.glob(p))", "patterns.exists(p, text.in_cidr(p))"}) {
    INFO(expr);
    FusedAndPlain program(expr);
    CHECK(program.Count(FusedOp::EXISTS_GLOB) + program.Count(FusedOp::EXISTS_CALL) == 0);
  }
}

TEST_CASE("superinstructions: fused loops reading a rule's let or the step, with the findings of loops as written") {
  // The `plain` twins defeat the fusion (`p + ""`); the lets are read
  // first by the `when` (ready) or only by the `unless` (not yet).
  const std::string rules = R"(
rule fused_let {
  deny
  for step in plan.steps
  let ns = step.resource.kind == "Namespace" ? step.resource.name : step.resource.namespace
  when ns != ""
  unless agent.grants.exists(g, g.namespaces.exists(p, ns.glob(p)))
  message "{step.id} {ns}"
}
rule plain_let {
  deny
  for step in plan.steps
  let ns = step.resource.kind == "Namespace" ? step.resource.name : step.resource.namespace
  when ns != ""
  unless agent.grants.exists(g, g.namespaces.exists(p, ns.glob(p + "")))
  message "{step.id} {ns}"
}
rule fused_unready {
  deny
  for step in plan.steps
  let action = step.action
  unless ["kubectl.*", "helm.*"].exists(p, action.glob(p))
  message "m {step.id}"
}
rule plain_unready {
  deny
  for step in plan.steps
  let action = step.action
  unless ["kubectl.*", "helm.*"].exists(p, action.glob(p + ""))
  message "m {step.id}"
}
rule fused_field {
  deny
  for step in plan.steps
  when agent.grants.exists(g, g.actions.exists(p, step.action.glob(p)))
  message "m {step.id}"
}
rule plain_field {
  deny
  for step in plan.steps
  when agent.grants.exists(g, g.actions.exists(p, step.action.glob(p + "")))
  message "m {step.id}"
}
rule fused_covers {
  deny
  for step in plan.steps
  unless agent.grants.exists(g, g.covers(step))
  message "m {step.id}"
}
rule plain_covers {
  deny
  for step in plan.steps
  unless agent.grants.exists(g, g.covers(step) == true)
  message "m {step.id}"
}
)";
  auto policy = Compile("package p\n" + rules);
  CHECK(policy->program().index.exists_loops.size() == 4);
  const Plan plan = MustPlan(R"({
    "agent": {"id": "a", "grants": [
      {"id": "g1", "actions": ["kubectl.get"], "namespaces": ["pay*", "search"]},
      {"id": "g2", "actions": ["helm.*", "["], "namespaces": ["[", "ledger"]}]},
    "steps": [
      {"id": "s1", "action": "kubectl.get", "resource": {"kind": "Pod", "namespace": "payments"}},
      {"id": "s2", "action": "helm.install", "resource": {"kind": "Namespace", "name": "search"}},
      {"id": "s3", "action": "kubectl.apply", "resource": {"kind": "Pod", "namespace": "ledger"}},
      {"id": "s4", "action": "curl", "resource": {"kind": "Pod", "namespace": "web"}},
      {"id": "s5", "action": "kubectl.get", "resource": {"kind": "Pod"}}]})");
  CostStats stats;
  const Decision d = EvaluateWithCost(*policy, plan, &stats);
  // Each fused rule reports what its plain twin does (the fired steps,
  // messages and errors).
  std::map<std::string, std::vector<std::string>> by_rule;
  for (const Violation& v : d.violations) {
    by_rule[std::string(v.rule)].push_back(std::string(v.step) + ": " + std::string(v.message));
  }
  for (const EvalError& e : d.errors) {
    by_rule[std::string(e.rule)].push_back(std::string(e.step) + ": error " + std::string(e.message));
  }
  for (const std::string name : {"let", "unready", "field", "covers"}) {
    INFO(name);
    CHECK(by_rule["p.fused_" + name] == by_rule["p.plain_" + name]);
  }
  // s3: g2's "[" is an error, but its "ledger" holds; s4: nothing holds.
  CHECK(by_rule["p.fused_let"] == std::vector<std::string>{"s4: error invalid glob `[`: unterminated `[` at offset 0"});
  CHECK(by_rule["p.fused_unready"] == std::vector<std::string>{"s4: m s4"});
  // covers(): no grant lists resources, so none covers a step with a kind;
  // g2's "[" is an error unless "helm.*" matched first (s2).
  const std::string bad = ": error covers(): grant actions: invalid glob `[`: unterminated `[` at offset 0";
  CHECK(by_rule["p.fused_covers"] == std::vector<std::string>{"s2: m s2", "s1" + bad, "s3" + bad, "s4" + bad, "s5" + bad});
  CHECK(by_rule["p.fused_field"] ==
        std::vector<std::string>{"s1: m s1", "s2: m s2", "s5: m s5", "s3: error invalid glob `[`: unterminated `[` at offset 0",
                                 "s4: error invalid glob `[`: unterminated `[` at offset 0"});
}

TEST_CASE("superinstructions: `list.exists(x, p)` with p a step predicate, the loop's results, errors and cost") {
  // `&&`, `||` and `in` bodies deciding at every atom. Not fused: a list
  // of dyn (its fields are looked up by name; the element that is not a
  // step makes an error the loop reports or absorbs), a body with a call.
  const std::string text = R"(package p
rule secret_upstream {
  deny
  for step in plan.steps
  when step.network.egress
  unless !step.upstream().exists(s, s.resource.kind == "Secret" && s.resource.namespace == "search")
}
rule backed_or_egress {
  warn
  for step in plan.steps
  when step.before().exists(s, s.action == "velero.backup" || s.network.egress || s.verb in ["scale", "drain"])
}
rule three {
  deny
  for step in plan.steps
  when plan.steps.exists(s, s.verb in ["delete", "patch"] && s.resource.namespace != "" && s.action != "kubectl.patch")
}
rule mixed {
  deny
  for step in plan.steps
  when [1, step].exists(s, s.action == "http.post")
}
rule mixed_false {
  deny
  for step in plan.steps
  when [step, 2].exists(s, s.action == "nothing")
}
rule with_call {
  deny
  for step in plan.steps
  when step.before().exists(s, s.network.host.glob("*.example"))
}
)";
  // The same policy run as compiled: no superinstructions at all.
  auto plain = [&](const CompileOptions& options) {
    auto policy = Compile(text, options);
    for (Chunk& chunk : const_cast<Program&>(policy->program()).chunks) chunk.exec_begin = -1;
    return policy;
  };
  auto fused = Compile(text);
  int loops = 0;
  for (const Instr& in : fused->program().exec) loops += in.op == AsOp(FusedOp::EXISTS_PRED);
  CHECK(loops == 3);

  const Plan plan = MustPlan(R"({"steps": [
    {"id": "read", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret", "namespace": "search"}},
    {"id": "other", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret", "namespace": "web"}},
    {"id": "send", "action": "http.post", "inputs": ["read"], "network": {"egress": true, "host": "a.example"}},
    {"id": "send2", "action": "http.post", "inputs": ["other"], "network": {"egress": true, "host": "b.example"}},
    {"id": "scale", "action": "kubectl.scale", "verb": "scale", "resource": {"namespace": "web"}},
    {"id": "del", "action": "kubectl.delete", "verb": "delete", "resource": {"namespace": "web"}},
    {"id": "backup", "action": "velero.backup", "verb": "backup"},
    {"id": "patch", "action": "kubectl.patch", "verb": "patch", "resource": {"namespace": ""}}]})");
  auto report = [](const Decision& d, const CostStats& stats) {
    std::vector<std::string> out;
    for (const Violation& v : d.violations) out.push_back("deny " + std::string(v.rule) + "@" + std::string(v.step));
    for (const Violation& v : d.warnings) out.push_back("warn " + std::string(v.rule) + "@" + std::string(v.step));
    for (const EvalError& e : d.errors) out.push_back(absl::StrCat("error ", e.rule, "@", e.step, ": ", e.message));
    out.push_back(absl::StrCat("cost ", absl::StrJoin(stats.rule_costs, ","), " n ", stats.n));
    return out;
  };
  CostStats fs, ps;
  const std::vector<std::string> with_fused = report(EvaluateWithCost(*fused, plan, &fs), fs);
  const std::vector<std::string> as_compiled = report(EvaluateWithCost(*plain({}), plan, &ps), ps);
  CHECK(with_fused == as_compiled);
  CHECK(std::count(with_fused.begin(), with_fused.end(), "deny p.secret_upstream@send") == 1);
  CHECK(std::count(with_fused.begin(), with_fused.end(), "deny p.three@read") == 1);
  CHECK(std::count(with_fused.begin(), with_fused.end(), "deny p.mixed@send") == 1);
  CHECK(std::count(with_fused.begin(), with_fused.end(), "warn p.backed_or_egress@backup") == 1);
  // The budget runs out where the loops as written run it out.
  for (uint64_t budget = 1; budget <= fs.total + 1; budget += 5) {
    CompileOptions options;
    options.cost_budget = budget;
    CostStats a, b;
    INFO("budget " << budget);
    CHECK(report(EvaluateWithCost(*Compile(text, options), plan, &a), a) ==
          report(EvaluateWithCost(*plain(options), plan, &b), b));
  }
}

TEST_CASE("step predicates: simple conditions tested without the VM, with the VM's results") {
  // Each `fast` rule has a predicate; its `slow` twin computes the same
  // condition through a let (which no analysis looks into).
  auto policy = Compile(R"(package p
rule fast_and {
  deny
  for step in plan.steps
  when step.resource.namespace != "" && step.verb in ["delete", "patch"] && step.network.egress == false
}
rule slow_and {
  deny
  for step in plan.steps
  let c = step.resource.namespace != "" && step.verb in ["delete", "patch"] && step.network.egress == false
  when c
}
rule fast_or {
  deny
  for step in plan.steps
  when step.network.egress || step.resource.kind == "Secret" || step.action != "kubectl.get"
}
rule slow_or {
  deny
  for step in plan.steps
  let c = step.network.egress || step.resource.kind == "Secret" || step.action != "kubectl.get"
  when c
}
)");
  const ExecIndex& index = policy->program().index;
  const auto& rules = policy->program().rules;
  CHECK(index.chunk_predicate[rules[RuleIndex(*policy, "fast_or")].when_chunk] >= 0);
  CHECK(index.chunk_predicate[rules[RuleIndex(*policy, "slow_or")].when_chunk] == -1);
  // `== false` compares a bool with a constant: not a string comparison.
  CHECK(index.chunk_predicate[rules[RuleIndex(*policy, "fast_and")].when_chunk] == -1);

  const Plan plan = MustPlan(R"({"steps": [
    {"id": "a", "action": "kubectl.get", "verb": "get"},
    {"id": "b", "action": "kubectl.delete", "verb": "delete", "resource": {"namespace": "x"}},
    {"id": "c", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret"}},
    {"id": "d", "action": "http.post", "network": {"egress": true}},
    {"id": "e", "action": "kubectl.get", "verb": "patch", "resource": {"namespace": "y"}}]})");
  Decision d = Evaluate(*policy, plan);
  std::vector<std::string> fast_and, slow_and, fast_or, slow_or;
  for (const Violation& v : d.violations) {
    if (v.rule == "p.fast_and") fast_and.emplace_back(v.step);
    if (v.rule == "p.slow_and") slow_and.emplace_back(v.step);
    if (v.rule == "p.fast_or") fast_or.emplace_back(v.step);
    if (v.rule == "p.slow_or") slow_or.emplace_back(v.step);
  }
  CHECK(fast_and == std::vector<std::string>{"b", "e"});
  CHECK(fast_and == slow_and);
  CHECK(fast_or == std::vector<std::string>{"b", "c", "d"});
  CHECK(fast_or == slow_or);
}

TEST_CASE("step predicates with calls: in_cidr and glob on a field tested without the VM, with its results and cost") {
  // `fast` conditions are predicates with calls; each `slow` twin computes
  // the same through a let. Five blocks: the list the VM would charge
  // and note is longer than the plans.
  const std::string text = R"(package p
rule fast_or {
  deny
  for step in plan.steps
  unless step.network.ip.in_cidr(["10.0.0.0/8", "fd00::/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])
      || step.network.host.glob("*.svc.cluster.local")
}
rule slow_or {
  deny
  for step in plan.steps
  let c = step.network.ip.in_cidr(["10.0.0.0/8", "fd00::/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])
      || step.network.host.glob("*.svc.cluster.local")
  unless c
}
rule fast_and {
  deny
  for step in plan.steps
  when step.network.host.glob("api.[ab]*.example") && step.network.ip.in_cidr("10.0.0.0/8")
}
rule slow_and {
  deny
  for step in plan.steps
  let c = step.network.host.glob("api.[ab]*.example") && step.network.ip.in_cidr("10.0.0.0/8")
  when c
}
)";
  auto policy = Compile(text);
  const ExecIndex& index = policy->program().index;
  const auto& rules = policy->program().rules;
  const int fast_or = rules[RuleIndex(*policy, "fast_or")].unless_chunk;
  const int fast_and = rules[RuleIndex(*policy, "fast_and")].when_chunk;
  REQUIRE(index.chunk_predicate[fast_or] >= 0);
  REQUIRE(index.chunk_predicate[fast_and] >= 0);
  CHECK(index.predicates[index.chunk_predicate[fast_or]].calls);
  CHECK(index.predicates[index.chunk_predicate[fast_or]].noted == 5);
  // Never tested on the steps' codes: a call has no column.
  CHECK(index.chunk_coded_predicate[fast_or] == -1);
  CHECK(index.chunk_coded_predicate[fast_and] == -1);
  CHECK(index.chunk_predicate[rules[RuleIndex(*policy, "slow_or")].unless_chunk] == -1);

  // Plans of one step and of several (with the steps' codes): in and out
  // of the blocks, matching the globs or not, an invalid address (the
  // VM's error), no network (the VM reads "", an invalid address).
  const Plan plan = MustPlan(R"({"steps": [
    {"id": "in4", "network": {"ip": "10.1.2.3", "host": "api.a1.example"}},
    {"id": "in6", "network": {"ip": "fd00::1", "host": "x.example"}},
    {"id": "svc", "network": {"ip": "8.8.8.8", "host": "web.pay.svc.cluster.local"}},
    {"id": "out", "network": {"ip": "8.8.4.4", "host": "api.b2.example"}},
    {"id": "cgnat", "network": {"ip": "100.64.1.1", "host": "api.c.example"}},
    {"id": "bad", "network": {"ip": "10.1.2", "host": "api.a.example"}},
    {"id": "none"}]})");
  auto by_rule = [](const Decision& d) {
    std::map<std::string, std::vector<std::string>> out;
    for (const std::string& f : Fired(d)) out[f.substr(0, f.find('@'))].push_back(f.substr(f.find('@') + 1));
    for (const EvalError& e : d.errors) out[e.rule].push_back("error " + e.step + ": " + e.message);
    for (auto& [rule, steps] : out) std::sort(steps.begin(), steps.end());
    return out;
  };
  for (const Plan& p : {plan, MustPlan(R"({"steps": [{"id": "bad", "network": {"ip": "10.0.0.x", "host": "h"}}]})")}) {
    auto fired = by_rule(Evaluate(*policy, p));
    CHECK(fired["p.fast_or"] == fired["p.slow_or"]);
    CHECK(fired["p.fast_and"] == fired["p.slow_and"]);
    CHECK(!fired["p.fast_or"].empty());
  }
  auto fired = by_rule(Evaluate(*policy, plan));
  CHECK(fired["p.fast_or"] == std::vector<std::string>{"error bad: invalid IP address `10.1.2`",
                                                         "error none: invalid IP address ``", "out"});
  CHECK(fired["p.fast_and"] == std::vector<std::string>{"error bad: invalid IP address `10.1.2`", "in4"});

  // Charged and noted what the chunk charges when it runs through (out of
  // every block, `||`'s glob false, `&&`'s glob true), against the same
  // policy with its predicates taken away.
  auto vm_only = Compile(text);
  const_cast<ExecIndex&>(vm_only->program().index).chunk_predicate.assign(vm_only->program().chunks.size(), -1);
  const Plan out = MustPlan(R"({"steps": [{"id": "a", "network": {"ip": "8.8.8.8", "host": "api.a1.example"}},
    {"id": "b", "network": {"ip": "9.9.9.9", "host": "api.b1.example"}}]})");
  CostStats fast_stats, vm_stats;
  Decision fd = EvaluateWithCost(*policy, out, &fast_stats);
  Decision vd = EvaluateWithCost(*vm_only, out, &vm_stats);
  CHECK(Fired(fd) == Fired(vd));
  CHECK(Fired(fd).size() == 4);  // fast_or and slow_or on both steps
  CHECK(fast_stats.rule_costs == vm_stats.rule_costs);
  CHECK(vm_stats.n == 5);
  // The list's length noted by the predicate alone (no twin to note it).
  const std::string fast_only = text.substr(0, text.find("rule slow_or"));
  CostStats alone;
  EvaluateWithCost(*Compile(fast_only), out, &alone);
  CHECK(alone.n == 5);
}

TEST_CASE("step predicate columns: the steps' codes give the plan's results, scanned or hashed") {
  // Ten namespaces: that column's strings are looked up in a table; the
  // verbs' column has few and is scanned. Each `fast` rule has a `slow`
  // twin that computes its condition through a let.
  auto policy = Compile(R"(package p
rule fast_many {
  deny
  for step in plan.steps
  when step.resource.namespace in ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"] && step.verb != "get"
}
rule slow_many {
  deny
  for step in plan.steps
  let c = step.resource.namespace in ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"] && step.verb != "get"
  when c
}
rule fast_same {
  deny
  for step in plan.steps
  when step.resource.namespace == "n3" || step.verb == "delete" || step.network.egress
}
rule slow_same {
  deny
  for step in plan.steps
  let c = step.resource.namespace == "n3" || step.verb == "delete" || step.network.egress
  when c
}
)");
  const ExecIndex& index = policy->program().index;
  REQUIRE(index.columns.size() == 3);  // namespace, verb, egress
  const ExecIndex::Column& ns = index.columns[0];
  CHECK(ns.texts.size() == 10);   // "n3" is numbered once
  CHECK(ns.ids.size() == 10);     // too many to scan
  CHECK(index.columns[1].texts == std::vector<std::string_view>{"get", "delete"});
  CHECK(index.columns[1].ids.empty());

  auto fired = [&](const Plan& plan) {
    std::map<std::string, std::vector<std::string>> by_rule;
    for (const Violation& v : Evaluate(*policy, plan).violations) by_rule[std::string(v.rule)].emplace_back(v.step);
    return by_rule;
  };
  // Enough steps for the codes (a plan of one or two reads the plan).
  auto many = fired(MustPlan(R"({"steps": [
    {"id": "a", "verb": "get", "resource": {"namespace": "n3"}},
    {"id": "b", "verb": "delete", "resource": {"namespace": "n9"}},
    {"id": "c", "verb": "patch", "resource": {"namespace": "other"}},
    {"id": "d", "verb": "patch"},
    {"id": "e", "verb": "apply", "resource": {"namespace": "n0"}, "network": {"egress": true}}]})"));
  CHECK(many["p.fast_many"] == std::vector<std::string>{"b", "e"});
  CHECK(many["p.fast_many"] == many["p.slow_many"]);
  CHECK(many["p.fast_same"] == std::vector<std::string>{"a", "b", "e"});
  CHECK(many["p.fast_same"] == many["p.slow_same"]);
  auto two = fired(MustPlan(R"({"steps": [
    {"id": "a", "verb": "get", "resource": {"namespace": "n3"}},
    {"id": "b", "verb": "delete", "resource": {"namespace": "n9"}}]})"));
  CHECK(two["p.fast_many"] == std::vector<std::string>{"b"});
  CHECK(two["p.fast_same"] == std::vector<std::string>{"a", "b"});
  CHECK(two["p.fast_many"] == two["p.slow_many"]);
  CHECK(two["p.fast_same"] == two["p.slow_same"]);
}

TEST_CASE("step predicate bits: the values of the step-by-step test, 64 steps a word") {
  // Random predicates over random codes (strings 1-3, another string, a
  // bool, a value of no kind a comparison needs), plans across word
  // boundaries: each step's bit says what TestStepPredicateCells says.
  std::mt19937 rng(7);
  const uint32_t codes[] = {0, 1, 2, 3, kCellFalse, kCellTrue, kCellOther};
  const Op ops[] = {Op::EQ, Op::NE, Op::IN, Op::RETURN};
  for (int trial = 0; trial < 3000; ++trial) {
    const size_t sizes[] = {1, 3, 63, 64, 65, 128, 130, 200};
    const size_t n = sizes[rng() % std::size(sizes)];
    std::vector<uint32_t> cells(3 * n);
    for (uint32_t& c : cells) c = codes[rng() % std::size(codes)];
    StepPredicate pred;
    pred.any = rng() % 2 == 1;
    const size_t num_atoms = rng() % 4;  // none too: the predicate is `!any`
    for (size_t a = 0; a < num_atoms; ++a) {
      StepPredicate::Atom& atom = pred.atoms.emplace_back();
      atom.op = ops[rng() % std::size(ops)];
      atom.column = static_cast<int>(rng() % 3);
      if (atom.op == Op::RETURN) continue;
      const size_t num_ids = atom.op == Op::IN ? 1 + rng() % 3 : 1;
      for (size_t i = 0; i < num_ids; ++i) atom.ids.push_back(1 + rng() % 3);
    }
    const size_t words = (n + 63) / 64;
    std::vector<uint64_t> holds(words, ~uint64_t{0}), unknown(words, ~uint64_t{0});
    TestStepPredicateBits(pred, cells.data(), n, holds.data(), unknown.data());
    for (size_t pos = 0; pos < n; ++pos) {
      const bool h = (holds[pos / 64] >> (pos % 64)) & 1, u = (unknown[pos / 64] >> (pos % 64)) & 1;
      const int bits = u ? -1 : h ? 1 : 0;
      INFO("trial " << trial << ", n " << n << ", step " << pos);
      REQUIRE(!(h && u));
      REQUIRE(bits == TestStepPredicateCells(pred, cells.data(), n, pos));
    }
  }
}

// A plan of n steps whose verbs cycle through `verbs`, in namespaces
// "n0".."n3", each step with the id "s<i>".
Plan CycledPlan(size_t n, const std::vector<std::string>& verbs) {
  std::string json = R"({"agent": {"grants": [{"namespaces": ["n0", "n1"]}]}, "steps": [)";
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&json, i ? "," : "", R"({"id": "s)", i, R"(", "verb": ")", verbs[i % verbs.size()],
                    R"(", "resource": {"namespace": "n)", i % 4, R"("}})");
  }
  json += "]}";
  return MustPlan(json);
}

TEST_CASE("step predicates over plans of several words: the findings and excuses of a step-by-step loop") {
  // Each `fast` rule's `when` is tested 64 steps at a time; its `slow` twin
  // computes the same condition through a let, step by step. `scope_b`
  // reuses the shared `unless` that `scope_a` computed for each step.
  auto policy = Compile(R"(package p
rule fast {
  deny
  for step in plan.steps
  when step.verb != "get" && step.resource.namespace != "n3"
}
rule slow {
  deny
  for step in plan.steps
  let c = step.verb != "get" && step.resource.namespace != "n3"
  when c
}
rule scope_a {
  deny
  for step in plan.steps
  when step.verb != "get"
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule scope_b {
  deny
  for step in plan.steps
  when step.verb != "list"
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n))
}
rule scope_slow {
  deny
  for step in plan.steps
  let c = step.verb != "list"
  when c
  unless agent.grants.exists(g, g.namespaces.exists(n, step.resource.namespace == n)) && step.id != ""
}
)");
  for (size_t n : {3, 64, 65, 150}) {
    std::map<std::string, std::vector<std::string>> by_rule;
    for (const Violation& v : Evaluate(*policy, CycledPlan(n, {"get", "delete", "patch", "list", "apply"})).violations) {
      by_rule[std::string(v.rule)].emplace_back(v.step);
    }
    INFO("steps: " << n);
    std::vector<std::string> fast, scope;
    for (size_t i = 0; i < n; ++i) {
      if (i % 5 != 0 && i % 4 != 3) fast.push_back(absl::StrCat("s", i));
      if (i % 5 != 3 && i % 4 >= 2) scope.push_back(absl::StrCat("s", i));  // n2, n3: no grant
    }
    CHECK(by_rule["p.fast"] == fast);
    CHECK(by_rule["p.slow"] == fast);
    CHECK(by_rule["p.scope_b"] == scope);
    CHECK(by_rule["p.scope_slow"] == scope);
  }
}

TEST_CASE("step predicates over plans of several words: the budget runs out at the step a step-by-step loop names") {
  // Every step costs the predicate's length, whether it fires (no
  // `unless`, no message) or not: with a budget B, the first step over it
  // is step B / cost, in whichever word, fired or rejected.
  const std::string text = "package p\nrule r {\n  deny\n  for step in plan.steps\n  when step.verb != \"get\"\n}\n";
  CompileOptions options;
  auto probe = Compile(text);
  const ExecIndex& index = probe->program().index;
  const int pred = index.chunk_predicate[probe->program().rules[0].when_chunk];
  REQUIRE(pred >= 0);
  const uint64_t cost = index.predicates[pred].cost;
  REQUIRE(cost > 0);
  for (const std::vector<std::string>& verbs :
       {std::vector<std::string>{"get"}, std::vector<std::string>{"get", "delete", "get"}}) {
    const Plan plan = CycledPlan(150, verbs);
    for (uint64_t step : {0, 1, 62, 63, 64, 100, 127, 128, 149}) {
      for (uint64_t extra : {uint64_t{0}, cost - 1}) {
        options.cost_budget = step * cost + extra;
        Decision d = Evaluate(*Compile(text, options), plan);
        INFO("budget " << options.cost_budget << ", verbs " << verbs.size());
        REQUIRE(d.errors.size() == 1);
        CHECK(d.errors[0].step == absl::StrCat("s", step));
        CHECK(d.errors[0].step_index == static_cast<int64_t>(step));
        // The steps up to it that fired are reported (that step too: its
        // finding is made before the budget is checked); none after.
        size_t fired = 0;
        for (uint64_t i = 0; i <= step; ++i) fired += verbs[i % verbs.size()] != "get";
        CHECK(d.violations.size() == fired);
      }
    }
    options.cost_budget = 150 * cost;  // exactly enough
    CHECK(Evaluate(*Compile(text, options), plan).errors.empty());
  }
}

TEST_CASE("borrowed values: a result that outlives its program and plan is owned") {
  // The program (and its constants) is gone when the value is read.
  auto list = EvaluateExpression(R"(["a", "b"].map(x, x + "!"))", nullptr);
  REQUIRE(list.ok());
  CHECK(list->DebugString() == R"(["a!", "b!"])");
  auto constant = EvaluateExpression(R"("a constant string long enough to be on the heap")", nullptr);
  REQUIRE(constant.ok());
  CHECK(constant->str() == "a constant string long enough to be on the heap");
  CHECK(!constant->borrowed());
  // From a plan that is gone too.
  absl::StatusOr<Value> id;
  {
    const Plan plan = MustPlan(R"({"steps": [{"id": "a-step-id-that-is-long-enough"}]})");
    id = EvaluateExpression("plan.steps[0].id", &plan);
  }
  REQUIRE(id.ok());
  CHECK(id->str() == "a-step-id-that-is-long-enough");
}

}  // namespace
}  // namespace gavel
