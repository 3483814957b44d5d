// No heap allocation during a warm evaluation (issue 6): the VM borrows the
// plan's values and the policy's constants, the value stack, frames, rule
// index lists and shared-condition results live in a per-thread workspace
// that the next evaluation reuses, and constant CIDR lists and windows are
// parsed when the policy is prepared; the lists `before()` and `upstream()`
// return reuse the previous evaluation's (EvalScope::NewList). A decision's
// findings keep their text in one arena sized from the previous evaluation,
// so findings cost a fixed few allocations, not some per finding (an
// approval finding's approvers list does allocate).
//
// This binary counts allocations by replacing operator new
// (bench/alloc_counter.cc, as the benchmarks do); a block reused from the
// engine's heap cache (engine/heap_cache.h) counts too.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "bench/alloc_counter.h"
#include "engine/policy.h"

namespace gavel {
namespace {

const char* kPolicy = R"(package w

rule egress {
  deny
  for step in plan.steps
  when step.action == "http.post" && step.network.egress
  unless step.network.ip.in_cidr(["10.0.0.0/16", "192.168.0.0/16"])
      || step.network.host.glob("*.payments.svc.cluster.local")
  message "step {step.id} reaches {step.network.host}"
}

rule scope {
  deny
  for step in plan.steps
  when step.resource.namespace != "" && step.resource.namespace != "kube-system"
  unless agent.grants.exists(g, g.namespaces.exists(p, step.resource.namespace.glob(p)))
  message "step {step.id} touches {step.resource.namespace}"
}

rule scope_again {
  deny
  for step in plan.steps
  when step.resource.namespace != "" && step.resource.namespace != "kube-public"
  unless agent.grants.exists(g, g.namespaces.exists(p, step.resource.namespace.glob(p)))
}

rule window {
  require_approval("sre")
  for step in plan.steps
  when step.verb in ["delete", "patch", "apply"] && step.resource.namespace == "payments"
  unless context.now.within("Mon-Fri 08:00-17:00", "Europe/Berlin")
}

rule covered {
  deny
  for step in plan.steps
  when step.resource.kind != "" && step.resource.kind != "Lease"
  unless agent.grants.exists(g, g.covers(step))
}

rule big {
  warn
  when size(plan.steps) > 100
}

rule backed_up {
  deny
  for step in plan.steps
  when step.verb == "patch"
  unless step.before().exists(s, s.verb == "get")
}

rule flow {
  deny
  for step in plan.steps
  when step.action == "http.post"
  unless !step.upstream().exists(s, s.resource.kind == "Secret")
}
)";

const char* kPlan = R"({"id": "p", "agent": {"id": "a", "grants": [{"id": "g1",
  "actions": ["kubectl.*", "http.post"], "verbs": ["get", "patch", "post"], "resources": ["*"],
  "namespaces": ["payments", "billing"], "clusters": ["prod-eu-1"],
  "not_before": "2026-11-26T09:00:00Z", "expires_at": "2026-11-26T18:00:00Z"}]},
  "context": {"environment": "prod", "cluster": "prod-eu-1", "now": "2026-11-26T10:00:00Z"},
  "steps": [
    {"id": "s0", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Deployment", "namespace": "payments", "name": "api"}, "duration": "2m"},
    {"id": "s1", "action": "kubectl.patch", "verb": "patch", "resource": {"kind": "Deployment", "namespace": "payments", "name": "api"}, "duration": "2m"},
    {"id": "s2", "action": "http.post", "verb": "post", "inputs": ["s0"], "network": {"host": "api.payments.svc.cluster.local", "ip": "10.0.3.4", "port": 443, "egress": true}, "duration": "1m"},
    {"id": "s3", "action": "kubectl.get", "verb": "get", "resource": {"kind": "Secret", "namespace": "billing", "name": "creds"}, "duration": "1m"}]})";

TEST_CASE("a warm evaluation that finds nothing allocates nothing") {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("w.gavel", kPolicy)}, diags);
  INFO(diags.Format());
  REQUIRE(policy);
  auto plan = DecodePlanJson(kPlan);
  REQUIRE(plan.ok());

  Decision first = Evaluate(*policy, *plan);  // warms the workspace up
  INFO(first.ToJson("p"));
  REQUIRE(first.verdict == Verdict::kAllow);
  REQUIRE(first.errors.empty());

  const uint64_t before = bench::AllocationCount();
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += Evaluate(*policy, *plan).verdict == Verdict::kAllow;
  const uint64_t allocations = bench::AllocationCount() - before;
  CHECK(allowed == 100);
  CHECK(allocations == 0);
}

TEST_CASE("the counter counts: a decision with findings allocates for them") {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("w.gavel", kPolicy)}, diags);
  REQUIRE(policy);
  std::string json = kPlan;
  json.replace(json.find("\"payments\", \"billing\""), 21, "\"billing\"");  // payments not granted
  auto plan = DecodePlanJson(json);
  REQUIRE(plan.ok());
  Evaluate(*policy, *plan);
  const uint64_t before = bench::AllocationCount();
  Decision d = Evaluate(*policy, *plan);
  CHECK(d.verdict == Verdict::kDeny);
  CHECK(bench::AllocationCount() > before);
}

TEST_CASE("a warm evaluation's findings allocate a few times, not once or more per finding") {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("w.gavel", kPolicy)}, diags);
  REQUIRE(policy);
  // 60 steps in a namespace no grant covers: `scope`, `scope_again` and
  // `covered` deny each (no approvals: their approvers lists would allocate).
  std::string json = R"({"id": "p", "agent": {"id": "a", "grants": [{"id": "g1", "actions": ["*"],
    "verbs": ["*"], "resources": ["*"], "namespaces": ["billing"]}]},
    "context": {"now": "2026-11-26T10:00:00Z"}, "steps": [)";
  for (int i = 0; i < 60; ++i) {
    absl::StrAppend(&json, i ? ", " : "", R"({"id": "step-number-)", i, R"(", "action": "kubectl.get", "verb": "get",
      "resource": {"kind": "ConfigMap", "namespace": "team-with-a-long-name-)", i, R"(", "name": "c"}})");
  }
  json += "]}";
  auto plan = DecodePlanJson(json);
  REQUIRE(plan.ok());
  Decision first = Evaluate(*policy, *plan);  // warms the workspace up
  REQUIRE(first.violations.size() == 180);
  REQUIRE(first.errors.empty());

  const uint64_t before = bench::AllocationCount();
  size_t findings = 0;
  for (int i = 0; i < 10; ++i) findings += Evaluate(*policy, *plan).violations.size();
  const uint64_t allocations = bench::AllocationCount() - before;
  CHECK(findings == 1800);
  // The violations list and the one block of text, per evaluation.
  CHECK(allocations <= 10 * 2);
}

}  // namespace
}  // namespace gavel
