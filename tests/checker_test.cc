// The checker: inferred types, name resolution, and every class of compile
// error with its exact text (file:line:col, code, message).
#include <catch2/catch.hpp>

#include "engine/checker.h"
#include "engine/parser.h"
#include "engine/policy.h"

namespace gavel {
namespace {

// The type the checker infers for a standalone expression.
std::string TypeOf(const std::string& text) {
  auto src = std::make_shared<SourceFile>("<t>", text);
  Diagnostics diags;
  ExprPtr e = ParseExpression(*src, diags);
  if (!e || !diags.empty()) return "parse error: " + diags.Format();
  if (!CheckExpression(*e, *src, diags)) return "error: " + diags.items()[0].message;
  return e->type.ToString();
}

// Every diagnostic of a policy, one line each: "line:col code: message".
std::vector<std::string> Errors(const std::string& text) {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("p.gavel", text)}, diags);
  std::vector<std::string> out;
  for (const auto& d : diags.items()) {
    out.push_back(std::to_string(d.location.line()) + ":" + std::to_string(d.location.column()) + " " + d.code +
                  ": " + d.message);
  }
  if (policy == nullptr && out.empty()) out.push_back("no policy and no error");
  return out;
}

using V = std::vector<std::string>;

TEST_CASE("types are inferred from literals, the schema and built-ins") {
  CHECK(TypeOf("1 + 2") == "int");
  CHECK(TypeOf("1u") == "uint");
  CHECK(TypeOf("'a' + 'b'") == "string");
  CHECK(TypeOf("[1, 2]") == "list(int)");
  CHECK(TypeOf("[1, 'a']") == "list(dyn)");
  CHECK(TypeOf("{'a': 1}") == "map(string, int)");
  CHECK(TypeOf("plan.steps") == "list(gavel.v1.Step)");
  CHECK(TypeOf("plan.steps.map(s, s.id)") == "list(string)");
  CHECK(TypeOf("plan.steps.filter(s, s.verb == 'get')") == "list(gavel.v1.Step)");
  CHECK(TypeOf("plan.steps[0].resource") == "gavel.v1.Resource");
  CHECK(TypeOf("plan.steps[0].args") == "map(string, dyn)");
  CHECK(TypeOf("plan.steps[0].args.replicas") == "dyn");
  CHECK(TypeOf("plan.steps[0].starts_at") == "google.protobuf.Timestamp");
  CHECK(TypeOf("plan.steps[0].duration + duration('5m')") == "google.protobuf.Duration");
  CHECK(TypeOf("context.airgapped ? 1 : 2") == "int");
  CHECK(TypeOf("size(agent.grants) > 0") == "bool");
  CHECK(TypeOf("type(1) == int") == "bool");
  CHECK(TypeOf("'x' in ['x']") == "bool");
  CHECK(TypeOf("has(plan.steps[0].network)") == "bool");
}

TEST_CASE("expression errors") {
  CHECK(TypeOf("plan.stepz") == "error: `gavel.v1.Plan` has no field `stepz` (did you mean `steps`?)");
  CHECK(TypeOf("plan.steps[0].nme") == "error: `gavel.v1.Step` has no field `nme` (fields: id, index, action, verb, resource, network, args, "
        "starts_at, duration, depends_on, inputs, labels)");
  CHECK(TypeOf("contxt") == "error: undeclared name `contxt` (did you mean `context`?)");
  CHECK(TypeOf("'a'.startWith('a')") == "error: unknown function `startWith` (did you mean `startsWith`?)");
  CHECK(TypeOf("1 + 'a'") == "error: no overload of `_+_` takes `_+_(int, string)`");
  CHECK(TypeOf("'a' == 1") == "error: cannot compare `string` with `int` (they are never equal)");
  CHECK(TypeOf("1 && true") == "error: operator `&&` needs bool operands, found `int`");
  CHECK(TypeOf("size(1)") == "error: no overload of `size` takes `size(int)`");
  CHECK(TypeOf("[1].all(x, x)") == "error: the predicate must be bool, found `int`");
  CHECK(TypeOf("(1).exists(x, true)") == "error: macros range over lists and maps, not `int`");
  CHECK(TypeOf("'a'.matches('(')") == "error: invalid regex `(`: missing ): (");
  CHECK(TypeOf("context.environment.size") == "error: type `string` has no field `size`");
}

TEST_CASE("declaration errors") {
  CHECK(Errors("package t\nparam n: int = 'x'\n") ==
        V{"2:16 type_error: param `n` is declared `int` but its default is `string`"});
  CHECK(Errors("package t\nparam n: int\n") == V{"2:7 type_error: param `t.n` has no default and no value was given"});
  CHECK(Errors("package t\nparam n: int = size(plan.steps)\n") ==
        V{"2:16 type_error: the default of param `n` must be a constant expression"});
  CHECK(Errors("package t\nrule a { deny }\nrule a { warn }\n") ==
        V{"3:6 duplicate_declaration: rule `a` is already declared at p.gavel:2:6"});
  CHECK(Errors("package t\nlet x = 1\nparam x: int = 2\n") ==
        V{"2:5 duplicate_declaration: let `x` is already declared at p.gavel:3:7"});
  CHECK(Errors("package t\n@severity(\"urgent\")\nrule a { deny }\n") ==
        V{"2:1 type_error: @severity takes one of `info`, `low`, `medium`, `high`, `critical`, not `urgent`"});
  CHECK(Errors("package t\n@sevrity(\"high\")\nrule a { deny }\n") ==
        V{"2:1 unknown_name: unknown annotation `@sevrity` (did you mean `@severity`?)"});
  CHECK(Errors("package t\nrule a { permit for g in agent.grants }\n") ==
        V{"2:10 type_error: a `permit` rule must range over the plan's steps: `for step in plan.steps`"});
  CHECK(Errors("package t\nrule a { deny for s in 3 }\n") ==
        V{"2:24 type_error: `for` needs a list or a map, found `int`"});
  CHECK(Errors("package t\nrule a { deny when 'x' }\n") == V{"2:20 type_error: `when` needs a bool condition, found `string`"});
  CHECK(Errors("package t\nrule a { deny for s in plan.steps let s = 1 }\n") ==
        V{"2:39 duplicate_declaration: `s` is already bound in this rule"});
  CHECK(Errors("rule a { deny }\n") == V{"1:1 syntax_error: missing `package` declaration at the top of the file"});
}

TEST_CASE("lets see only what is declared before them") {
  CHECK(Errors("package t\nlet a = b\nlet b = 1\n") == V{"2:9 unknown_name: undeclared name `b`"});
  CHECK(Errors("package t\nlet a = 1\nlet b = a + 1\nrule r { deny when b == 2 }\n").empty());
  CHECK(Errors("package t\nrule r { deny for s in plan.steps let x = y let y = 1 when x == 1 }\n") ==
        V{"2:43 unknown_name: undeclared name `y`"});
}

TEST_CASE("names resolve within their own package") {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("a.gavel", "package a\nparam limit: int = 3\n"),
                               std::make_shared<SourceFile>("b.gavel", "package b\nrule r { deny when limit > 1 }\n")},
                              diags);
  CHECK(policy == nullptr);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].message == "undeclared name `limit`");
}

}  // namespace
}  // namespace gavel
