// The compiler and VM end to end on standalone expressions: every opcode,
// CEL's error absorption, macros, constant folding, and the disassembler.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/compiler.h"
#include "engine/expression.h"
#include "engine/operators.h"
#include "engine/parser.h"
#include "engine/plan.h"

namespace gavel {
namespace {

std::string Eval(const std::string& text, const Plan* plan = nullptr) {
  auto v = EvaluateExpression(text, plan);
  if (!v.ok()) return "compile error: " + std::string(v.status().message());
  return v->DebugString();
}

TEST_CASE("literals and arithmetic") {
  CHECK(Eval("1 + 2 * 3") == "7");
  CHECK(Eval("(1 + 2) * 3") == "9");
  CHECK(Eval("7 / 2") == "3");
  CHECK(Eval("7 % 3") == "1");
  CHECK(Eval("-(3)") == "-3");
  CHECK(Eval("1u + 2u") == "3u");
  CHECK(Eval("1.5 * 2.0") == "3.0");
  CHECK(Eval("'ab' + \"cd\"") == "\"abcd\"");
  CHECK(Eval("[1, 2] + [3]") == "[1, 2, 3]");
  CHECK(Eval("9223372036854775807 + 1") == "error(integer overflow)");
  CHECK(Eval("1 / 0") == "error(division by zero)");
}

TEST_CASE("comparison, equality and in") {
  CHECK(Eval("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3") == "true");
  CHECK(Eval("1 == 1.0") == "true");
  CHECK(Eval("'a' in ['a', 'b']") == "true");
  CHECK(Eval("'c' in {'a': 1}") == "false");
  CHECK(Eval("[1, 2] == [1, 2]") == "true");
  CHECK(Eval("{'a': 1}['a']") == "1");
  CHECK(Eval("{'a': 1}.a") == "1");
  CHECK(Eval("[1, 2][5]").find("error(") == 0);
}

TEST_CASE("logical operators absorb errors as CEL says") {
  CHECK(Eval("false && 1 / 0 == 1") == "false");
  CHECK(Eval("1 / 0 == 1 && false") == "false");
  CHECK(Eval("true || 1 / 0 == 1") == "true");
  CHECK(Eval("1 / 0 == 1 || true") == "true");
  CHECK(Eval("1 / 0 == 1 || false") == "error(division by zero)");
  CHECK(Eval("true && 1 / 0 == 1") == "error(division by zero)");
  CHECK(Eval("!true") == "false");
}

TEST_CASE("conditional") {
  CHECK(Eval("1 < 2 ? 'yes' : 'no'") == "\"yes\"");
  CHECK(Eval("1 > 2 ? 'yes' : 'no'") == "\"no\"");
  CHECK(Eval("[1, 2].size() == 2 ? 10 : 1 / 0") == "10");
  CHECK(Eval("dyn(1 / 0 == 1) ? 1 : 2") == "error(division by zero)");
}

TEST_CASE("macros") {
  CHECK(Eval("[1, 2, 3].all(x, x > 0)") == "true");
  CHECK(Eval("[1, 2, 3].all(x, x > 1)") == "false");
  CHECK(Eval("[1, 2, 3].exists(x, x == 2)") == "true");
  CHECK(Eval("[1, 2, 3].exists_one(x, x > 1)") == "false");
  CHECK(Eval("[1, 2, 3].exists_one(x, x > 2)") == "true");
  CHECK(Eval("[1, 2, 3].map(x, x * 2)") == "[2, 4, 6]");
  CHECK(Eval("[1, 2, 3].map(x, x > 1, x * 10)") == "[20, 30]");
  CHECK(Eval("[1, 2, 3].filter(x, x != 2)") == "[1, 3]");
  CHECK(Eval("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])") == "true");
  CHECK(Eval("[[1, 2], [3]].map(l, l.map(x, x + 1))") == "[[2, 3], [4]]");
  // An error is absorbed when another element decides the result.
  CHECK(Eval("[0, 1].exists(x, 1 / x == 1)") == "true");
  CHECK(Eval("[0, 1].all(x, 1 / x == 5)") == "false");
  CHECK(Eval("[0].all(x, 1 / x == 1)") == "error(division by zero)");
  CHECK(Eval("[0, 1].map(x, 1 / x)") == "error(division by zero)");
}

TEST_CASE("maps and lists built at run time") {
  CHECK(Eval("[1, 2].map(x, {'v': x})") == "[{\"v\": 1}, {\"v\": 2}]");
  CHECK(Eval("[1, 1].map(x, {x: 1, 1: 2})").find("duplicate map key") != std::string::npos);
}

TEST_CASE("expressions over a plan") {
  auto plan = DecodePlanJson(R"({"context": {"environment": "prod"},
    "steps": [{"id": "a", "verb": "delete", "args": {"n": 3}}, {"id": "b", "verb": "get"}]})");
  REQUIRE(plan.ok());
  CHECK(Eval("plan.steps.size()", &*plan) == "2");
  CHECK(Eval("context.environment", &*plan) == "\"prod\"");
  CHECK(Eval("plan.steps.filter(s, s.verb == 'delete').map(s, s.id)", &*plan) == "[\"a\"]");
  CHECK(Eval("plan.steps[0].args.n + 1", &*plan) == "4");
  CHECK(Eval("plan.steps[1].args.n", &*plan) == "error(no such key: n)");
  CHECK(Eval("has(plan.steps[0].args.n)", &*plan) == "true");
  CHECK(Eval("has(plan.steps[1].network)", &*plan) == "false");
  CHECK(Eval("plan.steps[1].network.egress", &*plan) == "false");
}

TEST_CASE("constant folding leaves no work for the VM") {
  Diagnostics diags;
  auto src = std::make_shared<SourceFile>("<t>", "1 + 2 * 3 == 7 && 'a' in ['a']");
  auto expr = ParseExpression(*src, diags);
  REQUIRE(expr);
  REQUIRE(CheckExpression(*expr, *src, diags));
  auto program = CompileExpression(*expr, src, diags);
  REQUIRE(program);
  REQUIRE(program->chunks[0].code_size == 2);  // CONST true; RETURN
  CHECK(program->Disassemble().find("CONST") != std::string::npos);
}

}  // namespace
}  // namespace gavel

namespace gavel {
namespace {

TEST_CASE("docs/bytecode.md lists every opcode") {
  std::ifstream in(std::string(GAVEL_SOURCE_DIR) + "/docs/bytecode.md");
  std::stringstream doc;
  doc << in.rdbuf();
  for (int i = 0; i < kNumOps; ++i) {
    std::string name = std::string("`") + OpName(static_cast<Op>(i)) + "`";
    INFO(name);
    CHECK(doc.str().find(name) != std::string::npos);
  }
}

}  // namespace
}  // namespace gavel

TEST_CASE("standalone expressions with declared variables", "[vm]") {
  gavel::ExpressionOptions opts;
  opts.declarations = {{"x", gavel::Type::Int()}, {"a.b.c", gavel::Type::String()}, {"ns.y", gavel::Type::Bool()}};
  opts.bindings = {{"x", gavel::Value::Int(41)}, {"a.b.c", gavel::Value::String("yes")}, {"ns.y", gavel::Value::Bool(true)}};
  opts.container = "ns";
  auto r = gavel::EvaluateExpression("x + 1", opts);
  REQUIRE(r.ok());
  CHECK(r->type.ToString() == "int");
  CHECK(r->value.int_value() == 42);
  r = gavel::EvaluateExpression("a.b.c + (y ? '!' : '?')", opts);
  REQUIRE(r.ok());
  CHECK(r->value.str() == "yes!");
  // Unchecked: an unknown name is a runtime error that || can absorb.
  CHECK(!gavel::EvaluateExpression("nope || true", opts).ok());
  opts.check = false;
  r = gavel::EvaluateExpression("nope || true", opts);
  REQUIRE(r.ok());
  CHECK(r->value.is_true());
  r = gavel::EvaluateExpression("{'a': 1}.transformMap(k, v, v + x)", opts);
  REQUIRE(r.ok());
  CHECK(r->value.DebugString() == "{\"a\": 42}");
}
