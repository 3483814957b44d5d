// Tests for engine/grant_synthesis: the synthesized grant, printed as JSON
// and decoded back by the plan decoder as an `agent.grants` entry, covers
// every step by the engine's own `g.covers(step)`, and is minimal: removing
// any list element, or moving either end of its validity in by one second
// (or one nanosecond), leaves some step uncovered. Then the RBAC form: a
// golden file, its structure, and its errors.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/builtins_net.h"
#include "engine/expression.h"
#include "engine/grant_synthesis.h"
#include "engine/plan.h"
#include "engine/schema.h"
#include "engine/value.h"

namespace gavel {
namespace {

Plan MustDecode(const std::string& yaml) {
  absl::StatusOr<Plan> plan = DecodePlanYaml(yaml);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

SynthesizedGrant MustSynthesize(const Plan& plan, const GrantOptions& options) {
  absl::StatusOr<SynthesizedGrant> grant = SynthesizeGrant(plan, options);
  INFO(grant.status());
  REQUIRE(grant.ok());
  return *grant;
}

GrantOptions NoMargin() {
  GrantOptions o;
  o.margin = TimeRep{0, 0};
  return o;
}

// The grant's JSON, decoded by the plan decoder as an agent.grants entry.
Value DecodeGrant(const SynthesizedGrant& grant) {
  const std::string json = GrantToJson(grant);
  absl::StatusOr<Plan> holder = DecodePlanJson("{\"agent\": {\"grants\": [" + json + "]}}");
  INFO(json << "\n" << holder.status());
  REQUIRE(holder.ok());
  const std::vector<Value>& grants = holder->agent().message().fields[kAgentGrants].list().elems;
  REQUIRE(grants.size() == 1);
  return grants[0];
}

// plan.steps.all(s, g.covers(s)), evaluated by the engine with the grant
// decoded from its JSON form.
bool CoversAll(const Plan& plan, const SynthesizedGrant& grant) {
  ExpressionOptions opts;
  opts.declarations.push_back({"g", Type::Message(&Schema::Get().grant)});
  opts.bindings["g"] = DecodeGrant(grant);
  opts.plan = &plan;
  absl::StatusOr<ExpressionResult> r = EvaluateExpression("plan.steps.all(s, g.covers(s))", opts);
  INFO(GrantToJson(grant) << r.status());
  REQUIRE(r.ok());
  INFO(r->value.DebugString());
  REQUIRE(r->value.is_bool());
  return r->value.bool_value();
}

TimeRep Plus(TimeRep t, int64_t seconds, int32_t nanos) {
  int64_t n = int64_t{t.nanos} + nanos;
  int64_t s = t.seconds + seconds;
  while (n < 0) {
    n += 1000000000;
    --s;
  }
  while (n >= 1000000000) {
    n -= 1000000000;
    ++s;
  }
  return TimeRep{s, static_cast<int32_t>(n)};
}

// The grant covers the plan, and no narrower variant of it does.
void CheckCoveringAndMinimal(const Plan& plan, const SynthesizedGrant& grant) {
  INFO(GrantToJson(grant));
  REQUIRE(CoversAll(plan, grant));
  std::vector<std::string> SynthesizedGrant::*lists[] = {&SynthesizedGrant::actions, &SynthesizedGrant::verbs,
                                                          &SynthesizedGrant::resources, &SynthesizedGrant::namespaces,
                                                          &SynthesizedGrant::clusters};
  for (auto list : lists) {
    const std::vector<std::string>& items = grant.*list;
    CHECK(std::is_sorted(items.begin(), items.end()));
    CHECK(std::adjacent_find(items.begin(), items.end()) == items.end());
    for (size_t i = 0; i < items.size(); ++i) {
      SynthesizedGrant narrower = grant;
      (narrower.*list).erase((narrower.*list).begin() + static_cast<std::ptrdiff_t>(i));
      INFO("without `" << items[i] << "`");
      CHECK_FALSE(CoversAll(plan, narrower));
    }
  }
  for (int32_t nanos : {0, 1}) {
    const int64_t seconds = nanos == 0 ? 1 : 0;
    SynthesizedGrant later = grant;
    later.not_before = Plus(grant.not_before, seconds, nanos);
    CHECK_FALSE(CoversAll(plan, later));
    SynthesizedGrant earlier = grant;
    earlier.expires_at = Plus(grant.expires_at, -seconds, -nanos);
    CHECK_FALSE(CoversAll(plan, earlier));
  }
}

std::vector<std::string> ExamplePlans() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(GAVEL_SOURCE_DIR "/examples/plans")) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".json" || ext == ".yaml") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Ts(TimeRep t) {
  // Through the engine's own string(timestamp).
  ExpressionOptions opts;
  opts.bindings["t"] = Value::Timestamp(t);
  absl::StatusOr<ExpressionResult> r = EvaluateExpression("string(t)", opts);
  REQUIRE(r.ok());
  REQUIRE(r->value.is_string());
  return r->value.str();
}

using Strings = std::vector<std::string>;

// Namespace, Node (cluster-scoped), a Pod list without a namespace, steps in
// two clusters, a step with neither verb nor resource, missing times.
constexpr const char* kMixedPlan = R"(
id: mixed
agent: {id: "system:serviceaccount:ops:janitor"}
context: {cluster: c-main, now: "2026-05-01T10:00:00Z"}
steps:
  - {id: list-ns, action: kubectl.get, verb: list, resource: {kind: Namespace}}
  - id: cordon
    action: kubectl.cordon
    verb: cordon
    resource: {kind: Node, name: n1, cluster: c-edge}
    starts_at: "2026-05-01T10:05:00Z"
    duration: 30s
  - {id: pods, action: kubectl.get, verb: list, resource: {kind: Pod}, starts_at: "2026-05-01T10:01:00Z"}
  - id: deploy
    action: kubectl.apply
    verb: apply
    resource: {kind: Deployment, group: apps, namespace: pay, name: api, cluster: c-edge}
    starts_at: "2026-05-01T10:02:00Z"
    duration: 10m
  - {id: notify, action: http.post, network: {host: hooks.example.com, egress: true}}
)";

// Every step has every field: no wildcard anywhere; no context.cluster.
constexpr const char* kNamespacedPlan = R"(
id: ns
context: {now: "2026-05-01T08:00:00Z"}
steps:
  - id: read
    action: kubectl.get
    verb: get
    resource: {kind: Secret, namespace: b, name: s, cluster: k1}
    starts_at: "2026-05-01T09:00:00.25Z"
    duration: 1s
  - id: clean
    action: kubectl.delete
    verb: delete
    resource: {kind: ConfigMap, namespace: a, name: c, cluster: k2}
    starts_at: "2026-05-01T08:30:00Z"
    duration: 1h30m
  - id: read-again
    action: kubectl.get
    verb: get
    resource: {kind: Secret, namespace: b, name: t, cluster: k1}
    starts_at: "2026-05-01T09:10:00Z"
)";

// Names that are globs, a literal `*` verb, a step without an action.
constexpr const char* kGlobPlan = R"(
context: {now: "2026-05-01T08:00:00Z"}
steps:
  - {id: a, action: "tool.*", verb: get, resource: {kind: Pod, namespace: "team-[1]"}}
  - {id: b, action: tool.x, verb: "*", resource: {kind: Pod, namespace: "a?b"}}
  - {id: c, verb: get, resource: {kind: Pod, namespace: "x\\y*"}}
)";

// No starts_at, no duration: everything happens at context.now. No
// cluster on one step and no context.cluster.
constexpr const char* kTimelessPlan = R"(
id: timeless
context: {now: "2026-05-01T12:00:00Z"}
steps:
  - {id: a, action: kubectl.get, verb: get, resource: {kind: Pod, namespace: x, cluster: east}}
  - {id: b, action: kubectl.get, verb: get, resource: {kind: Pod, namespace: x, cluster: west}}
  - {id: c, action: kubectl.get, verb: get, resource: {kind: Pod, namespace: x}}
)";

// Nothing but actions: every other list is empty.
constexpr const char* kBarePlan = R"(
context: {now: "2026-05-01T12:00:00Z"}
steps:
  - {id: a, action: http.get, starts_at: "2026-05-01T12:10:00Z", duration: 5m}
  - {id: b, action: http.get, starts_at: "2026-05-01T12:00:00Z", duration: 1m}
)";

TEST_CASE("the grant for every example plan covers it and is minimal", "[grant]") {
  const std::vector<std::string> plans = ExamplePlans();
  REQUIRE(plans.size() >= 8);
  for (const std::string& path : plans) {
    INFO(path);
    absl::StatusOr<Plan> plan = ReadPlanFile(path);
    REQUIRE(plan.ok());
    CheckCoveringAndMinimal(*plan, MustSynthesize(*plan, NoMargin()));
    // With the default margin it still covers, and is 5m wider each side.
    SynthesizedGrant tight = MustSynthesize(*plan, NoMargin());
    SynthesizedGrant wide = MustSynthesize(*plan, GrantOptions{});
    CHECK(CoversAll(*plan, wide));
    CHECK(wide.not_before.seconds == tight.not_before.seconds - 300);
    CHECK(wide.expires_at.seconds == tight.expires_at.seconds + 300);
  }
}

TEST_CASE("the grant for handwritten plans covers them and is minimal", "[grant]") {
  for (const char* text : {kMixedPlan, kNamespacedPlan, kGlobPlan, kTimelessPlan, kBarePlan}) {
    INFO(text);
    Plan plan = MustDecode(text);
    CheckCoveringAndMinimal(plan, MustSynthesize(plan, NoMargin()));
    CHECK(CoversAll(plan, MustSynthesize(plan, GrantOptions{})));
  }
}

TEST_CASE("a field some steps leave empty needs `*`; one all steps leave empty stays empty", "[grant]") {
  SynthesizedGrant g = MustSynthesize(MustDecode(kMixedPlan), NoMargin());
  CHECK(g.id == "mixed-grant");
  CHECK(g.actions == Strings{"http.post", "kubectl.apply", "kubectl.cordon", "kubectl.get"});
  CHECK(g.verbs == Strings{"*"});      // notify has no verb
  CHECK(g.resources == Strings{"*"});  // notify has no resource
  CHECK(g.namespaces == Strings{"*"});
  CHECK(g.clusters == Strings{"c-edge", "c-main"});  // context.cluster for steps without one
  // list-ns starts at context.now and takes no time; deploy ends last.
  CHECK(Ts(g.not_before) == "2026-05-01T10:00:00Z");
  CHECK(Ts(g.expires_at) == "2026-05-01T10:12:00Z");

  SynthesizedGrant bare = MustSynthesize(MustDecode(kBarePlan), NoMargin());
  CHECK(bare.actions == Strings{"http.get"});
  CHECK(bare.verbs.empty());
  CHECK(bare.resources.empty());
  CHECK(bare.namespaces.empty());
  CHECK(bare.clusters.empty());
  CHECK(Ts(bare.not_before) == "2026-05-01T12:00:00Z");
  CHECK(Ts(bare.expires_at) == "2026-05-01T12:15:00Z");
}

TEST_CASE("exact lists when every step names every field", "[grant]") {
  SynthesizedGrant g = MustSynthesize(MustDecode(kNamespacedPlan), NoMargin());
  CHECK(g.actions == Strings{"kubectl.delete", "kubectl.get"});
  CHECK(g.verbs == Strings{"delete", "get"});
  CHECK(g.resources == Strings{"ConfigMap", "Secret"});
  CHECK(g.namespaces == Strings{"a", "b"});
  CHECK(g.clusters == Strings{"k1", "k2"});
  CHECK(Ts(g.not_before) == "2026-05-01T08:30:00Z");
  CHECK(Ts(g.expires_at) == "2026-05-01T10:00:00Z");
}

TEST_CASE("names with glob characters become literals", "[grant]") {
  SynthesizedGrant g = MustSynthesize(MustDecode(kGlobPlan), NoMargin());
  CHECK(g.actions == Strings{"", "tool.\\*", "tool.x"});
  CHECK(g.verbs == Strings{"*"});  // a literal `*` verb is the wildcard anyway
  CHECK(g.namespaces == Strings{"a\\?b", "team-\\[1]", "x\\\\y\\*"});
  CHECK(g.clusters.empty());
  for (const char* name : {"", "a*b", "a?b", "[x]", "a\\b", "tool.*", "**", "a/b*"}) {
    INFO(name);
    CHECK(ValidateGlob(GlobLiteral(name)).ok());
    CHECK(GlobMatch(GlobLiteral(name), name));
  }
  CHECK_FALSE(GlobMatch(GlobLiteral("tool.*"), "tool.x"));
  CHECK_FALSE(GlobMatch(GlobLiteral("a?b"), "axb"));
  CHECK_FALSE(GlobMatch(GlobLiteral("[x]"), "x"));
}

TEST_CASE("steps without times take context.now and the default duration", "[grant]") {
  Plan plan = MustDecode(kTimelessPlan);
  SynthesizedGrant g = MustSynthesize(plan, NoMargin());
  CHECK(Ts(g.not_before) == "2026-05-01T12:00:00Z");
  CHECK(Ts(g.expires_at) == "2026-05-01T12:00:00Z");
  CHECK(g.clusters == Strings{"*"});  // c has no cluster, and there is no context.cluster

  GrantOptions opts = NoMargin();
  opts.default_duration = TimeRep{120, 0};
  g = MustSynthesize(plan, opts);
  CHECK(Ts(g.expires_at) == "2026-05-01T12:02:00Z");
  CHECK(CoversAll(plan, g));

  g = MustSynthesize(plan, GrantOptions{});  // the default margin: 5m each side
  CHECK(Ts(g.not_before) == "2026-05-01T11:55:00Z");
  CHECK(Ts(g.expires_at) == "2026-05-01T12:05:00Z");

  opts = NoMargin();
  opts.margin = TimeRep{0, 500000000};
  opts.id = "custom";
  g = MustSynthesize(plan, opts);
  CHECK(g.id == "custom");
  CHECK(Ts(g.not_before) == "2026-05-01T11:59:59.5Z");
  CHECK(Ts(g.expires_at) == "2026-05-01T12:00:00.5Z");
}

TEST_CASE("the JSON form is an agent.grants entry", "[grant]") {
  SynthesizedGrant g = MustSynthesize(MustDecode(kNamespacedPlan), NoMargin());
  CHECK(GrantToJson(g) ==
        "{\n"
        "  \"id\": \"ns-grant\",\n"
        "  \"actions\": [\"kubectl.delete\", \"kubectl.get\"],\n"
        "  \"verbs\": [\"delete\", \"get\"],\n"
        "  \"resources\": [\"ConfigMap\", \"Secret\"],\n"
        "  \"namespaces\": [\"a\", \"b\"],\n"
        "  \"clusters\": [\"k1\", \"k2\"],\n"
        "  \"not_before\": \"2026-05-01T08:30:00Z\",\n"
        "  \"expires_at\": \"2026-05-01T10:00:00Z\"\n"
        "}\n");
  // Quotes and backslashes survive the round trip.
  SynthesizedGrant odd = MustSynthesize(MustDecode(kGlobPlan), NoMargin());
  odd.id = "a \"b\" \\ c";
  Value decoded = DecodeGrant(odd);
  CHECK(decoded.message().fields[kGrantId].str() == odd.id);
  CHECK(decoded.message().fields[kGrantNamespaces].list().elems[2].str() == "x\\\\y\\*");
}

void CheckError(const std::string& yaml, const GrantOptions& options, const std::string& message) {
  absl::StatusOr<SynthesizedGrant> g = SynthesizeGrant(MustDecode(yaml), options);
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(g.status().message()) == message);
}

TEST_CASE("plans a grant cannot be computed from", "[grant]") {
  CheckError("id: x\n", NoMargin(), "steps: the plan has no steps, so there is nothing to grant");
  CheckError("steps: [{id: a, starts_at: \"2026-05-01T12:00:00Z\"}, {id: b}]\n", NoMargin(),
             "steps[1].starts_at: step `b` has no starts_at and the plan has no context.now, so when it runs is "
             "unknown");
  CheckError("context: {now: \"2026-05-01T12:00:00Z\"}\nsteps: [{id: a, duration: \"-2s\"}]\n", NoMargin(),
             "steps[0].duration: step `a` has a negative duration `-2s`");
  CheckError("steps: [{id: a, starts_at: \"9999-12-31T23:59:00Z\", duration: 2m}]\n", NoMargin(),
             "steps[0].duration: the grant's validity would leave years 1 to 9999");
  CheckError("steps: [{id: a, starts_at: \"9999-12-31T23:56:00Z\", duration: 2m}]\n", GrantOptions{},
             "expires_at: the grant's validity would leave years 1 to 9999");
  CheckError("steps: [{id: a, starts_at: \"0001-01-01T00:01:00Z\"}]\n", GrantOptions{},
             "not_before: the grant's validity would leave years 1 to 9999");
  GrantOptions negative;
  negative.margin = TimeRep{-1, 0};
  CheckError("steps: [{id: a, starts_at: \"2026-05-01T12:00:00Z\"}]\n", negative, "negative margin `-1s`");
}

// ---------------------------------------------------------------------------
// Kubernetes RBAC.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string MustRbac(const Plan& plan, const GrantOptions& options = {}) {
  absl::StatusOr<std::string> yaml = GrantToRbacYaml(plan, MustSynthesize(plan, options));
  INFO(yaml.status());
  REQUIRE(yaml.ok());
  return *yaml;
}

TEST_CASE("golden: RBAC for airgap-maintenance.yaml", "[grant][rbac]") {
  const std::string golden = GAVEL_SOURCE_DIR "/tests/data/grant/airgap-maintenance.k8s.yaml";
  absl::StatusOr<Plan> plan = ReadPlanFile(GAVEL_SOURCE_DIR "/examples/plans/airgap-maintenance.yaml");
  REQUIRE(plan.ok());
  const std::string got = MustRbac(*plan);
  if (std::getenv("GAVEL_UPDATE_GOLDEN") != nullptr) std::ofstream(golden, std::ios::binary) << got;
  INFO("regenerate with GAVEL_UPDATE_GOLDEN=1 after checking the difference");
  CHECK(got == ReadFile(golden));
}

// Every object of the RBAC output, parsed back.
std::vector<YAML::Node> Objects(const std::string& yaml) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& doc : YAML::LoadAll(yaml)) {
    if (doc.IsDefined() && !doc.IsNull()) out.push_back(doc);
  }
  return out;
}

std::string Str(const YAML::Node& n) { return n.as<std::string>(); }

Strings Seq(const YAML::Node& n) { return n.as<Strings>(); }

TEST_CASE("RBAC: roles per cluster and namespace, cluster-wide steps in a ClusterRole", "[grant][rbac]") {
  std::vector<YAML::Node> objects = Objects(MustRbac(MustDecode(kMixedPlan), NoMargin()));
  // c-edge: the Node (cluster-scoped) and the Deployment in `pay`; c-main:
  // the Namespace list and the cluster-wide Pod list.
  REQUIRE(objects.size() == 6);
  Strings kinds, clusters, namespaces;
  for (const YAML::Node& o : objects) {
    CHECK(Str(o["apiVersion"]) == "rbac.authorization.k8s.io/v1");
    CHECK(Str(o["metadata"]["name"]) == "mixed-grant");
    CHECK(Str(o["metadata"]["labels"]["gavel.dev/grant"]) == "mixed-grant");
    CHECK(Str(o["metadata"]["annotations"]["gavel.dev/not-before"]) == "2026-05-01T10:00:00Z");
    CHECK(Str(o["metadata"]["annotations"]["gavel.dev/expires-at"]) == "2026-05-01T10:12:00Z");
    CHECK(Str(o["metadata"]["annotations"]["gavel.dev/plan"]) == "mixed");
    kinds.push_back(Str(o["kind"]));
    clusters.push_back(Str(o["metadata"]["annotations"]["gavel.dev/cluster"]));
    namespaces.push_back(o["metadata"]["namespace"] ? Str(o["metadata"]["namespace"]) : "");
    if (o["subjects"]) {
      REQUIRE(o["subjects"].size() == 1);
      CHECK(Str(o["subjects"][0]["kind"]) == "ServiceAccount");
      CHECK(Str(o["subjects"][0]["name"]) == "janitor");
      CHECK(Str(o["subjects"][0]["namespace"]) == "ops");
      CHECK(Str(o["roleRef"]["kind"]) + "Binding" == Str(o["kind"]));
    }
  }
  CHECK(kinds == Strings{"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ClusterRole",
                         "ClusterRoleBinding"});
  CHECK(clusters == Strings{"c-edge", "c-edge", "c-edge", "c-edge", "c-main", "c-main"});
  CHECK(namespaces == Strings{"", "", "pay", "pay", "", ""});

  // c-edge ClusterRole: node n1 (cordon -> get, patch).
  REQUIRE(objects[0]["rules"].size() == 1);
  CHECK(Seq(objects[0]["rules"][0]["apiGroups"]) == Strings{""});
  CHECK(Seq(objects[0]["rules"][0]["resources"]) == Strings{"nodes"});
  CHECK(Seq(objects[0]["rules"][0]["resourceNames"]) == Strings{"n1"});
  CHECK(Seq(objects[0]["rules"][0]["verbs"]) == Strings{"get", "patch"});
  // pay Role: deployment api (apply -> create, get, patch; create cannot
  // be limited to a name).
  REQUIRE(objects[2]["rules"].size() == 2);
  CHECK(Seq(objects[2]["rules"][0]["apiGroups"]) == Strings{"apps"});
  CHECK(Seq(objects[2]["rules"][0]["resources"]) == Strings{"deployments"});
  CHECK_FALSE(objects[2]["rules"][0]["resourceNames"]);
  CHECK(Seq(objects[2]["rules"][0]["verbs"]) == Strings{"create"});
  CHECK(Seq(objects[2]["rules"][1]["resources"]) == Strings{"deployments"});
  CHECK(Seq(objects[2]["rules"][1]["resourceNames"]) == Strings{"api"});
  CHECK(Seq(objects[2]["rules"][1]["verbs"]) == Strings{"get", "patch"});
  // c-main ClusterRole: namespaces and pods, both listed.
  REQUIRE(objects[4]["rules"].size() == 2);
  CHECK(Seq(objects[4]["rules"][0]["resources"]) == Strings{"namespaces"});
  CHECK(Seq(objects[4]["rules"][0]["verbs"]) == Strings{"list"});
  CHECK(Seq(objects[4]["rules"][1]["resources"]) == Strings{"pods"});
  CHECK(Seq(objects[4]["rules"][1]["verbs"]) == Strings{"list"});
}

TEST_CASE("RBAC: verbs per resource, not every verb times every kind", "[grant][rbac]") {
  std::vector<YAML::Node> objects = Objects(MustRbac(MustDecode(R"(
id: p
agent: {id: "alice@example.com"}
context: {now: "2026-05-01T12:00:00Z"}
steps:
  - {action: kubectl.get, verb: get, resource: {kind: Secret, namespace: n}}
  - {action: kubectl.delete, verb: delete, resource: {kind: ConfigMap, namespace: n}}
  - {action: kubectl.scale, verb: scale, resource: {kind: StatefulSet, namespace: n}}
  - {action: kubectl.get, resource: {kind: Certificate, namespace: n}}
  - {action: kubectl.get, verb: get, resource: {kind: Issuer, group: cert-manager.io, namespace: n}}
)")));
  REQUIRE(objects.size() == 2);
  const YAML::Node& rules = objects[0]["rules"];
  REQUIRE(rules.size() == 5);
  // Sorted by apiGroup, then resource.
  CHECK(Seq(rules[0]["apiGroups"]) == Strings{""});
  CHECK(Seq(rules[0]["resources"]) == Strings{"certificates"});
  CHECK(Seq(rules[0]["verbs"]) == Strings{"*"});  // no verb
  CHECK(Seq(rules[1]["resources"]) == Strings{"configmaps"});
  CHECK(Seq(rules[1]["verbs"]) == Strings{"delete"});
  CHECK(Seq(rules[2]["resources"]) == Strings{"secrets"});
  CHECK(Seq(rules[2]["verbs"]) == Strings{"get"});
  CHECK(Seq(rules[3]["apiGroups"]) == Strings{"apps"});
  CHECK(Seq(rules[3]["resources"]) == Strings{"statefulsets/scale"});
  CHECK(Seq(rules[3]["verbs"]) == Strings{"get", "patch"});
  CHECK(Seq(rules[4]["apiGroups"]) == Strings{"cert-manager.io"});
  CHECK(Seq(rules[4]["resources"]) == Strings{"issuers"});
  const YAML::Node& subject = objects[1]["subjects"][0];
  CHECK(Str(subject["kind"]) == "User");
  CHECK(Str(subject["apiGroup"]) == "rbac.authorization.k8s.io");
  CHECK(Str(subject["name"]) == "alice@example.com");
  CHECK_FALSE(objects[0]["metadata"]["annotations"]["gavel.dev/cluster"]);
}

TEST_CASE("RBAC: get, update, patch and delete on named objects are limited to those names", "[grant][rbac]") {
  std::vector<YAML::Node> objects = Objects(MustRbac(MustDecode(R"(
agent: {id: bot}
context: {now: "2026-05-01T12:00:00Z"}
steps:
  - {action: kubectl.get, verb: get, resource: {kind: ConfigMap, namespace: n, name: b}}
  - {action: kubectl.get, verb: get, resource: {kind: ConfigMap, namespace: n, name: a}}
  - {action: kubectl.delete, verb: delete, resource: {kind: ConfigMap, namespace: n, name: a}}
  - {action: kubectl.get, verb: get, resource: {kind: Pod, namespace: n, name: p}}
  - {action: kubectl.get, verb: get, resource: {kind: Pod, namespace: n}}
  - {action: kubectl.patch, verb: patch, resource: {kind: Secret, namespace: n, name: x}}
  - {action: kubectl.get, verb: list, resource: {kind: Secret, namespace: n, name: x}}
)")));
  REQUIRE(objects.size() == 2);
  const YAML::Node& rules = objects[0]["rules"];
  REQUIRE(rules.size() == 5);
  // configmaps: delete on a; get on a and b (rules ordered by their names).
  CHECK(Seq(rules[0]["resources"]) == Strings{"configmaps"});
  CHECK(Seq(rules[0]["resourceNames"]) == Strings{"a"});
  CHECK(Seq(rules[0]["verbs"]) == Strings{"delete"});
  CHECK(Seq(rules[1]["resources"]) == Strings{"configmaps"});
  CHECK(Seq(rules[1]["resourceNames"]) == Strings{"a", "b"});
  CHECK(Seq(rules[1]["verbs"]) == Strings{"get"});
  // pods: one get has no name, so get on any pod, and no named rule.
  CHECK(Seq(rules[2]["resources"]) == Strings{"pods"});
  CHECK_FALSE(rules[2]["resourceNames"]);
  CHECK(Seq(rules[2]["verbs"]) == Strings{"get"});
  // secrets: list cannot be limited to a name; patch can.
  CHECK(Seq(rules[3]["resources"]) == Strings{"secrets"});
  CHECK_FALSE(rules[3]["resourceNames"]);
  CHECK(Seq(rules[3]["verbs"]) == Strings{"list"});
  CHECK(Seq(rules[4]["resourceNames"]) == Strings{"x"});
  CHECK(Seq(rules[4]["verbs"]) == Strings{"patch"});
}

TEST_CASE("RBAC: header notes, odd names, and errors", "[grant][rbac]") {
  // Steps without a kind are named in a comment; no RBAC object at all needs no agent.
  std::string yaml = MustRbac(MustDecode(kBarePlan));
  CHECK(yaml.find("# Steps without a resource kind (not Kubernetes API calls), not granted here: a, b\n") !=
        std::string::npos);
  CHECK(yaml.find("nothing to grant in Kubernetes") != std::string::npos);
  CHECK(Objects(yaml).empty());

  yaml = MustRbac(MustDecode(R"(
agent: {id: "yes"}
context: {now: "2026-05-01T12:00:00Z"}
steps: [{id: "x: y", verb: get, resource: {kind: Widget, namespace: "true"}}]
)"));
  CHECK(yaml.find("# Kind Widget is not a built-in kind and its steps name no group") != std::string::npos);
  std::vector<YAML::Node> objects = Objects(yaml);
  REQUIRE(objects.size() == 2);
  CHECK(Str(objects[0]["metadata"]["name"]) == "gavel-grant");  // no plan id, no grant id
  CHECK(Str(objects[0]["metadata"]["namespace"]) == "true");
  CHECK(objects[0]["metadata"]["namespace"].Tag() == "!");       // quoted, so a string
  CHECK(Str(objects[1]["subjects"][0]["name"]) == "yes");
  CHECK(Seq(objects[0]["rules"][0]["resources"]) == Strings{"widgets"});

  Plan anonymous = MustDecode(kNamespacedPlan);
  absl::StatusOr<std::string> no_agent = GrantToRbacYaml(anonymous, MustSynthesize(anonymous, {}));
  REQUIRE_FALSE(no_agent.ok());
  CHECK(std::string(no_agent.status().message()) ==
        "agent.id: the plan names no agent, so the RBAC bindings have no subject");
}

TEST_CASE("RBAC for every example plan parses, and binds each role to the agent", "[grant][rbac]") {
  for (const std::string& path : ExamplePlans()) {
    INFO(path);
    absl::StatusOr<Plan> plan = ReadPlanFile(path);
    REQUIRE(plan.ok());
    std::vector<YAML::Node> objects = Objects(MustRbac(*plan));
    REQUIRE(objects.size() % 2 == 0);
    REQUIRE_FALSE(objects.empty());
    for (size_t i = 0; i < objects.size(); i += 2) {
      CHECK(Str(objects[i + 1]["kind"]) == Str(objects[i]["kind"]) + "Binding");
      CHECK(Str(objects[i + 1]["roleRef"]["name"]) == Str(objects[i]["metadata"]["name"]));
      CHECK(Str(objects[i + 1]["subjects"][0]["name"]) == plan->agent().message().fields[kAgentId].str());
      CHECK(objects[i]["rules"].size() > 0);
    }
  }
}

}  // namespace
}  // namespace gavel
