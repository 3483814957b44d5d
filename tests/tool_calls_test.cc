// Tool-call adapters (engine/tool_calls.h) and the tool mapping
// (engine/tool_mapping.h): each transcript form to the expected plan
// fields; errors with their place (transcript path, mapping line); and the
// recorded transcripts of tests/data/tool_calls/ linted against policies/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/plan_writer.h"
#include "engine/policy.h"
#include "engine/schema.h"
#include "engine/tool_calls.h"

namespace gavel {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(std::string(GAVEL_SOURCE_DIR) + "/" + path, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<const ToolMapping> MustMapping(const std::string& yaml) {
  Diagnostics diags;
  auto mapping = ParseToolMapping("mapping.yaml", yaml, diags);
  INFO(diags.Format());
  REQUIRE(mapping != nullptr);
  return mapping;
}

// The one diagnostic a bad mapping gives.
const Diagnostic MappingFails(const std::string& yaml) {
  Diagnostics diags;
  auto mapping = ParseToolMapping("mapping.yaml", yaml, diags);
  INFO(yaml);
  CHECK(mapping == nullptr);
  REQUIRE(diags.size() == 1);
  return diags.items()[0];
}

Plan MustPlan(const std::string& text, ToolCallFormat format, const ToolMapping& mapping) {
  auto plan = PlanFromToolCalls(text, format, mapping);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

std::string Error(const std::string& text, ToolCallFormat format, const ToolMapping& mapping) {
  auto plan = PlanFromToolCalls(text, format, mapping);
  REQUIRE_FALSE(plan.ok());
  return std::string(plan.status().message());
}

const Value& Field(const Value& msg, int index) { return msg.message().fields[index]; }
std::string Str(const Value& msg, int index) { return Field(msg, index).str(); }

const char* const kMapping = R"(
plan:
  context: {environment: prod}
  agent: {id: agent-7}
tools:
  kubectl_apply:
    action: kubectl.apply
    verb: apply
    resource: {kind: $.manifest.kind, namespace: {path: $.namespace, default: default}, name: args.manifest.metadata.name}
  http_post:
    action: http.post
    verb: post
    network: {url: $.url}
  "k8s_*":
    action: kubectl.get
    verb: get
    data_flow: none
)";

TEST_CASE("openai chat completion: one step per tool call, fields from the mapping") {
  auto mapping = MustMapping(kMapping);
  const std::string text = R"({"choices":[{"message":{"role":"assistant","tool_calls":[
    {"id":"call_1","type":"function","function":{"name":"kubectl_apply",
      "arguments":"{\"namespace\":\"checkout\",\"manifest\":{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"api\"}}}"}},
    {"id":"call_2","type":"function","function":{"name":"http_post","arguments":"{\"url\":\"https://hooks.example.com:8443/x\"}"}},
    {"id":"call_3","type":"function","function":{"name":"rm_rf","arguments":"{\"path\":\"/\"}"}}]}}]})";
  Plan plan = MustPlan(text, ToolCallFormat::kOpenAI, *mapping);
  REQUIRE(plan.steps().size() == 3);
  CHECK(Str(plan.context(), kContextEnvironment) == "prod");
  CHECK(Str(plan.agent(), kAgentId) == "agent-7");

  const Value& apply = plan.steps()[0];
  CHECK(Str(apply, kStepId) == "call_1");
  CHECK(Field(apply, kStepIndex).int_value() == 0);
  CHECK(Str(apply, kStepAction) == "kubectl.apply");
  CHECK(Str(apply, kStepVerb) == "apply");
  CHECK(Str(Field(apply, kStepResource), kResourceKind) == "Deployment");
  CHECK(Str(Field(apply, kStepResource), kResourceNamespace) == "checkout");
  CHECK(Str(Field(apply, kStepResource), kResourceName) == "api");
  CHECK(Field(apply, kStepArgs).map().FindString("namespace")->str() == "checkout");
  CHECK(Field(apply, kStepInputs).list().elems.empty());

  const Value& post = plan.steps()[1];
  CHECK(Str(post, kStepAction) == "http.post");
  const Value& net = Field(post, kStepNetwork);
  CHECK(Str(net, kNetworkHost) == "hooks.example.com");
  CHECK(Field(net, kNetworkPort).int_value() == 8443);
  CHECK(Str(net, kNetworkProtocol) == "https");
  CHECK(Field(net, kNetworkEgress).is_true());  // an endpoint is external unless the mapping says not
  REQUIRE(Field(post, kStepInputs).list().elems.size() == 1);
  CHECK(Field(post, kStepInputs).list().elems[0].str() == "call_1");

  // Unmapped: `tool.<name>`, its arguments, nothing else.
  const Value& unmapped = plan.steps()[2];
  CHECK(Str(unmapped, kStepAction) == "tool.rm_rf");
  CHECK_FALSE(unmapped.message().has(kStepVerb));
  CHECK_FALSE(unmapped.message().has(kStepResource));
  CHECK_FALSE(unmapped.message().has(kStepNetwork));
  CHECK(Field(unmapped, kStepArgs).map().FindString("path")->str() == "/");
}

TEST_CASE("openai: a message, a list of messages, Responses function_call items") {
  auto mapping = MustMapping(kMapping);
  const std::string message =
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"k8s_pods","arguments":"{}"}}]})";
  CHECK(MustPlan(message, ToolCallFormat::kOpenAI, *mapping).steps().size() == 1);
  const std::string list = absl::StrCat(R"([{"role":"user","content":"hi"},)", message, "]");
  Plan from_list = MustPlan(list, ToolCallFormat::kOpenAI, *mapping);
  REQUIRE(from_list.steps().size() == 1);
  CHECK(Str(from_list.steps()[0], kStepAction) == "kubectl.get");  // by glob
  const std::string responses = R"({"output":[{"type":"reasoning","id":"rs_1"},
    {"type":"function_call","id":"fc_1","call_id":"call_9","name":"http_post","arguments":"{\"url\":\"http://10.0.0.5/x\"}"}]})";
  Plan plan = MustPlan(responses, ToolCallFormat::kOpenAI, *mapping);
  REQUIRE(plan.steps().size() == 1);
  CHECK(Str(plan.steps()[0], kStepId) == "call_9");
  const Value& net = Field(plan.steps()[0], kStepNetwork);
  CHECK(Str(net, kNetworkIp) == "10.0.0.5");  // an IP literal is the ip, not the host
  CHECK_FALSE(net.message().has(kNetworkHost));
  CHECK(Field(net, kNetworkPort).int_value() == 80);
}

TEST_CASE("anthropic: tool_use blocks of assistant messages") {
  auto mapping = MustMapping(kMapping);
  const std::string text = R"([{"role":"user","content":"deploy it"},
    {"role":"assistant","content":[{"type":"text","text":"ok"},
      {"type":"tool_use","id":"toolu_1","name":"kubectl_apply","input":{"manifest":{"kind":"Service","metadata":{"name":"web"}}}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"done"}]},
    {"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"k8s_get","input":{}}]}])";
  Plan plan = MustPlan(text, ToolCallFormat::kAnthropic, *mapping);
  REQUIRE(plan.steps().size() == 2);
  CHECK(Str(plan.steps()[0], kStepId) == "toolu_1");
  CHECK(Str(Field(plan.steps()[0], kStepResource), kResourceKind) == "Service");
  CHECK(Str(Field(plan.steps()[0], kStepResource), kResourceNamespace) == "default");  // the path's default
  CHECK(Str(plan.steps()[1], kStepId) == "toolu_2");
  CHECK(Field(plan.steps()[1], kStepInputs).list().elems.empty());  // data_flow: none
}

TEST_CASE("mcp: tools/call requests, one, a batch or JSONL; other messages skipped") {
  auto mapping = MustMapping(kMapping);
  const std::string one = R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"http_post","arguments":{"url":"https://x.example.com"}}})";
  Plan plan = MustPlan(one, ToolCallFormat::kMcp, *mapping);
  REQUIRE(plan.steps().size() == 1);
  CHECK(Str(plan.steps()[0], kStepId) == "7");
  CHECK(Str(plan.steps()[0], kStepAction) == "http.post");

  const std::string batch = absl::StrCat(R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"},)", one, "]");
  CHECK(MustPlan(batch, ToolCallFormat::kMcp, *mapping).steps().size() == 1);

  const std::string jsonl = absl::StrCat(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})", "\n",
      R"({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"k8s_x"}})", "\n\n", one, "\n");
  Plan lines = MustPlan(jsonl, ToolCallFormat::kMcp, *mapping);
  REQUIRE(lines.steps().size() == 2);
  CHECK(Str(lines.steps()[0], kStepId) == "a");
  CHECK(Str(lines.steps()[1], kStepId) == "7");
  // Step 7 takes data from step `a`, which took none itself.
  REQUIRE(Field(lines.steps()[1], kStepInputs).list().elems.size() == 1);
}

TEST_CASE("transcript errors say where they are") {
  auto mapping = MustMapping(kMapping);
  CHECK_THAT(Error("{\"choices\": [", ToolCallFormat::kOpenAI, *mapping), Catch::StartsWith("not valid JSON"));
  CHECK(Error(R"({"choices":[{"message":{"tool_calls":[{"id":"c","type":"function","function":{"name":"x","arguments":"{\"a\":"}}]}}]})",
              ToolCallFormat::kOpenAI, *mapping)
            .starts_with("choices[0].message.tool_calls[0].function.arguments: not valid JSON"));
  CHECK(Error(R"({"choices":[{"message":{"tool_calls":[{"id":"c","function":{"name":"x","arguments":"[1]"}}]}}]})",
              ToolCallFormat::kOpenAI, *mapping) ==
        "choices[0].message.tool_calls[0].function.arguments: the arguments are a JSON object, not an array");
  CHECK(Error(R"({"id":"x"})", ToolCallFormat::kAnthropic, *mapping) ==
        "not an Anthropic message: expected `content` (or `messages`)");
  CHECK(Error(R"({"content":[{"type":"tool_use","id":"t","input":{}}]})", ToolCallFormat::kAnthropic, *mapping) ==
        "content[0]: missing `name`");
  CHECK(Error("{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":3}}\n",
              ToolCallFormat::kMcp, *mapping) == "line 2: params.name: expected a string, got a number");
  CHECK(Error("{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}\n{oops\n", ToolCallFormat::kMcp, *mapping)
            .starts_with("line 2: not valid JSON"));
  // A mapped path of the wrong type, and a url that is not one.
  CHECK(Error(R"({"content":[{"type":"tool_use","id":"t","name":"kubectl_apply","input":{"manifest":{"kind":["x"]}}}]})",
              ToolCallFormat::kAnthropic, *mapping) ==
        "content[0]: tool `kubectl_apply`: resource.kind comes from `$.manifest.kind`, which is an array, not a string");
  CHECK_THAT(Error(R"({"content":[{"type":"tool_use","id":"t","name":"http_post","input":{"url":"https://h:99999/"}}]})",
                   ToolCallFormat::kAnthropic, *mapping),
             Catch::Contains("invalid port `99999`"));
  // Two calls with one id: the plan decoder refuses it.
  CHECK_THAT(Error(R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},
                       {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"b"}}])",
                   ToolCallFormat::kMcp, *mapping),
             Catch::StartsWith("the plan of the tool calls: ") && Catch::Contains("duplicate"));
}

TEST_CASE("unknown formats are errors") {
  CHECK(ParseToolCallFormat("openai").value() == ToolCallFormat::kOpenAI);
  CHECK(ParseToolCallFormat("mcp").value() == ToolCallFormat::kMcp);
  auto bad = ParseToolCallFormat("gemini");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "unknown tool call format `gemini`: expected `openai`, `anthropic` or `mcp`");
  CHECK_FALSE(ExtractToolCalls("{}", static_cast<ToolCallFormat>(42)).ok());
}

TEST_CASE("unmapped: error refuses unmapped tools") {
  auto mapping = MustMapping("unmapped: error\ntools:\n  known: {action: a.b}\n");
  CHECK(Error(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"other"}})", ToolCallFormat::kMcp,
              *mapping) == "the mapping does not map tool `other` (and says `unmapped: error`)");
  CHECK(MustPlan(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"known"}})", ToolCallFormat::kMcp,
                 *mapping)
            .steps()
            .size() == 1);
}

TEST_CASE("bad mappings: located errors") {
  struct Case {
    std::string yaml;
    int line, column;
    std::string message;
  };
  const Case cases[] = {
      {"tools:\n  kubectl_apply:\n    acton: kubectl.apply\n", 3, 5, "unknown key `acton` in tool `kubectl_apply`"},
      {"tools:\n  x:\n    network: {port: 70000}\n", 3, 21, "`port` is a port (an integer from 0 to 65535), not `70000`"},
      {"tools:\n  x:\n    network: {egress: maybe}\n", 3, 23, "`egress` is `true` or `false`, not `maybe`"},
      {"tools:\n  x:\n    resource: {name: \"$.a[x]\"}\n", 3, 22, "invalid argument path `$.a[x]`"},
      {"tools:\n  \"a[b\":\n    action: x\n", 2, 3, "invalid glob"},
      {"unmapped: allow\n", 1, 11, "`unmapped` is `tool` or `error`, not `allow`"},
      {"data_flow: some\n", 1, 12, "`data_flow` is `earlier` or `none`, not `some`"},
      {"tools: [a, b]\n", 1, 8, "`tools` maps tool names"},
      {"plan:\n  context:\n    enviroment: prod\n", 2, 3, "in `plan`: "},
      {"plan:\n  steps: []\n", 2, 3, "unknown key `steps` in `plan`"},
      {"tools:\n  x:\n    verb: {path: $.v, value: get}\n", 3, 11, "give `value`, or `path` (with `default`), not both"},
      {"tools: {x: {action: a}}\ntools: {}\n", 2, 1, "duplicate key `tools`"},
      {"tools:\n  x:\n    action: [a]\n", 3, 13, "`action` is a string, not a sequence"},
  };
  for (const Case& c : cases) {
    Diagnostic d = MappingFails(c.yaml);
    INFO(c.yaml << "\n" << d.Format());
    CHECK(d.location.line() == c.line);
    CHECK(d.location.column() == c.column);
    CHECK_THAT(d.message, Catch::StartsWith(c.message));
  }
  // The schema's message for a wrong plan field names the field.
  CHECK_THAT(MappingFails("plan:\n  context:\n    enviroment: prod\n").message, Catch::Contains("enviroment"));
}

TEST_CASE("PlanToJson writes a plan that decodes to the same JSON") {
  auto mapping = MustMapping(kMapping);
  Plan plan = MustPlan(ReadFile("tests/data/tool_calls/openai_prod_apply.json"), ToolCallFormat::kOpenAI, *mapping);
  const std::string json = PlanToJson(plan);
  auto again = DecodePlanJson(json);
  REQUIRE(again.ok());
  CHECK(PlanToJson(*again) == json);
  CHECK(PlanToJson(*again, 0).find('\n') == std::string::npos);
  auto timed = DecodePlanJson(R"({"context":{"now":"2026-11-26T02:00:05.5Z"},"steps":[{"duration":"5m","args":{"r":1.5}}]})");
  REQUIRE(timed.ok());
  CHECK(PlanToJson(*timed, 0) ==
        R"({"context":{"now":"2026-11-26T02:00:05.5Z"},"steps":[{"args":{"r":1.5},"duration":"300s"}]})");
}

// The recorded transcripts, mapped by examples/adapters/mapping.yaml and
// evaluated against the standard policies.
TEST_CASE("recorded transcripts linted against policies/") {
  Diagnostics diags;
  auto mapping = LoadToolMapping(std::string(GAVEL_SOURCE_DIR) + "/examples/adapters/mapping.yaml", diags);
  INFO(diags.Format());
  REQUIRE(mapping != nullptr);
  auto sources = ReadPolicySources({std::string(GAVEL_SOURCE_DIR) + "/policies"});
  REQUIRE(sources.ok());
  auto policy = CompilePolicy(*sources, diags);
  REQUIRE(policy != nullptr);

  struct Case {
    const char* file;
    ToolCallFormat format;
    Verdict verdict;
    std::vector<std::string> rules;  // the deny / approval rules that fire, sorted
  };
  const Case cases[] = {
      {"openai_prod_apply.json", ToolCallFormat::kOpenAI, Verdict::kNeedsApproval,
       {"change_windows.outside_window", "prod_changes.change_needs_approval"}},
      {"openai_responses_readonly.json", ToolCallFormat::kOpenAI, Verdict::kAllow, {}},
      {"anthropic_secret_exfiltration.json", ToolCallFormat::kAnthropic, Verdict::kDeny,
       {"ephemeral_identity.step_not_covered", "secrets.no_secret_exfiltration"}},
      {"mcp_session.jsonl", ToolCallFormat::kMcp, Verdict::kDeny,
       // The unmapped tool: no allowlist entry, no grant covers it.
       {"change_windows.outside_window", "ephemeral_identity.step_not_covered", "prod_changes.change_needs_approval",
        "tool_allowlist.default"}},
  };
  for (const Case& c : cases) {
    Plan plan = MustPlan(ReadFile(std::string("tests/data/tool_calls/") + c.file), c.format, *mapping);
    Decision d = Evaluate(*policy, plan);
    std::vector<std::string> rules;
    for (const Violation& v : d.violations) rules.emplace_back(v.rule);
    std::sort(rules.begin(), rules.end());
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
    INFO(c.file << "\n" << d.ToJson(c.file));
    CHECK(d.verdict == c.verdict);
    CHECK(rules == c.rules);
    CHECK(d.errors.empty());
  }
}

}  // namespace
}  // namespace gavel
