// Plan::step_positions: where each step starts in the text it was decoded
// from. The expected positions are found here independently, by searching
// the text for each step's id and going back to its `{` (JSON, YAML flow)
// or its `- ` (YAML block), never copied from the decoder's output.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan.h"

namespace gavel {
namespace {

// 1-based line and byte column of `offset` in `text`.
PlanPosition At(std::string_view text, size_t offset) {
  PlanPosition p{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

// The position of the last `opener` before `needle` (which must occur once).
PlanPosition Before(std::string_view text, std::string_view needle, char opener) {
  size_t at = text.find(needle);
  REQUIRE(at != std::string_view::npos);
  REQUIRE(text.find(needle, at + 1) == std::string_view::npos);
  size_t open = text.rfind(opener, at);
  REQUIRE(open != std::string_view::npos);
  return At(text, open);
}

// Decodes `text` and checks each step's position against `expected`.
void Check(const absl::StatusOr<Plan>& plan, const std::vector<PlanPosition>& expected) {
  REQUIRE(plan.ok());
  REQUIRE(plan->steps().size() == expected.size());
  REQUIRE(plan->step_positions.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("step " << i);
    CHECK(plan->step_positions[i].line == expected[i].line);
    CHECK(plan->step_positions[i].column == expected[i].column);
  }
}

void CheckJson(std::string_view text, const std::vector<std::string>& ids) {
  std::vector<PlanPosition> expected;
  for (const std::string& id : ids) expected.push_back(Before(text, "\"id\": \"" + id + "\"", '{'));
  Check(DecodePlanJson(text), expected);
}

void CheckJsonCompact(std::string_view text, const std::vector<std::string>& ids) {
  std::vector<PlanPosition> expected;
  for (const std::string& id : ids) expected.push_back(Before(text, "\"id\":\"" + id + "\"", '{'));
  Check(DecodePlanJson(text), expected);
}

TEST_CASE("JSON: compact, steps after strings full of brackets, quotes and escapes") {
  // Strings before `steps` hold every character the scanner must not take
  // for structure; a key spelled with an escape is still a key.
  const std::string text =
      R"({"id":"p[0]{\"steps\":[{","labels":{"a]":"}\\","b":"\\\"[","steps":"x"},)"
      R"("context":{"attrs":{"nested":[[1,[2,{"steps":[{"id":"no"}]}]],"\u005b"]}},)"
      R"("st\u0065ps":[{"id":"s0","args":{"m":[[1,2],[{"a":"]},{"}]]}},{"id":"s1","depends_on":["s0"]},)"
      R"({"id":"s2","labels":{"k":"[\"{\""}}],"agent":{"id":"a"}})";
  CheckJsonCompact(text, {"s0", "s1", "s2"});
}

TEST_CASE("JSON: pretty-printed, steps not the first key, nested arrays inside steps") {
  const std::string text = R"({
  "id": "plan-1",
  "labels": {"note": "a \"quoted\" [list] and a {brace}\\", "tab": "\t"},
  "context": {
    "environment": "prod",
    "attrs": {"matrix": [[1, 2], [3, [4, 5]]]}
  },
  "steps": [
    {"id": "first", "action": "kubectl.get",
     "args": {"items": [[{"x": "]"}], []]}},
        {
          "id": "second",
          "inputs": ["first"]
        },
	{"id": "third", "args": {"s": "}]"}}
  ],
  "agent": {"id": "agent-1", "grants": [{"id": "g", "actions": ["x"]}]}
}
)";
  CheckJson(text, {"first", "second", "third"});
}

TEST_CASE("JSON: a CRLF file, and a plan without steps") {
  const std::string text = "{\r\n\"steps\": [\r\n  {\"id\": \"a\"},\r\n  {\"id\": \"b\"}\r\n]\r\n}\r\n";
  CheckJson(text, {"a", "b"});
  Check(DecodePlanJson(R"({"id": "x", "steps": []})"), {});
  Check(DecodePlanJson(R"({"id": "x"})"), {});
}

TEST_CASE("JSON: a plan that does not decode has no positions to give") {
  CHECK_FALSE(DecodePlanJson(R"({"steps": [{"id": "a", "verb": 3}]})").ok());
}

// The position of the `- ` that starts the item whose first key is `id: ID`.
PlanPosition Dash(std::string_view text, const std::string& id) { return Before(text, "id: " + id + "\n", '-'); }

TEST_CASE("YAML: block style, steps not the first key") {
  const std::string text = R"(id: plan-1
labels: {a: "[{- ", b: '- x'}
context:
  environment: prod
  attrs:
    list:
      - [1, 2]
      - - 3
steps:
  - id: one
    action: kubectl.get
    args:
      nested:
        - [a, [b]]
        - {k: v}
  -   id: two
      depends_on: [one]
  # a comment between steps
  -
    id: three
agent:
  id: a
)";
  Check(DecodePlanYaml(text), {Dash(text, "one"), Dash(text, "two"), Dash(text, "three")});
}

TEST_CASE("YAML: flow style") {
  const std::string text = "context: {environment: dev}\nsteps: [{id: x, args: {l: [[1], [2]]}},\n  {id: y,\n"
                           "   inputs: [x]}, {id: z}]\n";
  Check(DecodePlanYaml(text), {Before(text, "id: x,", '{'), Before(text, "id: y,", '{'), Before(text, "id: z}", '{')});
  // A whole plan in flow style, and flow mappings as block items (the item is the `- `).
  const std::string flow = "{id: p, steps: [ {id: a}, {id: b} ]}";
  Check(DecodePlanYaml(flow), {Before(flow, "id: a}", '{'), Before(flow, "id: b}", '{')});
  const std::string mixed = "steps:\n- {id: a}\n-   {id: b}\n";
  Check(DecodePlanYaml(mixed), {Before(mixed, "{id: a}", '-'), Before(mixed, "{id: b}", '-')});
}

TEST_CASE("decoding only to evaluate records no positions, and decodes the same plan") {
  const std::string json = "{\"steps\": [{\"id\": \"a\"},\n {\"id\": \"b\", \"inputs\": [\"a\"]}]}";
  const std::string yaml = "steps:\n- id: a\n- id: b\n  inputs: [a]\n";
  for (PlanFormat format : {PlanFormat::kJson, PlanFormat::kYaml}) {
    const std::string& text = format == PlanFormat::kJson ? json : yaml;
    absl::StatusOr<Plan> with = DecodePlan(text, format);
    absl::StatusOr<Plan> without = DecodePlan(text, format, EvaluationPlanLimits());
    REQUIRE(with.ok());
    REQUIRE(without.ok());
    CHECK(with->step_positions.size() == 2);
    CHECK(without->step_positions.empty());
    CHECK(with->root.DebugString() == without->root.DebugString());
    CHECK(without->refs.targets.size() == 1);
  }
}

TEST_CASE("protobuf plans have no positions") {
  absl::StatusOr<Plan> plan = DecodePlanProto("");
  REQUIRE(plan.ok());
  CHECK(plan->step_positions.empty());
}

}  // namespace
}  // namespace gavel
