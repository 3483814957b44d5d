// Tests for engine/builtins_plan: before/after/upstream/downstream/
// data_sources over a plan's order and data flow, and the grant built-ins covers/ttl, evaluated
// through EvaluateExpression with a decoded plan in scope.
#include <catch2/catch.hpp>

#include <string>

#include "engine/builtins.h"
#include "engine/eval_scope.h"
#include "engine/expression.h"
#include "engine/plan.h"
#include "engine/schema.h"
#include "engine/value.h"

namespace gavel {
namespace {

// a -> b -> c (inputs), d depends on c, e independent, f takes e and a.
constexpr const char* kGraphPlan = R"(
context: {cluster: prod-1, now: "2026-05-01T10:00:00Z"}
steps:
  - {id: a, action: kubectl.get, verb: get, resource: {kind: Secret, namespace: pay, name: db}}
  - {id: b, action: template.render, inputs: [a]}
  - {id: c, action: http.post, inputs: [b], network: {host: x.example.com, egress: true}}
  - {id: d, action: kubectl.apply, depends_on: [c]}
  - {id: e, action: kubectl.get, verb: get, resource: {kind: ConfigMap}}
  - {id: f, action: http.post, inputs: [e], depends_on: [a]}
)";

Plan MustDecode(const std::string& yaml) {
  absl::StatusOr<Plan> plan = DecodePlanYaml(yaml);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

Value Eval(const std::string& expr, const Plan* plan) {
  absl::StatusOr<Value> v = EvaluateExpression(expr, plan);
  INFO(expr << ": " << v.status());
  REQUIRE(v.ok());
  return *v;
}

std::string Ids(const std::string& list_expr, const Plan& plan) {
  Value v = Eval(list_expr + ".map(s, s.id).join(\",\")", &plan);
  INFO(list_expr << " = " << v.DebugString());
  REQUIRE(v.is_string());
  return v.str();
}

bool Bool(const std::string& expr, const Plan& plan) {
  Value v = Eval(expr, &plan);
  INFO(expr << " = " << v.DebugString());
  REQUIRE(v.is_bool());
  return v.bool_value();
}

TEST_CASE("before and after follow plan order", "[builtins][plan]") {
  Plan plan = MustDecode(kGraphPlan);
  CHECK(Ids("plan.steps[0].before()", plan).empty());
  CHECK(Ids("plan.steps[2].before()", plan) == "a,b");
  CHECK(Ids("plan.steps[2].after()", plan) == "d,e,f");
  CHECK(Ids("plan.steps[5].after()", plan).empty());
  CHECK(Bool("plan.steps.all(s, size(s.before()) + size(s.after()) == size(plan.steps) - 1)", plan));
}

TEST_CASE("upstream and downstream are transitive, in plan order, without the step", "[builtins][plan]") {
  Plan plan = MustDecode(kGraphPlan);
  CHECK(Ids("plan.steps[3].upstream()", plan) == "a,b,c");
  CHECK(Ids("plan.steps[2].upstream()", plan) == "a,b");
  CHECK(Ids("plan.steps[0].upstream()", plan).empty());
  CHECK(Ids("plan.steps[5].upstream()", plan) == "a,e");
  CHECK(Ids("plan.steps[0].downstream()", plan) == "b,c,d,f");
  CHECK(Ids("plan.steps[4].downstream()", plan) == "f");
  CHECK(Ids("plan.steps[3].downstream()", plan).empty());
  // Secret data reaches an egress step through two hops.
  CHECK(Bool("plan.steps[2].upstream().exists(s, s.resource.kind == 'Secret')", plan));
  CHECK_FALSE(Bool("plan.steps[4].upstream().exists(s, s.resource.kind == 'Secret')", plan));
}

TEST_CASE("closures over a diamond and a long chain visit each step once", "[builtins][plan]") {
  Plan diamond = MustDecode(R"(
steps:
  - {id: s}
  - {id: l, inputs: [s]}
  - {id: r, depends_on: [s]}
  - {id: t, inputs: [l, r], depends_on: [s]}
)");
  CHECK(Ids("plan.steps[3].upstream()", diamond) == "s,l,r");
  CHECK(Ids("plan.steps[0].downstream()", diamond) == "l,r,t");

  // 2000 steps in a chain: no recursion, so no stack overflow.
  std::string yaml = "steps:\n  - {id: s0}\n";
  for (int i = 1; i < 2000; ++i) {
    yaml += "  - {id: s" + std::to_string(i) + ", depends_on: [s" + std::to_string(i - 1) + "]}\n";
  }
  Plan chain = MustDecode(yaml);
  CHECK(Eval("size(plan.steps[1999].upstream())", &chain).int_value() == 1999);
  CHECK(Eval("size(plan.steps[0].downstream())", &chain).int_value() == 1999);
}

// Data flows over inputs only, depends_on is ordering: a mix of both.
const char* kMixedEdgesPlan = R"(
steps:
  - {id: secret}
  - {id: order, depends_on: [secret]}
  - {id: copy, inputs: [order]}
  - {id: join, inputs: [copy, secret], depends_on: [order]}
  - {id: sink, inputs: [join, join]}
)";

TEST_CASE("data_sources follows inputs only, transitively", "[builtins][plan]") {
  Plan plan = MustDecode(kGraphPlan);
  CHECK(Ids("plan.steps[2].data_sources()", plan) == "a,b");
  CHECK(Ids("plan.steps[1].data_sources()", plan) == "a");
  CHECK(Ids("plan.steps[0].data_sources()", plan).empty());
  // d only depends on c (ordering): no data flows into it.
  CHECK(Ids("plan.steps[3].data_sources()", plan).empty());
  CHECK(Ids("plan.steps[3].upstream()", plan) == "a,b,c");
  // f takes e as input and depends on a: only e is a data source.
  CHECK(Ids("plan.steps[5].data_sources()", plan) == "e");
  // Secret data reaches the egress step c through two hops of inputs.
  CHECK(Bool("plan.steps[2].data_sources().exists(s, s.resource.kind == 'Secret')", plan));
  CHECK_FALSE(Bool("plan.steps[5].data_sources().exists(s, s.resource.kind == 'Secret')", plan));

  // Mixed edges: data flows through inputs only, even past a depends_on hop.
  Plan mixed = MustDecode(kMixedEdgesPlan);
  CHECK(Ids("plan.steps[2].data_sources()", mixed) == "order");
  CHECK(Ids("plan.steps[3].data_sources()", mixed) == "secret,order,copy");
  CHECK(Ids("plan.steps[4].data_sources()", mixed) == "secret,order,copy,join");  // once each

  // A long chain of inputs: no recursion.
  std::string yaml = "steps:\n  - {id: s0}\n";
  for (int i = 1; i < 2000; ++i) {
    yaml += "  - {id: s" + std::to_string(i) + ", inputs: [s" + std::to_string(i - 1) + "]}\n";
  }
  Plan chain = MustDecode(yaml);
  CHECK(Eval("size(plan.steps[1999].data_sources())", &chain).int_value() == 1999);
}

TEST_CASE("the step graph: from the decoder's resolved references, or by id without them, the same",
          "[builtins][plan]") {
  Plan decoded = MustDecode(kMixedEdgesPlan);
  // depends_on first, then inputs, as positions.
  CHECK(decoded.refs.first == std::vector<uint32_t>{0, 0, 1, 2, 5, 7});
  CHECK(decoded.refs.inputs == std::vector<uint32_t>{0, 1, 1, 3, 5});
  CHECK(decoded.refs.targets == std::vector<uint32_t>{0, 1, 1, 2, 0, 3, 3});
  Plan by_id = decoded;
  by_id.refs = StepRefs{};  // as a plan built in memory
  Plan foreign = decoded;
  foreign.refs = MustDecode("steps: [{id: x}]").refs;  // another plan's: ignored
  for (const Plan* plan : {&decoded, &by_id, &foreign}) {
    for (const char* fn : {"upstream", "downstream", "data_sources"}) {
      for (int i = 0; i < 5; ++i) {
        const std::string expr = "plan.steps[" + std::to_string(i) + "]." + fn + "()";
        CAPTURE(expr);
        CHECK(Ids(expr, *plan) == Ids(expr, decoded));
      }
    }
  }
  CHECK(Ids("plan.steps[3].data_sources()", by_id) == "secret,order,copy");
  CHECK(Ids("plan.steps[0].downstream()", foreign) == "order,copy,join,sink");
}

TEST_CASE("a scope's result lists are reused by the next scope, unless still held, within a bound",
          "[builtins][plan]") {
  const BuiltinTable& table = BuiltinTable::Get();
  auto before = [&](const Value& step) { return table.at(table.Find("before")).fn(&step, 1); };
  Plan plan = MustDecode(kGraphPlan);
  EvalScope::Storage storage;
  Value held;
  {
    EvalScope scope(plan.root, &storage);
    REQUIRE(before(plan.steps()[2]).list().elems.size() == 2);
    held = before(plan.steps()[5]);
  }
  // steps[2]'s list was kept (emptied); steps[5]'s is still held here.
  REQUIRE(storage.spare_lists.size() == 1);
  CHECK(storage.spare_lists[0].list().elems.empty());
  CHECK(held.list().elems.size() == 5);
  const Value spare = storage.spare_lists[0];
  {
    EvalScope scope(plan.root, &storage);
    Value again = before(plan.steps()[3]);
    CHECK(again.SameObject(spare));  // the same list, refilled
    REQUIRE(again.list().elems.size() == 3);
    CHECK(again.list().elems[2].message().fields[kStepId].str() == "c");
  }
  CHECK(held.list().elems.size() == 5);  // untouched by the reuse

  // A large plan leaves at most the bound's worth of lists behind.
  std::string yaml = "steps:\n";
  for (int i = 0; i < 500; ++i) yaml += "  - {id: s" + std::to_string(i) + "}\n";
  Plan big = MustDecode(yaml);
  EvalScope::Storage big_storage;
  {
    EvalScope scope(big.root, &big_storage);
    for (const Value& step : big.steps()) REQUIRE(before(step).is_list());  // 0 + 1 + ... + 499 elements
  }
  CHECK(big_storage.spare_capacity <= 64 * 1024);
  CHECK(big_storage.spare_lists.size() < 500);
  CHECK(big_storage.spare_lists.size() > 100);
}

TEST_CASE("step lists borrow their steps and keep the plan alive instead", "[builtins][plan]") {
  const BuiltinTable& table = BuiltinTable::Get();
  auto call = [&](const char* fn, const Value& step) { return table.at(table.Find(fn)).fn(&step, 1); };
  Value before, upstream;
  {
    Plan plan = MustDecode(kGraphPlan);
    const Value& c = plan.steps()[2];
    const int32_t refs = c.message().refs.load();
    EvalScope scope(plan.root);
    before = call("before", plan.steps()[3]);
    upstream = call("upstream", plan.steps()[3]);
    REQUIRE(before.list().elems.size() == 3);
    REQUIRE(upstream.list().elems.size() == 3);
    // The steps are borrowed (no reference per step), the plan's root held.
    for (const Value& s : before.list().elems) CHECK(s.borrowed());
    CHECK(before.list().elems[2].SameObject(c));
    CHECK(c.message().refs.load() == refs);
    CHECK(before.list().owner.SameObject(plan.root));
    CHECK_FALSE(before.list().owner.borrowed());
  }
  // The plan is gone; its root, and so its steps, live on in the lists
  // (ASan checks these reads).
  auto ids = [](const Value& list) {
    std::string out;
    for (const Value& s : list.list().elems) out += s.message().fields[kStepId].str();
    return out;
  };
  CHECK(ids(before) == "abc");
  CHECK(ids(upstream) == "abc");
  // An element taken out and owned outlives the list too.
  Value b = before.list().elems[1];
  b.Own();
  before = Value();
  upstream = Value();
  CHECK(b.message().fields[kStepId].str() == "b");
}

TEST_CASE("plan built-ins fail closed outside a plan or on a foreign step", "[builtins][plan]") {
  const BuiltinTable& table = BuiltinTable::Get();
  Plan plan = MustDecode(kGraphPlan);
  const Value step = plan.steps()[1];
  for (const char* name : {"before", "after", "upstream", "downstream", "data_sources"}) {
    INFO(name);
    Value got = table.at(table.Find(name)).fn(&step, 1);  // no EvalScope
    REQUIRE(got.is_error());
    CHECK(got.error_message().find("needs a plan") != std::string::npos);
  }
  // A step of another plan (by id) is an error.
  Plan other = MustDecode("steps: [{id: zzz}]");
  {
    EvalScope scope(plan.root);
    const Value foreign = other.steps()[0];
    Value got = table.at(table.Find("upstream")).fn(&foreign, 1);
    REQUIRE(got.is_error());
    CHECK(got.error_message().find("`zzz` is not a step of the plan") != std::string::npos);
    // Scopes nest and restore.
    {
      EvalScope inner{Value()};
      CHECK(table.at(table.Find("before")).fn(&step, 1).is_error());
    }
    CHECK(table.at(table.Find("before")).fn(&step, 1).is_list());
  }
  CHECK(EvalScope::Current() == nullptr);
  // Through EvaluateExpression without a plan: plan.steps is empty, so use a
  // variable of type Step.
  ExpressionOptions opts;
  opts.bindings["s"] = step;
  absl::StatusOr<ExpressionResult> r = EvaluateExpression("s.before()", opts);
  REQUIRE(r.ok());
  CHECK(r->value.is_error());
}

constexpr const char* kGrantPlan = R"(
context: {cluster: prod-1, now: "2026-05-01T10:00:00Z"}
agent:
  grants:
    - id: deploy
      actions: ["kubectl.*"]
      verbs: [get, apply]
      resources: [Deployment, ConfigMap]
      namespaces: ["team-*"]
      clusters: [prod-1]
      not_before: "2026-05-01T09:00:00Z"
      expires_at: "2026-05-01T11:00:00Z"
    - {id: any, actions: ["*"], verbs: ["*"], resources: ["*"], namespaces: ["*"], clusters: ["*"]}
    - {id: empty}
    - {id: http, actions: ["http.get"], clusters: [prod-1], expires_at: "2026-05-01T10:30:00Z"}
    - {id: badglob, actions: ["kubectl.[x"]}
    - {id: http-no-cluster, actions: ["http.get"]}
steps:
  - {id: ok, action: kubectl.apply, verb: apply, resource: {kind: Deployment, namespace: team-a},
     starts_at: "2026-05-01T10:00:00Z", duration: 10m}
  - {id: other_ns, action: kubectl.apply, verb: apply, resource: {kind: Deployment, namespace: kube-system},
     starts_at: "2026-05-01T10:00:00Z", duration: 10m}
  - {id: delete, action: kubectl.delete, verb: delete, resource: {kind: Deployment, namespace: team-a},
     starts_at: "2026-05-01T10:00:00Z"}
  - {id: late, action: kubectl.apply, verb: apply, resource: {kind: Deployment, namespace: team-a},
     starts_at: "2026-05-01T10:55:00Z", duration: 10m}
  - {id: early, action: kubectl.apply, verb: apply, resource: {kind: Deployment, namespace: team-a},
     starts_at: "2026-05-01T08:30:00Z", duration: 10m}
  - {id: other_cluster, action: kubectl.apply, verb: apply,
     resource: {kind: Deployment, namespace: team-a, cluster: prod-2}, starts_at: "2026-05-01T10:00:00Z"}
  - {id: fetch, action: http.get}
  - {id: no_ns, action: kubectl.get, verb: get, resource: {kind: ConfigMap}, starts_at: "2026-05-01T10:00:00Z"}
  - {id: exact_end, action: kubectl.get, verb: get, resource: {kind: ConfigMap, namespace: team-b},
     starts_at: "2026-05-01T10:50:00Z", duration: 10m}
)";

bool Covers(const Plan& plan, int grant, int step) {
  return Bool("agent.grants[" + std::to_string(grant) + "].covers(plan.steps[" + std::to_string(step) + "])", plan);
}

TEST_CASE("covers matches actions, verbs, kinds, namespaces and clusters", "[builtins][grant]") {
  Plan plan = MustDecode(kGrantPlan);
  CHECK(Covers(plan, 0, 0));
  CHECK_FALSE(Covers(plan, 0, 1));  // namespace glob
  CHECK_FALSE(Covers(plan, 0, 2));  // verb
  CHECK_FALSE(Covers(plan, 0, 5));  // cluster
  CHECK_FALSE(Covers(plan, 0, 6));  // action glob
  CHECK_FALSE(Covers(plan, 0, 7));  // empty namespace needs an empty list or `*`
  CHECK(Covers(plan, 0, 8));        // ends exactly at expires_at
  for (int s = 0; s < 9; ++s) {
    INFO("step " << s);
    CHECK(Covers(plan, 1, s));       // all `*`, unbounded in time
    CHECK_FALSE(Covers(plan, 2, s)); // empty actions cover nothing
  }
  // No verb, kind, namespace on the step: empty lists do not restrict it.
  CHECK(Covers(plan, 3, 6));
  CHECK_FALSE(Covers(plan, 3, 0));
  // The step's cluster comes from context.cluster, which an empty
  // `clusters` does not cover.
  CHECK_FALSE(Covers(plan, 5, 6));
}

TEST_CASE("covers: a grant's globs made ready once per evaluation, never reused by the next", "[builtins][grant]") {
  // Plans decoded and freed in turn (their grants often at the same
  // addresses), with different patterns: each evaluation sees its own.
  for (int i = 0; i < 40; ++i) {
    const std::string ns = i % 2 ? "team-*" : "prod-*";
    Plan plan = MustDecode("agent: {grants: [{id: g, actions: [\"kubectl.*\"], namespaces: [\"" + ns +
                           "\"]}]}\nsteps: [{id: s, action: kubectl.get, resource: {namespace: team-a}}]");
    CAPTURE(i);
    CHECK(Covers(plan, 0, 0) == (i % 2 == 1));
  }
  // Past the grants kept per evaluation, the rest are matched pattern by
  // pattern, with the same results.
  std::string yaml = "agent:\n  grants:\n";
  for (int g = 0; g < 70; ++g) {
    yaml += "    - {id: g" + std::to_string(g) + ", actions: [\"kubectl.*\"], namespaces: [\"team-" +
            std::to_string(g) + "*\"]}\n";
  }
  yaml += "steps: [{id: s, action: kubectl.get, resource: {namespace: team-69x}}]";
  Plan many = MustDecode(yaml);
  CHECK(Bool("agent.grants.filter(g, g.covers(plan.steps[0])).map(g, g.id) == [\"g6\", \"g69\"]", many));
  CHECK(Bool("agent.grants.all(g, g.covers(plan.steps[0]) == plan.steps[0].resource.namespace.startsWith("
             "g.namespaces[0].substring(0, size(g.namespaces[0]) - 1)))", many));
}

TEST_CASE("covers needs the grant valid over the whole step", "[builtins][grant]") {
  Plan plan = MustDecode(kGrantPlan);
  CHECK_FALSE(Covers(plan, 0, 3));  // expires during the step
  CHECK_FALSE(Covers(plan, 0, 4));  // not yet valid when it starts
  // A step without starts_at runs at context.now.
  CHECK(Covers(plan, 3, 6));
  Plan no_now = MustDecode(R"(
agent: {grants: [{id: g, actions: ["*"], expires_at: "2026-05-01T11:00:00Z"}, {id: h, actions: ["*"]}]}
steps: [{id: s, action: x}]
)");
  Value v = Eval("agent.grants[0].covers(plan.steps[0])", &no_now);
  REQUIRE(v.is_error());
  CHECK(v.error_message().find("no starts_at") != std::string::npos);
  CHECK(Bool("agent.grants[1].covers(plan.steps[0])", no_now));  // no time bounds: time does not matter
}

TEST_CASE("covers: an invalid glob in the grant is an error", "[builtins][grant]") {
  Plan plan = MustDecode(kGrantPlan);
  Value v = Eval("agent.grants[4].covers(plan.steps[0])", &plan);
  REQUIRE(v.is_error());
  CHECK(v.error_message().find("invalid glob") != std::string::npos);
}

TEST_CASE("ttl is the time from context.now to expires_at", "[builtins][grant]") {
  Plan plan = MustDecode(kGrantPlan);
  CHECK(Bool("agent.grants[0].ttl() == duration('1h')", plan));
  CHECK(Bool("agent.grants[3].ttl() == duration('30m')", plan));
  Value v = Eval("agent.grants[1].ttl()", &plan);
  REQUIRE(v.is_error());
  CHECK(v.error_message().find("no expires_at") != std::string::npos);
  Plan expired = MustDecode(R"(
context: {now: "2026-05-01T12:00:00Z"}
agent: {grants: [{id: g, expires_at: "2026-05-01T11:00:00Z"}]}
)");
  CHECK(Bool("agent.grants[0].ttl() == duration('-1h')", expired));
  Plan no_now = MustDecode(R"(agent: {grants: [{id: g, expires_at: "2026-05-01T11:00:00Z"}]})");
  CHECK(Eval("agent.grants[0].ttl()", &no_now).is_error());
}

TEST_CASE("plan built-ins are type checked", "[builtins][plan]") {
  CHECK_FALSE(EvaluateExpression("'x'.before()").ok());
  CHECK_FALSE(EvaluateExpression("agent.grants[0].data_sources()").ok());
  CHECK_FALSE(EvaluateExpression("plan.steps[0].covers(plan.steps[0])").ok());
  CHECK_FALSE(EvaluateExpression("agent.grants[0].covers(agent.grants[0])").ok());
  CHECK(EvaluateExpression("plan.steps.map(s, s.upstream())").ok());
}

}  // namespace
}  // namespace gavel
