// Policies end to end through CompilePolicy and Evaluate: verdicts, the
// decision's JSON form, diagnostics as users see them, and one compiled
// policy shared by several threads.
#include <thread>

#include <catch2/catch.hpp>

#include "engine/policy.h"

namespace gavel {
namespace {

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text, Diagnostics& diags) {
  return CompilePolicy({std::make_shared<SourceFile>("p.gavel", text)}, diags);
}

Plan MustPlan(const std::string& json) {
  auto plan = DecodePlanJson(json);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

const char* kPolicy = R"(package ops

/// Deleting in production needs a second pair of eyes.
@severity("high")
rule prod_delete {
  require_approval("sre-oncall", "owner")
  for step in plan.steps
  when context.environment == "prod" && step.verb == "delete"
}

rule no_kube_system {
  deny
  for step in plan.steps
  let ns = step.resource.namespace
  when ns == "kube-system"
  message "step {step.id} touches {ns}"
}

@severity("low")
rule big_plan {
  warn
  when size(plan.steps) > 2
  message "plan has {size(plan.steps)} steps"
}
)";

TEST_CASE("verdicts: deny beats approval, approval beats allow, warn changes nothing") {
  Diagnostics diags;
  auto policy = Compile(kPolicy, diags);
  INFO(diags.Format());
  REQUIRE(policy);

  Decision allow = Evaluate(*policy, MustPlan(R"({"steps": [{"id": "a", "verb": "get"}]})"));
  CHECK(allow.verdict == Verdict::kAllow);
  CHECK(allow.violations.empty());

  Decision approval = Evaluate(*policy, MustPlan(R"({"context": {"environment": "prod"},
      "steps": [{"id": "a", "verb": "delete"}, {"id": "b"}, {"id": "c"}]})"));
  CHECK(approval.verdict == Verdict::kNeedsApproval);
  REQUIRE(approval.violations.size() == 1);
  CHECK(approval.violations[0].message == "Deleting in production needs a second pair of eyes.");
  CHECK(approval.violations[0].severity == "high");
  CHECK(approval.approvers == std::vector<std::string>{"owner", "sre-oncall"});
  REQUIRE(approval.warnings.size() == 1);
  CHECK(approval.warnings[0].message == "plan has 3 steps");
  CHECK(approval.warnings[0].step_index == -1);

  Decision deny = Evaluate(*policy, MustPlan(R"({"context": {"environment": "prod"},
      "steps": [{"id": "a", "verb": "delete", "resource": {"namespace": "kube-system"}}]})"));
  CHECK(deny.verdict == Verdict::kDeny);
  REQUIRE(deny.violations.size() == 2);
  CHECK(deny.violations[1].rule == "ops.no_kube_system");
  CHECK(deny.violations[1].message == "step a touches kube-system");
  CHECK(deny.violations[1].location == "p.gavel:11:6");
  CHECK(deny.ToJson("plan.json") ==
        R"({"plan": "plan.json", "verdict": "deny", "violations": [)"
        R"({"rule": "ops.prod_delete", "effect": "require_approval", "severity": "high", "step": "a", "step_index": 0, )"
        R"("message": "Deleting in production needs a second pair of eyes.", "location": "p.gavel:5:6", "approvers": ["sre-oncall", "owner"]}, )"
        R"({"rule": "ops.no_kube_system", "effect": "deny", "severity": "medium", "step": "a", "step_index": 0, )"
        R"("message": "step a touches kube-system", "location": "p.gavel:11:6"}], "warnings": [], "errors": [], )"
        R"("approvers": ["owner", "sre-oncall"]})");
}

TEST_CASE("a runtime error fails closed and names its rule and step") {
  Diagnostics diags;
  auto policy = Compile(R"(package t
rule replicas {
  warn
  for step in plan.steps
  when step.args.replicas > 3
})", diags);
  REQUIRE(policy);
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": [{"id": "a", "args": {"replicas": 5}}, {"id": "b"}]})"));
  CHECK(d.verdict == Verdict::kDeny);
  REQUIRE(d.warnings.size() == 1);
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].rule == "t.replicas");
  CHECK(d.errors[0].step == "b");
  CHECK(d.errors[0].step_index == 1);
  CHECK(d.errors[0].message == "no such key: replicas");
}

TEST_CASE("default deny: steps no permit rule matches are denied") {
  Diagnostics diags;
  auto policy = Compile(R"(package tools
default deny
rule reads {
  permit
  for step in plan.steps
  when step.verb in ["get", "list"]
}
)", diags);
  INFO(diags.Format());
  REQUIRE(policy);
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": [{"id": "a", "verb": "get"}, {"id": "b", "action": "kubectl.delete", "verb": "delete"}]})"));
  CHECK(d.verdict == Verdict::kDeny);
  REQUIRE(d.violations.size() == 1);
  CHECK(d.violations[0].rule == "tools.default");
  CHECK(d.violations[0].step == "b");
  CHECK(d.violations[0].message == "step `b` (`kubectl.delete`) is not permitted by package `tools`");
  CHECK(d.violations[0].location == "p.gavel:2:1");
}

TEST_CASE("compile errors are all reported, with carets") {
  Diagnostics diags;
  auto policy = Compile(R"(package t
rule a {
  deny
  for step in plan.steps
  when step.resource.namepsace == "x"
}
rule b {
  deny
  when size(plan.stepz) > 1
}
)", diags);
  CHECK(policy == nullptr);
  REQUIRE(diags.size() == 2);
  CHECK(diags.Format() ==
        "p.gavel:5:22: error[unknown_field]: `gavel.v1.Resource` has no field `namepsace` (did you mean `namespace`?)\n"
        "    when step.resource.namepsace == \"x\"\n"
        "                       ^~~~~~~~~\n"
        "p.gavel:9:18: error[unknown_field]: `gavel.v1.Plan` has no field `stepz` (did you mean `steps`?)\n"
        "    when size(plan.stepz) > 1\n"
        "                   ^~~~~\n");
}

TEST_CASE("one compiled policy, evaluated by several threads at once") {
  Diagnostics diags;
  auto policy = Compile(kPolicy, diags);
  REQUIRE(policy);
  Plan plan = MustPlan(R"({"context": {"environment": "prod"},
      "steps": [{"id": "a", "verb": "delete", "resource": {"namespace": "kube-system"}}, {"id": "b"}, {"id": "c"}]})");
  const std::string expected = Evaluate(*policy, plan).ToJson("p");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (Evaluate(*policy, plan).ToJson("p") != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

}  // namespace
}  // namespace gavel
