// Tests of the plan decoders (JSON, YAML, binary protobuf), the shared
// builder's checks and error wording, and timestamps and durations.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/plan.h"
#include "engine/plan_internal.h"
#include "engine/schema.h"
#include "engine/value.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#if __has_include("proto/gavel/v1/plan.pb.h")
#include "proto/gavel/v1/plan.pb.h"
#else
#include "plan.pb.h"
#endif

#ifndef GAVEL_SOURCE_DIR
#define GAVEL_SOURCE_DIR "."
#endif

namespace gavel {
namespace {

std::string DataPath(const std::string& name) { return std::string(GAVEL_SOURCE_DIR) + "/tests/data/plans/" + name; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The error message of decoding `text`, or "OK".
std::string JsonError(std::string_view text, const PlanLimits& limits = {}) {
  auto plan = DecodePlanJson(text, limits);
  return plan.ok() ? "OK" : std::string(plan.status().message());
}
std::string YamlError(std::string_view text, const PlanLimits& limits = {}) {
  auto plan = DecodePlanYaml(text, limits);
  return plan.ok() ? "OK" : std::string(plan.status().message());
}
std::string ProtoError(const v1::Plan& p, const PlanLimits& limits = {}) {
  auto plan = DecodePlanProto(p.SerializeAsString(), limits);
  return plan.ok() ? "OK" : std::string(plan.status().message());
}

Plan MustJson(std::string_view text) {
  auto plan = DecodePlanJson(text);
  INFO(plan.status().ToString());
  REQUIRE(plan.ok());
  return *std::move(plan);
}
Plan MustYaml(std::string_view text) {
  auto plan = DecodePlanYaml(text);
  INFO(plan.status().ToString());
  REQUIRE(plan.ok());
  return *std::move(plan);
}

const Value& Field(const Value& message, int index) { return message.message().fields[index]; }

void SetTime(google::protobuf::Timestamp* t, int64_t seconds, int32_t nanos = 0) {
  t->set_seconds(seconds);
  t->set_nanos(nanos);
}

google::protobuf::Value* Put(google::protobuf::Struct* s, const std::string& key) { return &(*s->mutable_fields())[key]; }

// full.json built with the generated classes.
v1::Plan FullProto() {
  v1::Plan p;
  p.set_id("plan-42");
  SetTime(p.mutable_created_at(), 1795687200);  // 2026-11-26T10:00:00Z
  Put(p.mutable_labels(), "team")->set_string_value("platform");
  Put(p.mutable_labels(), "ticket")->set_string_value("OPS-1234");
  auto* agent = p.mutable_agent();
  agent->set_id("agent-7");
  agent->set_delegated_by("alice@example.com");
  agent->set_session("sess-1");
  auto* g = agent->add_grants();
  g->set_id("g1");
  g->add_actions("kubectl.*");
  g->add_actions("http.post");
  for (const char* v : {"get", "create", "delete"}) g->add_verbs(v);
  g->add_resources("Deployment");
  g->add_resources("Pod");
  g->add_namespaces("shop-*");
  g->add_clusters("prod-eu");
  SetTime(g->mutable_not_before(), 1795687200 - 3600);
  SetTime(g->mutable_expires_at(), 1795687200);  // 11:00+01:00
  g->set_issued_by("vault");
  auto* ctx = p.mutable_context();
  ctx->set_environment("prod");
  ctx->set_airgapped(false);
  ctx->set_cluster("prod-eu");
  ctx->set_region("eu-west-1");
  SetTime(ctx->mutable_now(), 1795687200 + 300, 123456789);
  Put(ctx->mutable_labels(), "tier")->set_string_value("gold");
  auto* attrs = ctx->mutable_attrs();
  Put(attrs, "change_window")->set_bool_value(true);
  Put(attrs, "max_pods")->set_number_value(40);
  Put(Put(Put(attrs, "meta")->mutable_struct_value(), "a")->mutable_struct_value(), "b")
      ->set_null_value(google::protobuf::NULL_VALUE);
  auto* owners = Put(attrs, "owners")->mutable_list_value();
  owners->add_values()->set_string_value("bob");
  owners->add_values()->set_string_value("carol");
  Put(attrs, "ratio")->set_number_value(0.25);

  auto* s1 = p.add_steps();
  s1->set_id("s1");
  s1->set_action("kubectl.get");
  s1->set_verb("get");
  auto* r = s1->mutable_resource();
  r->set_kind("Deployment");
  r->set_group("apps");
  r->set_namespace_("shop-frontend");
  r->set_name("web");
  r->set_cluster("prod-eu");
  Put(s1->mutable_args(), "output")->set_string_value("json");
  Put(s1->mutable_args(), "replicas")->set_number_value(3);
  SetTime(s1->mutable_starts_at(), 1795687200 + 600);
  s1->mutable_duration()->set_seconds(30);

  auto* s2 = p.add_steps();
  s2->set_id("s2");
  s2->set_index(1);
  s2->set_action("http.post");
  s2->set_verb("create");
  auto* n = s2->mutable_network();
  n->set_host("hooks.example.com");
  n->set_ip("203.0.113.7");
  n->set_port(443);
  n->set_protocol("https");
  n->set_egress(true);
  auto* body = Put(s2->mutable_args(), "body")->mutable_struct_value();
  auto* tags = Put(body, "tags")->mutable_list_value();
  tags->add_values()->set_string_value("a");
  tags->add_values()->set_number_value(1);
  tags->add_values()->set_number_value(2.5);
  tags->add_values()->set_bool_value(false);
  tags->add_values()->set_null_value(google::protobuf::NULL_VALUE);
  Put(body, "text")->set_string_value("deploying");
  s2->mutable_duration()->set_seconds(5400);
  s2->add_depends_on("s1");
  Put(s2->mutable_labels(), "risk")->set_string_value("low");

  auto* s3 = p.add_steps();
  s3->set_action("kubectl.delete");
  s3->set_verb("delete");
  auto* r3 = s3->mutable_resource();
  r3->set_kind("Pod");
  r3->set_namespace_("shop-frontend");
  r3->set_name("web-abc");
  Put(s3->mutable_args(), "big")->set_number_value(1e300);
  Put(s3->mutable_args(), "grace_period")->set_number_value(-1);
  SetTime(s3->mutable_starts_at(), 1795687200 + 1200, 500000000);
  s3->mutable_duration()->set_nanos(250000000);
  s3->add_depends_on("s1");
  s3->add_inputs("s2");
  return p;
}

// Protobuf maps serialize in a per-process order unless asked not to.
std::string DeterministicBytes(const v1::Plan& p) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    p.SerializeToCodedStream(&coded);
  }
  return out;
}

// ---------------------------------------------------------------------------

TEST_CASE("the proto matches the schema table", "[plan][proto]") {
  const Schema& schema = Schema::Get();
  const google::protobuf::Descriptor* descs[] = {
      v1::Plan::descriptor(), v1::Agent::descriptor(),    v1::Grant::descriptor(),  v1::Context::descriptor(),
      v1::Step::descriptor(), v1::Resource::descriptor(), v1::Network::descriptor()};
  for (const auto* d : descs) {
    const MessageType* m = schema.FindMessage(d->full_name());
    REQUIRE(m != nullptr);
    REQUIRE(static_cast<size_t>(d->field_count()) == m->fields.size());
    for (int i = 0; i < d->field_count(); ++i) {
      INFO(d->full_name() << "." << d->field(i)->name());
      CHECK(d->field(i)->name() == m->fields[i].name);
      CHECK(d->field(i)->number() == i + 1);
      CHECK(d->field(i)->is_repeated() == (m->fields[i].type.kind() == TypeKind::kList));
    }
  }
}

TEST_CASE("a step's fields decode the same in any order", "[plan]") {
  Plan in_order = MustJson(R"({"steps": [{"id": "a", "action": "kubectl.get", "verb": "get",
      "resource": {"kind": "Pod", "namespace": "web", "name": "p"}, "duration": "2m", "inputs": []}]})");
  Plan reversed = MustJson(R"({"steps": [{"inputs": [], "duration": "2m",
      "resource": {"name": "p", "namespace": "web", "kind": "Pod"}, "verb": "get", "action": "kubectl.get", "id": "a"}]})");
  Plan shuffled = MustJson(R"({"steps": [{"verb": "get", "id": "a", "duration": "2m", "action": "kubectl.get",
      "resource": {"namespace": "web", "kind": "Pod", "name": "p"}, "inputs": []}]})");
  CHECK(in_order.root.DebugString() == reversed.root.DebugString());
  CHECK(in_order.root.DebugString() == shuffled.root.DebugString());
  auto duplicate = DecodePlanJson(R"({"steps": [{"id": "a", "action": "x", "id": "b"}]})");
  REQUIRE_FALSE(duplicate.ok());
  CHECK(std::string(duplicate.status().message()).find("duplicate key") != std::string::npos);
}

TEST_CASE("a full plan decodes the same from JSON, YAML and protobuf", "[plan]") {
  Plan json = MustJson(ReadFile(DataPath("full.json")));
  Plan yaml = MustYaml(ReadFile(DataPath("full.yaml")));
  auto proto = DecodePlanProto(FullProto().SerializeAsString());
  REQUIRE(proto.ok());
  CHECK(json.root.DebugString() == yaml.root.DebugString());
  CHECK(json.root.DebugString() == proto->root.DebugString());

  // Spot checks of the engine form.
  const auto& steps = json.steps();
  REQUIRE(steps.size() == 3);
  CHECK(Field(steps[2], kStepId).str() == "#2");
  CHECK(Field(steps[2], kStepIndex).int_value() == 2);
  CHECK(Field(steps[0], kStepIndex).int_value() == 0);
  for (const Plan* p : {&json, &yaml, &*proto}) {
    const auto& s = p->steps();
    CHECK(Field(s[2], kStepId).str() == "#2");
    CHECK_FALSE(s[2].message().has(kStepId));
    CHECK_FALSE(s[0].message().has(kStepIndex));
    CHECK(s[1].message().has(kStepIndex));
    CHECK(Field(s[1], kStepIndex).int_value() == 1);
    CHECK(p->context().message().has(kContextAirgapped));
    CHECK(Field(p->context(), kContextAirgapped).is_false());
    CHECK(Field(s[1], kStepDuration).time_rep().seconds == 5400);
    CHECK(Field(s[2], kStepDuration).time_rep().nanos == 250000000);
    CHECK(Field(s[1], kStepArgs).DebugString() == R"({"body": {"tags": ["a", 1, 2.5, false, null], "text": "deploying"}})");
    CHECK(Field(s[2], kStepArgs).DebugString() == R"({"big": 1e+300, "grace_period": -1})");
    CHECK(Field(p->context(), kContextNow).time_rep().nanos == 123456789);
    const Value& grant = Field(p->agent(), kAgentGrants).list().elems[0];
    CHECK(Field(grant, kGrantExpiresAt).time_rep().seconds == 1795687200);
    CHECK(Field(Field(s[0], kStepNetwork), kNetworkPort).int_value() == 0);
    CHECK_FALSE(s[0].message().has(kStepNetwork));
    CHECK(Field(Field(s[1], kStepNetwork), kNetworkPort).int_value() == 443);
  }
  CHECK(Field(json.context(), kContextAttrs).DebugString() ==
        R"({"change_window": true, "max_pods": 40, "meta": {"a": {"b": null}}, "owners": ["bob", "carol"], "ratio": 0.25})");
}

TEST_CASE("ReadPlanFile picks the decoder by extension", "[plan][file]") {
  auto json = ReadPlanFile(DataPath("full.json"));
  REQUIRE(json.ok());
  auto yaml = ReadPlanFile(DataPath("full.yaml"));
  REQUIRE(yaml.ok());
  CHECK(json->root.DebugString() == yaml->root.DebugString());

  char dir_template[] = "/tmp/gavel-plan-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  for (const char* ext : {".pb", ".binpb"}) {
    const std::string pb = dir + "/plan" + ext;
    {
      std::ofstream out(pb, std::ios::binary);
      out << FullProto().SerializeAsString();
    }
    auto proto = ReadPlanFile(pb);
    REQUIRE(proto.ok());
    CHECK(proto->root.DebugString() == json->root.DebugString());
    std::remove(pb.c_str());
  }
  const std::string bad = dir + "/bad.yml";
  {
    std::ofstream out(bad);
    out << "steps:\n  - verb: [get]\n";
  }
  auto err = ReadPlanFile(bad);
  CHECK(err.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(err.status().message() == bad + ": steps[0].verb (line 2, column 11): expected a string, got a sequence");
  std::remove(bad.c_str());

  auto missing = ReadPlanFile(dir + "/nope.json");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(missing.status().message() == dir + "/nope.json: cannot open: No such file or directory");
  auto ext = ReadPlanFile(dir + "/plan.txt");
  CHECK(ext.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ext.status().message() == dir + "/plan.txt: unknown plan format (expected .json, .yaml, .yml, .pb or .binpb)");
  auto directory = ReadPlanFile(dir + "/.json");  // a file named ".json" that does not exist
  CHECK(directory.status().code() == absl::StatusCode::kNotFound);
  rmdir(dir.c_str());

  CHECK(DecodePlan("{}", PlanFormat::kJson).ok());
  CHECK(DecodePlan("{}", PlanFormat::kYaml).ok());
  CHECK(DecodePlan("", PlanFormat::kProto).ok());
}

TEST_CASE("defaults and present bits", "[plan]") {
  for (const Plan& plan : {MustJson(R"({"steps": [{}]})"), MustYaml("steps:\n  - {}\n")}) {
    const MessageData& m = plan.message();
    CHECK(m.present == (uint64_t{1} << kPlanSteps));
    CHECK(m.fields[kPlanId].str().empty());
    CHECK(m.fields[kPlanCreatedAt].is_timestamp());
    CHECK(m.fields[kPlanCreatedAt].time_rep().seconds == 0);
    CHECK(m.fields[kPlanLabels].is_map());
    CHECK(m.fields[kPlanLabels].map().entries.empty());
    CHECK(plan.agent().is_message());
    CHECK(plan.agent().message().present == 0);
    CHECK(Field(plan.agent(), kAgentGrants).list().elems.empty());
    CHECK(Field(plan.context(), kContextAirgapped).is_false());
    CHECK(Field(plan.context(), kContextNow).is_timestamp());
    REQUIRE(plan.steps().size() == 1);
    const Value& step = plan.steps()[0];
    CHECK(step.message().present == 0);
    CHECK(Field(step, kStepId).str() == "#0");
    CHECK(Field(step, kStepIndex).int_value() == 0);
    CHECK(Field(step, kStepDuration).is_duration());
    CHECK(Field(step, kStepResource).message().type == &Schema::Get().resource);
    CHECK(Field(Field(step, kStepResource), kResourceNamespace).str().empty());
    CHECK(Field(Field(step, kStepNetwork), kNetworkEgress).is_false());
    CHECK(Field(step, kStepArgs).is_map());
    CHECK(Field(step, kStepDependsOn).is_list());
  }
  // Every message has all its fields.
  Plan empty = MustJson("{}");
  CHECK(empty.message().fields.size() == Schema::Get().plan.fields.size());
  CHECK(empty.context().message().fields.size() == Schema::Get().context.fields.size());
  CHECK(empty.steps().empty());
  // Present bits follow the input, even for default values; null is unset.
  Plan p = MustJson(R"({"id": "", "labels": {}, "context": {"airgapped": false, "region": null}, "agent": null})");
  CHECK(p.message().has(kPlanId));
  CHECK(p.message().has(kPlanLabels));
  CHECK(p.message().has(kPlanContext));
  CHECK_FALSE(p.message().has(kPlanAgent));
  CHECK(p.context().message().has(kContextAirgapped));
  CHECK_FALSE(p.context().message().has(kContextRegion));
  Plan y = MustYaml("id:\ncontext:\n  region: ~\n  cluster: null\n");
  CHECK(y.message().present == (uint64_t{1} << kPlanContext));
  CHECK(y.context().message().present == 0);
  // An explicit empty id also gets "#<index>".
  CHECK(Field(MustJson(R"({"steps": [{}, {"id": ""}]})").steps()[1], kStepId).str() == "#1");
}

TEST_CASE("open maps hold any JSON value", "[plan]") {
  Plan p = MustJson(R"({"labels": {"z": 1, "a": [1, -2, 9223372036854775807, -9223372036854775808, 18446744073709551615,
      1.0, 1e2, "s", true, null, {"k": {"x": []}}], "m": {}}})");
  CHECK(p.message().fields[kPlanLabels].DebugString() ==
        R"({"z": 1, "a": [1, -2, 9223372036854775807, -9223372036854775808, 1.84467e+19, 1.0, 100.0, "s", true, null, {"k": {"x": []}}], "m": {}})");
  const auto& a = p.message().fields[kPlanLabels].map().FindString("a")->list().elems;
  CHECK(a[0].is_int());
  CHECK(a[4].is_double());
  CHECK(a[5].is_double());

  Plan y = MustYaml(R"(labels:
  plain_int: 42
  neg: -7
  hex: 0x1F
  oct: 0o17
  float: 1.5
  exp: 1e3
  inf: .inf
  quoted_int: "42"
  single: '3.5'
  yes_is_string: yes
  bool: True
  null1: ~
  null2: null
  null3:
  null_quoted: "null"
  str_tag: !!str 12
  big: 99999999999999999999
  text: hello world
  block: |
    line one
  list: [1, two, 3.0, false]
  nested: {a: {b: [x, {c: d}]}}
)");
  CHECK(y.message().fields[kPlanLabels].DebugString() ==
        R"({"plain_int": 42, "neg": -7, "hex": 31, "oct": 15, "float": 1.5, "exp": 1000.0, "inf": +infinity, )"
        R"("quoted_int": "42", "single": "3.5", "yes_is_string": "yes", "bool": true, "null1": null, "null2": null, )"
        R"("null3": null, "null_quoted": "null", "str_tag": "12", "big": 1e+20, "text": "hello world", )"
        R"("block": "line one\n", "list": [1, "two", 3.0, false], "nested": {"a": {"b": ["x", {"c": "d"}]}}})");
  // Typed fields read the scalar's text.
  Plan t = MustYaml("id: 123\nsteps:\n  - id: true\n    network: {port: \"443\", egress: TRUE}\n");
  CHECK(t.message().fields[kPlanId].str() == "123");
  CHECK(Field(t.steps()[0], kStepId).str() == "true");
  CHECK(Field(Field(t.steps()[0], kStepNetwork), kNetworkPort).int_value() == 443);
  CHECK(Field(Field(t.steps()[0], kStepNetwork), kNetworkEgress).is_true());
  // Anchors and aliases.
  Plan al = MustYaml("labels:\n  a: &x [1, 2]\n  b: *x\n");
  CHECK(al.message().fields[kPlanLabels].DebugString() == R"({"a": [1, 2], "b": [1, 2]})");
}

TEST_CASE("type errors name the path and the types", "[plan][errors]") {
  CHECK(JsonError(R"({"steps": [{}, {}, {}, {"resource": {"namespace": 5}}]})") ==
        "steps[3].resource.namespace: expected a string, got a number");
  CHECK(JsonError(R"({"steps": [{"resource": {"namspace": "x"}}]})") ==
        "steps[0].resource: unknown field `namspace` (did you mean `namespace`?)");
  CHECK(JsonError(R"({"stpes": []})") == "plan: unknown field `stpes` (did you mean `steps`?)");
  CHECK(JsonError(R"({"whatever": 1})") == "plan: unknown field `whatever`");
  CHECK(JsonError(R"({"id": 1})") == "id: expected a string, got a number");
  CHECK(JsonError(R"({"id": ["a"]})") == "id: expected a string, got an array");
  CHECK(JsonError(R"({"agent": "me"})") == "agent: expected an object, got a string");
  CHECK(JsonError(R"({"steps": {}})") == "steps: expected an array, got an object");
  CHECK(JsonError(R"({"steps": [1]})") == "steps[0]: expected an object, got a number");
  CHECK(JsonError(R"({"steps": [null]})") == "steps[0]: expected an object, got null");
  CHECK(JsonError(R"({"steps": [{"depends_on": ["a", 2]}]})") == "steps[0].depends_on[1]: expected a string, got a number");
  CHECK(JsonError(R"({"steps": [{"depends_on": [null]}]})") == "steps[0].depends_on[0]: expected a string, got null");
  CHECK(JsonError(R"({"steps": [{"args": []}]})") == "steps[0].args: expected an object, got an array");
  CHECK(JsonError(R"({"context": {"airgapped": "yes"}})") == "context.airgapped: expected a boolean, got a string");
  CHECK(JsonError(R"({"context": {"airgapped": 1}})") == "context.airgapped: expected a boolean, got a number");
  CHECK(JsonError(R"({"created_at": 5})") == "created_at: expected a timestamp string, got a number");
  CHECK(JsonError(R"({"steps": [{"duration": 300}]})") == "steps[0].duration: expected a duration string, got a number");
  CHECK(JsonError("[]") == "plan: expected an object, got an array");
  CHECK(JsonError("null") == "plan: expected an object, got null");
  CHECK(JsonError(R"({"labels": {"a": 1, "a": 2}})") == "labels: duplicate key `a`");
  CHECK(JsonError(R"({"id": "a", "id": "b"})") == "plan: duplicate key `id`");
  CHECK(JsonError(R"({"steps": [{"args": {"x": {"y.z": {"q": 1, "q": 1}}}}]})") ==
        "steps[0].args.x[\"y.z\"]: duplicate key `q`");
}

TEST_CASE("int fields", "[plan][errors]") {
  CHECK(JsonError(R"({"steps": [{"index": 1.5}]})") == "steps[0].index: expected an integer, got 1.5");
  CHECK(JsonError(R"({"steps": [{"index": 0.0}]})") == "steps[0].index: expected an integer, got 0.0");
  CHECK(JsonError(R"({"steps": [{"index": "0"}]})") == "steps[0].index: expected an integer, got a string");
  CHECK(JsonError(R"({"steps": [{"index": -1}]})") == "steps[0].index: must not be negative, got -1");
  CHECK(JsonError(R"({"steps": [{"index": 9223372036854775808}]})") ==
        "steps[0].index: integer 9223372036854775808 does not fit in int64");
  CHECK(JsonError(R"({"steps": [{"network": {"port": 70000}}]})") ==
        "steps[0].network.port: port 70000 is out of range 0..65535");
  CHECK(JsonError(R"({"steps": [{"network": {"port": -1}}]})") == "steps[0].network.port: port -1 is out of range 0..65535");
  CHECK(JsonError(R"({"steps": [{"network": {"port": 65535}}, {"network": {"port": 0}}]})") == "OK");
  CHECK(YamlError("steps:\n  - network: {port: 1.5}\n") ==
        "steps[0].network.port (line 2, column 21): expected an integer, got `1.5`");
  CHECK(YamlError("steps:\n  - network: {port: http}\n") ==
        "steps[0].network.port (line 2, column 21): expected an integer, got `http`");
  CHECK(YamlError("steps:\n  - network: {port: 99999999999999999999}\n") ==
        "steps[0].network.port (line 2, column 21): integer `99999999999999999999` does not fit in int64");
  CHECK(YamlError("steps:\n  - network: {egress: yes}\n") ==
        "steps[0].network.egress (line 2, column 23): expected a boolean, got `yes`");
  CHECK(YamlError("steps:\n  - network: {egress: [true]}\n") ==
        "steps[0].network.egress (line 2, column 23): expected a boolean, got a sequence");
}

TEST_CASE("YAML errors carry line and column", "[plan][yaml][errors]") {
  const char* plan = R"(id: p
steps:
  - id: a
    verb: get
  - id: b
    verb:
      nested: true
)";
  CHECK(YamlError(plan) == "steps[1].verb (line 7, column 7): expected a string, got a mapping");
  CHECK(YamlError("steps:\n  - resource:\n      namspace: x\n") ==
        "steps[0].resource (line 3, column 7): unknown field `namspace` (did you mean `namespace`?)");
  CHECK(YamlError("labels:\n  a: 1\n  a: 2\n") == "labels (line 3, column 3): duplicate key `a`");
  CHECK(YamlError("labels:\n  ? [a]\n  : 1\n") == "labels (line 2, column 5): a key must be a string, got a sequence");
  CHECK(YamlError("- a\n") == "plan (line 1, column 1): expected a mapping, got a sequence");
  CHECK(YamlError("") == "plan: expected a mapping, got null");
  CHECK(YamlError("a: 1\n---\nb: 2\n") == "yaml: line 2, column 1: expected one document, found another");
  CHECK(YamlError("steps: [a, b") .rfind("yaml: line ", 0) == 0);
  CHECK(YamlError("id: [1,\nsteps: x\n").rfind("yaml: line ", 0) == 0);
  CHECK(YamlError("id: a: b\n") == "yaml: line 1, column 6: illegal map value");
  CHECK(YamlError("steps:\n  - a\n - b\n").rfind("yaml: line 3, column 2: ", 0) == 0);
  (void)DecodePlanYaml("id: \"unterminated\n");  // yaml-cpp accepts this; it must not crash
  CHECK(YamlError("steps:\n  - starts_at: 2026-13-01\n") ==
        "steps[0].starts_at (line 2, column 16): invalid timestamp `2026-13-01`: expected RFC 3339, e.g. "
        "`2026-11-26T10:00:00Z`");
  CHECK(YamlError("steps:\n  - duration: 5x\n") == "steps[0].duration (line 2, column 15): invalid duration `5x`: unknown unit `x`");
}

TEST_CASE("timestamp and duration errors in plans", "[plan][errors]") {
  CHECK(JsonError(R"({"steps": [{}, {"starts_at": "2026-13-01T00:00:00Z"}]})") ==
        "steps[1].starts_at: invalid timestamp `2026-13-01T00:00:00Z`: month 13 is out of range 1..12");
  CHECK(JsonError(R"({"steps": [{}, {"starts_at": "2026-13-01"}]})") ==
        "steps[1].starts_at: invalid timestamp `2026-13-01`: expected RFC 3339, e.g. `2026-11-26T10:00:00Z`");
  CHECK(JsonError(R"({"steps": [{"duration": "5"}]})") ==
        "steps[0].duration: invalid duration `5`: missing a unit (ns, us, ms, s, m, h)");
}

TEST_CASE("step validation", "[plan][errors]") {
  CHECK(JsonError(R"({"steps": [{}, {}, {"index": 5}]})") == "steps[2].index: is 5, but the step is at position 2");
  CHECK(YamlError("steps:\n  - {}\n  - index: 0\n") == "steps[1].index (line 3, column 12): is 0, but the step is at position 1");
  CHECK(JsonError(R"({"steps": [{"id": "s1"}, {"id": "s2"}, {"id": "s3"}, {"id": "s1"}]})") ==
        "steps[3].id: duplicate step id `s1` (first at steps[0])");
  CHECK(JsonError(R"({"steps": [{"id": "#1"}, {}]})") == "steps[1].id: duplicate step id `#1` (first at steps[0])");
  CHECK(JsonError(R"({"steps": [{"id": "s1"}, {"id": "s2"}, {"depends_on": ["s9"]}]})") ==
        "steps[2].depends_on[0]: unknown step `s9`");
  CHECK(JsonError(R"({"steps": [{"id": "s1"}, {"inputs": ["s1", "#0"]}]})") == "steps[1].inputs[1]: unknown step `#0`");
  CHECK(JsonError(R"({"steps": [{"id": "s1", "depends_on": ["s1"]}]})") ==
        "steps[0].depends_on[0]: step `s1` refers to itself");
  CHECK(JsonError(R"({"steps": [{"id": "s1", "depends_on": ["s2"]}, {"id": "s2", "depends_on": ["s1"]}]})") ==
        "steps: cycle in depends_on/inputs: s1 -> s2 -> s1");
  CHECK(JsonError(R"({"steps": [{"id": "a"}, {"id": "b", "depends_on": ["a", "d"]}, {"id": "c", "inputs": ["b"]},
                                {"id": "d", "depends_on": ["c"]}]})") == "steps: cycle in depends_on/inputs: b -> d -> c -> b");
  // Auto ids may be referenced; a diamond is not a cycle.
  CHECK(JsonError(R"({"steps": [{}, {"depends_on": ["#0"]}, {"depends_on": ["#0"]}, {"inputs": ["#1", "#2"]}]})") == "OK");
  // A long chain (no recursion in the cycle search).
  std::string chain = R"({"steps": [{"id": "s0"})";
  for (int i = 1; i < 10000; ++i) absl::StrAppend(&chain, R"(, {"id": "s)", i, R"(", "depends_on": ["s)", i - 1, R"("]})");
  chain += "]}";
  CHECK(JsonError(chain) == "OK");
}

TEST_CASE("malformed input", "[plan][errors]") {
  CHECK(JsonError(R"({"id": "a")") == "json: line 1, column 11: unexpected end of input (expected `,` or `}`)");
  CHECK(JsonError("").rfind("json: ", 0) == 0);
  CHECK(JsonError(R"({"id": "a" "b"})").rfind("json: ", 0) == 0);
  CHECK(JsonError(R"({"labels": {"x": 1e400}})") ==
        "json: line 1, column 18: number `1e400` is out of range (a double is finite)");
  CHECK(JsonError("{\"id\": \"\xff\xfe\"}") == "json: line 1, column 9: invalid UTF-8 in a string");
  CHECK(YamlError("id: \"\xc3\x28\"\n") == "yaml: line 1, column 6: invalid UTF-8");
  CHECK(DecodePlanProto("\xff\xff\xff").status().message() == "protobuf: invalid gavel.v1.Plan message");
  std::string full = v1::Plan(FullProto()).SerializeAsString();
  CHECK(DecodePlanProto(full.substr(0, full.size() / 2)).status().message() == "protobuf: invalid gavel.v1.Plan message");
  google::protobuf::LogSilencer quiet;
  v1::Plan bad_utf8;
  bad_utf8.set_id("\xff");
  CHECK(ProtoError(bad_utf8) == "protobuf: invalid gavel.v1.Plan message");
  // Truncations of a valid plan never crash.
  const std::string json = ReadFile(DataPath("full.json"));
  const std::string yaml = ReadFile(DataPath("full.yaml"));
  for (size_t n = 0; n < json.size(); n += 7) (void)DecodePlanJson(json.substr(0, n));
  for (size_t n = 0; n < yaml.size(); n += 7) (void)DecodePlanYaml(yaml.substr(0, n));
  for (size_t n = 0; n < full.size(); ++n) (void)DecodePlanProto(full.substr(0, n));
}

TEST_CASE("mutated input never crashes", "[plan][fuzz]") {
  google::protobuf::LogSilencer quiet;  // invalid UTF-8 in proto strings is logged
  const std::string inputs[] = {ReadFile(DataPath("full.json")), ReadFile(DataPath("full.yaml")),
                                DeterministicBytes(FullProto())};
  uint64_t seed = 0x9E3779B97F4A7C15u;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  const char specials[] = "{}[]:,\"'-#&*!|>? \n\t0123456789.eE+\\\xff\xc3";
  int ok = 0;
  for (int format = 0; format < 3; ++format) {
    for (int round = 0; round < 3000; ++round) {
      std::string text = inputs[format];
      const int edits = 1 + static_cast<int>(next() % 4);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t at = next() % text.size();
        switch (next() % 4) {
          case 0: text[at] = specials[next() % (sizeof specials - 1)]; break;
          case 1: text.erase(at, 1 + next() % 8); break;
          case 2: text.insert(at, 1, specials[next() % (sizeof specials - 1)]); break;
          default: text[at] = static_cast<char>(next()); break;
        }
      }
      auto plan = DecodePlan(text, static_cast<PlanFormat>(format));
      if (plan.ok()) {
        ++ok;
        (void)plan->root.DebugString();
      } else {
        CHECK(plan.status().code() == absl::StatusCode::kInvalidArgument);
      }
    }
  }
  CHECK(ok > 0);
}

TEST_CASE("absent fields borrow the schema's defaults, which outlive every plan", "[plan]") {
  const Schema& schema = Schema::Get();
  const std::vector<Value>& defaults = plan_internal::DefaultFields(schema.step);
  Value network, inputs, id;
  for (PlanFormat format : {PlanFormat::kJson, PlanFormat::kYaml}) {
    const std::string text = format == PlanFormat::kJson
                                 ? R"({"steps": [{"id": "a", "resource": {"kind": "Pod"}}]})"
                                 : "steps:\n- id: a\n  resource: {kind: Pod}\n";
    {
      absl::StatusOr<Plan> plan = DecodePlan(text, format);
      REQUIRE(plan.ok());
      const MessageData& step = plan->steps()[0].message();
      // Absent: the default itself, borrowed (no reference counting).
      CHECK(step.fields[kStepNetwork].borrowed());
      CHECK(&step.fields[kStepNetwork].message() == &defaults[kStepNetwork].message());
      CHECK(step.fields[kStepInputs].borrowed());
      CHECK_FALSE(step.has(kStepNetwork));
      // Present: owned by the plan.
      CHECK_FALSE(step.fields[kStepResource].borrowed());
      CHECK(step.has(kStepResource));
      network = step.fields[kStepNetwork];
      inputs = step.fields[kStepInputs];
      id = step.fields[kStepId];
    }
    // Copies taken out of a freed plan: the defaults are still there (ASan
    // would report a use after free otherwise), the owned id was retained.
    CHECK(network.message().fields[kNetworkHost].str().empty());
    CHECK(inputs.list().elems.empty());
    CHECK(id.str() == "a");
  }
}

TEST_CASE("limits", "[plan][limits]") {
  SECTION("nesting") {
    auto nested = [](int levels) {  // args at level 4, then `levels` arrays
      return absl::StrCat(R"({"steps": [{"args": {"a": )", std::string(levels, '['), std::string(levels, ']'), "}}]}");
    };
    CHECK(JsonError(nested(60)) == "OK");
    CHECK(JsonError(nested(61)) == "json: line 1, column 87: nesting deeper than 64 levels");
    CHECK(YamlError(nested(60)) == "OK");
    CHECK(YamlError(nested(61)) == "yaml: line 1, column 87: nesting deeper than 64 levels");
    PlanLimits small;
    small.max_depth = 8;
    CHECK(JsonError(nested(4), small) == "OK");
    CHECK(JsonError(nested(5), small) == "json: line 1, column 31: nesting deeper than 8 levels");
    CHECK(YamlError(nested(5), small) == "yaml: line 1, column 31: nesting deeper than 8 levels");
    // Block nesting the pre-scan lets through is caught by the builder, with a path.
    auto block = [](int levels) {  // labels at level 2, then `levels` mappings
      std::string y = "labels:\n";
      for (int i = 0; i < levels; ++i) absl::StrAppend(&y, std::string(2 * i + 2, ' '), "k", i, ":\n");
      absl::StrAppend(&y, std::string(2 * levels + 2, ' '), "x: 1\n");
      return y;
    };
    CHECK(YamlError(block(62)) == "OK");
    const std::string err = YamlError(block(63));
    CHECK(err.rfind("labels.k0.k1.k2.", 0) == 0);
    INFO(err);
    CHECK(err.find(".k61.k62 (line 65, column 129): nesting deeper than 64 levels") != std::string::npos);

    const std::string deep_json = std::string(100000, '[') + std::string(100000, ']');
    CHECK(JsonError(deep_json) == "json: line 1, column 65: nesting deeper than 64 levels");
    CHECK(JsonError(absl::StrCat(R"({"labels": {"a": )", std::string(100000, '['), std::string(100000, ']'), "}}")) ==
          "json: line 1, column 80: nesting deeper than 64 levels");
    CHECK(JsonError(std::string(100000, '[')).rfind("json: ", 0) == 0);
    CHECK(YamlError(std::string(100000, '[')) == "yaml: line 1, column 65: nesting deeper than 64 levels");
    CHECK(YamlError(absl::StrCat("labels: ", std::string(100000, '{'))).find("nesting deeper than 64 levels") !=
          std::string::npos);
    std::string dashes;
    for (int i = 0; i < 100000; ++i) dashes += "- ";
    dashes += "x\n";
    CHECK(YamlError(absl::StrCat("labels:\n  a:\n    ", dashes)).find("nesting deeper than 64 levels") != std::string::npos);
    std::string indented = "labels:\n";
    for (int i = 1; i < 2000; ++i) absl::StrAppend(&indented, std::string(i, ' '), "k", i, ":\n");
    CHECK(YamlError(indented).find("nesting deeper than 64 levels") != std::string::npos);
    // Brackets in quoted scalars, comments and block scalars do not count.
    std::string quoted = absl::StrCat("labels:\n  a: \"", std::string(200, '['), "\"\n  b: '", std::string(200, '{'),
                                      "'\n  # ", std::string(200, '['), "\n  c: |\n    ", std::string(200, '['),
                                      "\n  d: x[y\n");
    CHECK(YamlError(quoted) == "OK");
    // A recursive alias stops at the depth limit.
    CHECK(YamlError("labels:\n  a: &x [*x]\n").find("nesting deeper than 64 levels") != std::string::npos);
    // The billion laughs stop at the node budget.
    std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) absl::StrAppend(&laughs, "a", i, ": &a", i, " [*a", i - 1, ", *a", i - 1, ", *a", i - 1,
                                                ", *a", i - 1, ", *a", i - 1, ", *a", i - 1, ", *a", i - 1, "]\n");
    absl::StrAppend(&laughs, "labels: {z: *a8}\n");
    CHECK(YamlError(laughs).find("plan (line 1, column 1): unknown field `a0`") == 0);
    std::string laughs2 = "labels:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) absl::StrAppend(&laughs2, "  a", i, ": &a", i, " [*a", i - 1, ", *a", i - 1, ", *a", i - 1,
                                                 ", *a", i - 1, ", *a", i - 1, ", *a", i - 1, ", *a", i - 1, "]\n");
    CHECK(YamlError(laughs2).find("nodes (through aliases?)") != std::string::npos);
    // Wide aliases of scalars count too.
    std::string wide = absl::StrCat("labels:\n  a: &a [", std::string(3000, 'x'), "]\n  b: [");
    wide = "labels:\n  a: &a [x";
    for (int i = 0; i < 2000; ++i) wide += ", x";
    wide += "]\n  b: [*a";
    for (int i = 0; i < 2000; ++i) wide += ", *a";
    wide += "]\n";
    CHECK(YamlError(wide).find("nodes (through aliases?)") != std::string::npos);
    // Deep block nesting just under the pre-scan's bound reaches yaml-cpp and
    // the builder; it must not exhaust the stack.
    std::string seqs;
    for (int i = 0; i < 500; ++i) seqs += "- ";
    const std::string seq_err = YamlError(absl::StrCat("labels:\n  a:\n  ", seqs, "x\n"));
    INFO(seq_err);
    CHECK(seq_err == "yaml: line 3, column 998: nesting deeper than 64 levels");
    std::string maps = "labels:\n";
    for (int i = 1; i < 1000; ++i) absl::StrAppend(&maps, std::string(i, ' '), "k:\n");
    const std::string maps_err = YamlError(maps);
    INFO(maps_err);
    CHECK(maps_err == "yaml: line 499, column 501: nesting deeper than 64 levels");

    // Deep structs in protobuf are bounded the same way.
    v1::Plan p;
    google::protobuf::Struct* s = p.mutable_labels();
    for (int i = 0; i < 70; ++i) s = Put(s, "k")->mutable_struct_value();
    CHECK(ProtoError(p).find(": nesting deeper than 64 levels") != std::string::npos);
    v1::Plan q;
    s = q.mutable_labels();
    for (int i = 0; i < 62; ++i) s = Put(s, "k")->mutable_struct_value();
    CHECK(ProtoError(q) == "OK");
  }
  SECTION("strings") {
    const std::string ok(1 << 20, 'x');
    const std::string big((1 << 20) + 1, 'x');
    CHECK(JsonError(absl::StrCat(R"({"steps": [{"args": {"s": ")", ok, R"("}}]})")) == "OK");
    CHECK(JsonError(absl::StrCat(R"({"steps": [{"args": {"s": ")", big, R"("}}]})")) ==
          "steps[0].args.s: string of 1048577 bytes is longer than the limit of 1048576 bytes");
    CHECK(JsonError(absl::StrCat(R"({"id": ")", big, R"("})")) ==
          "id: string of 1048577 bytes is longer than the limit of 1048576 bytes");
    CHECK(JsonError(absl::StrCat(R"({"labels": {")", big, R"(": 1}})")) ==
          "labels: string of 1048577 bytes is longer than the limit of 1048576 bytes");
    CHECK(YamlError(absl::StrCat("steps:\n  - action: ", big, "\n")) ==
          "steps[0].action (line 2, column 13): string of 1048577 bytes is longer than the limit of 1048576 bytes");
    v1::Plan p;
    p.add_steps()->add_depends_on(big);
    CHECK(ProtoError(p) == "steps[0].depends_on[0]: string of 1048577 bytes is longer than the limit of 1048576 bytes");
    // Long unknown field names are cut short in messages.
    CHECK(JsonError(absl::StrCat(R"({")", big, R"(": 1})")).size() < 200);
  }
  SECTION("steps") {
    std::string json = R"({"steps": [{})";
    for (int i = 1; i < 10000; ++i) json += ", {}";
    CHECK(JsonError(json + "]}") == "OK");
    CHECK(JsonError(json + ", {}]}") == "steps: 10001 steps, more than the limit of 10000");
    PlanLimits small;
    small.max_steps = 2;
    CHECK(JsonError(R"({"steps": [{}, {}, {}]})", small) == "steps: 3 steps, more than the limit of 2");
    CHECK(YamlError("steps: [{}, {}, {}]\n", small) == "steps (line 1, column 8): 3 steps, more than the limit of 2");
    v1::Plan p;
    for (int i = 0; i < 3; ++i) p.add_steps();
    CHECK(ProtoError(p, small) == "steps: 3 steps, more than the limit of 2");
  }
}

TEST_CASE("protobuf specifics", "[plan][proto]") {
  v1::Plan p;
  auto* step = p.add_steps();
  Put(step->mutable_args(), "n")->set_number_value(3.0);
  Put(step->mutable_args(), "d")->set_number_value(2.5);
  Put(step->mutable_args(), "huge")->set_number_value(1e19);
  Put(step->mutable_args(), "e")->mutable_struct_value();
  Put(step->mutable_args(), "unset");
  auto plan = DecodePlanProto(p.SerializeAsString());
  REQUIRE(plan.ok());
  CHECK(Field(plan->steps()[0], kStepArgs).DebugString() ==
        R"({"d": 2.5, "e": {}, "huge": 1e+19, "n": 3, "unset": null})");
  CHECK(plan->steps()[0].message().present == (uint64_t{1} << kStepArgs));
  // Presence of optional scalars survives the wire.
  v1::Plan q;
  q.mutable_context()->set_airgapped(false);
  q.add_steps()->set_index(0);
  auto qp = DecodePlanProto(q.SerializeAsString());
  REQUIRE(qp.ok());
  CHECK(qp->context().message().has(kContextAirgapped));
  CHECK(qp->steps()[0].message().has(kStepIndex));
  // Range checks.
  v1::Plan r;
  r.add_steps()->mutable_network()->set_port(70000);
  CHECK(ProtoError(r) == "steps[0].network.port: port 70000 is out of range 0..65535");
  v1::Plan t;
  t.mutable_created_at()->set_seconds(253402300800);
  CHECK(ProtoError(t) == "created_at: invalid timestamp {seconds: 253402300800, nanos: 0}");
  v1::Plan d;
  d.add_steps()->mutable_duration()->set_seconds(1);
  d.mutable_steps(0)->mutable_duration()->set_nanos(-1);
  CHECK(ProtoError(d) == "steps[0].duration: invalid duration {seconds: 1, nanos: -1}");
  v1::Plan c;
  c.add_steps()->set_id("a");
  c.mutable_steps(0)->add_depends_on("b");
  c.add_steps()->set_id("b");
  c.mutable_steps(1)->add_inputs("a");
  CHECK(ProtoError(c) == "steps: cycle in depends_on/inputs: a -> b -> a");
}

struct TimestampCase {
  const char* text;
  int64_t seconds;
  int32_t nanos;
};

TEST_CASE("ParseTimestamp", "[plan][time]") {
  const TimestampCase ok[] = {
      {"1970-01-01T00:00:00Z", 0, 0},
      {"2026-11-26T10:00:00Z", 1795687200, 0},
      {"2026-11-26t10:00:00z", 1795687200, 0},
      {"2026-11-26 10:00:00Z", 1795687200, 0},
      {"2026-11-26T11:00:00+01:00", 1795687200, 0},
      {"2026-11-26T05:30:00-04:30", 1795687200, 0},
      {"2026-11-26T10:00:00.5Z", 1795687200, 500000000},
      {"2026-11-26T10:00:00.123456789Z", 1795687200, 123456789},
      {"2026-11-26T10:00:00.000000001+00:00", 1795687200, 1},
      {"1969-12-31T23:59:59.999999999Z", -1, 999999999},
      {"2024-02-29T00:00:00Z", 1709164800, 0},
      {"2000-02-29T00:00:00Z", 951782400, 0},
      {"0001-01-01T00:00:00Z", -62135596800, 0},
      {"9999-12-31T23:59:59.999999999Z", 253402300799, 999999999},
      {"0001-01-01T00:59:00+00:59", -62135596800, 0},
  };
  for (const auto& c : ok) {
    INFO(c.text);
    auto t = ParseTimestamp(c.text);
    REQUIRE(t.ok());
    CHECK(t->seconds == c.seconds);
    CHECK(t->nanos == c.nanos);
  }
  const std::pair<const char*, const char*> bad[] = {
      {"", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"2026-13-01", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"2026-11-26T10:00:00", "missing the time zone (`Z` or `+01:00`)"},
      {"2026-11-26T10:00Z", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"2026-11-26T10:00:00.Z", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"2026-11-26T10:00:00.1234567891Z", "more than 9 fractional digits"},
      {"2026-13-01T00:00:00Z", "month 13 is out of range 1..12"},
      {"2026-00-01T00:00:00Z", "month 0 is out of range 1..12"},
      {"2026-02-29T00:00:00Z", "day 29 is out of range 1..28"},
      {"1900-02-29T00:00:00Z", "day 29 is out of range 1..28"},
      {"2026-04-31T00:00:00Z", "day 31 is out of range 1..30"},
      {"2026-11-26T24:00:00Z", "hour 24 is out of range 0..23"},
      {"2026-11-26T10:60:00Z", "minute 60 is out of range 0..59"},
      {"2026-11-26T10:00:60Z", "second 60 is out of range 0..59"},
      {"2026-11-26T10:00:00+24:00", "the UTC offset is out of range"},
      {"2026-11-26T10:00:00+0100", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"2026-11-26T10:00:00Zjunk", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
      {"0000-01-01T00:00:00Z", "year 0 is out of range 1..9999"},
      {"0001-01-01T00:00:00+00:01", "out of range (years 1 to 9999 UTC)"},
      {"9999-12-31T23:59:59-00:01", "out of range (years 1 to 9999 UTC)"},
      {"+2026-11-26T10:00:00Z", "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`"},
  };
  for (const auto& [text, why] : bad) {
    INFO(text);
    auto t = ParseTimestamp(text);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(t.status().message() == absl::StrCat("invalid timestamp `", text, "`: ", why));
  }
}

TEST_CASE("ParseDuration", "[plan][time]") {
  const TimestampCase ok[] = {
      {"300s", 300, 0},
      {"1.5s", 1, 500000000},
      {"-2s", -2, 0},
      {"-1.5s", -1, -500000000},
      {"+3s", 3, 0},
      {"0s", 0, 0},
      {".5s", 0, 500000000},
      {"1.000000001s", 1, 1},
      {"5m", 300, 0},
      {"1h30m", 5400, 0},
      {"250ms", 0, 250000000},
      {"2h45m10.5s", 9910, 500000000},
      {"1ns", 0, 1},
      {"1us", 0, 1000},
      {"1\xC2\xB5s", 0, 1000},
      {"1\xCE\xBCs", 0, 1000},
      {"1.5h", 5400, 0},
      {"1h1h", 7200, 0},
      {"315576000000s", 315576000000, 0},
      {"-315576000000s", -315576000000, 0},
      {"87660000h", 315576000000, 0},
      {"0.0000000001s", 0, 0},
  };
  for (const auto& c : ok) {
    INFO(c.text);
    auto d = ParseDuration(c.text);
    REQUIRE(d.ok());
    CHECK(d->seconds == c.seconds);
    CHECK(d->nanos == c.nanos);
  }
  const std::string form = "expected e.g. `300s`, `1.5s`, `5m`, `1h30m`, `250ms` (units ns, us, ms, s, m, h)";
  const std::pair<const char*, std::string> bad[] = {
      {"", "empty"},
      {"5", "missing a unit (ns, us, ms, s, m, h)"},
      {"0", "missing a unit (ns, us, ms, s, m, h)"},
      {"5x", "unknown unit `x`"},
      {"5 s", "unknown unit ` s`"},
      {"1h-3m", form},
      {"-", form},
      {"s", form},
      {".s", form},
      {"1..5s", form},
      {"1d", "unknown unit `d`"},
      {"315576000001s", "out of range (+-315576000000s)"},
      {"-87660001h", "out of range (+-315576000000s)"},
      {"99999999999999999999999999999999h", "out of range (+-315576000000s)"},
  };
  for (const auto& [text, why] : bad) {
    INFO(text);
    auto d = ParseDuration(text);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().message() == absl::StrCat("invalid duration `", text, "`: ", why));
  }
}

}  // namespace
}  // namespace gavel
