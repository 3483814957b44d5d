// Tests of the parser: CEL expressions (precedence, macros, literals, depth)
// and policy files (declarations, rule clauses, messages, errors, recovery).
#include "engine/parser.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace gavel {
namespace {

// An S-expression rendering of an Expr, to compare trees as text:
// `_+_(a, _*_(b, c))`, `a.b`, `a.f(x)`, `all(r, x, p)`.
std::string S(const Expr* e) {
  if (e == nullptr) return "<null>";
  std::string out;
  auto list = [&](const std::vector<ExprPtr>& args, size_t from = 0) {
    std::string s;
    for (size_t i = from; i < args.size(); ++i) {
      if (i > from) s += ", ";
      s += S(args[i].get());
    }
    return s;
  };
  switch (e->kind) {
    case ExprKind::kLiteral: {
      const Value& v = e->literal;
      switch (v.kind()) {
        case ValueKind::kNull: return "null";
        case ValueKind::kBool: return v.bool_value() ? "true" : "false";
        case ValueKind::kInt: return std::to_string(v.int_value());
        case ValueKind::kUint: return std::to_string(v.uint_value()) + "u";
        case ValueKind::kDouble: {
          char buf[64];
          snprintf(buf, sizeof buf, "%gd", v.double_value());
          return buf;
        }
        case ValueKind::kString: return "\"" + v.str() + "\"";
        case ValueKind::kBytes: return "b\"" + v.str() + "\"";
        default: return "?";
      }
    }
    case ExprKind::kIdent: return e->name;
    case ExprKind::kSelect:
      out = S(e->target.get()) + "." + e->name;
      return e->test_only ? "has(" + out + ")" : out;
    case ExprKind::kCall:
      if (e->target) return S(e->target.get()) + "." + e->name + "(" + list(e->args) + ")";
      return e->name + "(" + list(e->args) + ")";
    case ExprKind::kList: return "[" + list(e->args) + "]";
    case ExprKind::kMap: {
      out = "{";
      for (size_t i = 0; i + 1 < e->args.size(); i += 2) {
        if (i) out += ", ";
        out += S(e->args[i].get()) + ": " + S(e->args[i + 1].get());
      }
      return out + "}";
    }
    case ExprKind::kComprehension: {
      const char* names[] = {"all", "exists", "exists_one", "map", "filter"};
      out = std::string(names[static_cast<int>(e->macro)]) + "(" + S(e->target.get()) + ", " +
            e->iter_var;
      if (e->args.size() == 2) out += ", " + S(e->args[1].get());
      return out + ", " + S(e->args[0].get()) + ")";
    }
  }
  return "?";
}

std::vector<std::string> Errors(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) {
    out.push_back(std::to_string(d.location.line()) + ":" + std::to_string(d.location.column()) +
                  ": " + d.code + ": " + d.message);
  }
  return out;
}

struct ParsedExpr {
  SourceFile file;
  Diagnostics diags;
  ExprPtr expr;
  explicit ParsedExpr(std::string text, ParseLimits limits = {}) : file("e", std::move(text)) {
    expr = ParseExpression(file, diags, limits);
  }
  std::vector<std::string> errors() const { return Errors(diags); }
};

// Parses an expression that must be valid and returns its S-expression.
std::string P(const std::string& text) {
  ParsedExpr p(text);
  INFO(text);
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  REQUIRE(p.expr != nullptr);
  return S(p.expr.get());
}

// The errors of an invalid expression.
std::vector<std::string> E(const std::string& text) {
  ParsedExpr p(text);
  return p.errors();
}

struct ParsedPolicy {
  std::shared_ptr<SourceFile> file;
  Diagnostics diags;
  PolicyFile policy;
  explicit ParsedPolicy(std::string text, ParseLimits limits = {})
      : file(std::make_shared<SourceFile>("p.gavel", std::move(text))) {
    policy = ParsePolicy(file, diags, limits);
  }
  std::vector<std::string> errors() const { return Errors(diags); }
  // The source text an Expr underlines.
  std::string Span(const Expr& e) const { return file->text().substr(e.offset, e.length); }
};

// Errors of a policy file.
std::vector<std::string> PE(const std::string& text) { return ParsedPolicy(text).errors(); }

using V = std::vector<std::string>;

// ---------------------------------------------------------------------------
// Expressions

TEST_CASE("parser: literals", "[parser]") {
  CHECK(P("1") == "1");
  CHECK(P("0x10") == "16");
  CHECK(P("1u") == "1u");
  CHECK(P("1.5") == "1.5d");
  CHECK(P(".5") == "0.5d");
  CHECK(P("1e3") == "1000d");
  CHECK(P("'a'") == "\"a\"");
  CHECK(P("\"a\\tb\"") == "\"a\tb\"");
  CHECK(P("r'a\\tb'") == "\"a\\tb\"");
  CHECK(P("'''a\nb'''") == "\"a\nb\"");
  CHECK(P("b'ab'") == "b\"ab\"");
  CHECK(P("true") == "true");
  CHECK(P("false") == "false");
  CHECK(P("null") == "null");
}

TEST_CASE("parser: int64 min and unary minus", "[parser]") {
  ParsedExpr p("-9223372036854775808");
  REQUIRE(p.diags.empty());
  REQUIRE(p.expr->kind == ExprKind::kLiteral);
  CHECK(p.expr->literal.int_value() == std::numeric_limits<int64_t>::min());
  CHECK(p.expr->offset == 0);
  CHECK(p.expr->length == 20);
  CHECK(P("-0x8000000000000000") == "-9223372036854775808");
  CHECK(P("--9223372036854775808") == "-_(-9223372036854775808)");
  CHECK(P("-1") == "-_(1)");
  CHECK(P("--1") == "-_(-_(1))");
  CHECK(P("!!true") == "!_(!_(true))");
  CHECK(P("-a.b") == "-_(a.b)");
  CHECK(P("1 - -2") == "_-_(1, -_(2))");
  CHECK(E("9223372036854775808") ==
        V{"1:1: invalid_literal: integer literal `9223372036854775808` is out of range"});
  CHECK(E("1 - 9223372036854775808") ==
        V{"1:5: invalid_literal: integer literal `9223372036854775808` is out of range"});
  CHECK(E("-9223372036854775808[0]") ==
        V{"1:2: invalid_literal: integer literal `9223372036854775808` is out of range"});
  CHECK(E("-9223372036854775809") ==
        V{"1:2: invalid_literal: integer literal `9223372036854775809` is out of range"});
  // The unary operators do not mix (CEL's grammar).
  CHECK(E("!-a") == V{"1:2: syntax_error: expected an expression, found `-`"});
}

TEST_CASE("parser: literal errors are reported where used", "[parser]") {
  CHECK(E("'\\q'") == V{"1:2: invalid_literal: invalid escape sequence `\\q`"});
  CHECK(E("b'\\u0041'") == V{"1:3: invalid_literal: escape sequence `\\u0041` is not allowed in a bytes literal"});
  CHECK(E("'\\uD83D\\uDE00'") ==
        V{"1:2: invalid_literal: escape sequence `\\uD83D` is not a valid unicode code point"});
  CHECK(E("x == 'abc") == V{"1:6: syntax_error: unterminated string literal"});
}

TEST_CASE("parser: precedence", "[parser]") {
  CHECK(P("a + b * c") == "_+_(a, _*_(b, c))");
  CHECK(P("a * b + c") == "_+_(_*_(a, b), c)");
  CHECK(P("(a + b) * c") == "_*_(_+_(a, b), c)");
  CHECK(P("a / b % c") == "_%_(_/_(a, b), c)");
  CHECK(P("a + b < c - d") == "_<_(_+_(a, b), _-_(c, d))");
  CHECK(P("a < b == c") == "_==_(_<_(a, b), c)");
  CHECK(P("a == b && c != d") == "_&&_(_==_(a, b), _!=_(c, d))");
  CHECK(P("a || b && c") == "_||_(a, _&&_(b, c))");
  CHECK(P("a && b || c") == "_||_(_&&_(a, b), c)");
  CHECK(P("a in b && c") == "_&&_(@in(a, b), c)");
  CHECK(P("x + 1 in [1, 2]") == "@in(_+_(x, 1), [1, 2])");
  CHECK(P("a <= b") == "_<=_(a, b)");
  CHECK(P("a >= b") == "_>=_(a, b)");
  CHECK(P("a > b") == "_>_(a, b)");
  CHECK(P("!a && b") == "_&&_(!_(a), b)");
  CHECK(P("-a * b") == "_*_(-_(a), b)");
  CHECK(P("!a.b()") == "!_(a.b())");
  CHECK(P("a || b ? c : d") == "_?_:_(_||_(a, b), c, d)");
  CHECK(P("a ? b || c : d && e") == "_?_:_(a, _||_(b, c), _&&_(d, e))");
}

TEST_CASE("parser: associativity", "[parser]") {
  CHECK(P("a - b - c") == "_-_(_-_(a, b), c)");
  CHECK(P("a / b / c") == "_/_(_/_(a, b), c)");
  CHECK(P("a || b || c") == "_||_(_||_(a, b), c)");
  CHECK(P("a && b && c") == "_&&_(_&&_(a, b), c)");
  CHECK(P("a == b == c") == "_==_(_==_(a, b), c)");
  CHECK(P("a ? b : c ? d : e") == "_?_:_(a, b, _?_:_(c, d, e))");
  // The middle of `?:` is a ConditionalOr in CEL's grammar: nesting needs parentheses.
  CHECK(E("a ? b ? c : d : e") ==
        V{"1:7: syntax_error: expected `:` in the conditional expression, found `?`"});
  CHECK(P("a ? (b ? c : d) : e") == "_?_:_(a, _?_:_(b, c, d), e)");
  CHECK(P("(a ? b : c) ? d : e") == "_?_:_(_?_:_(a, b, c), d, e)");
}

TEST_CASE("parser: members, calls and indexes", "[parser]") {
  CHECK(P("a.b.c") == "a.b.c");
  CHECK(P("a.b[0].c") == "_[_](a.b, 0).c");
  CHECK(P("a[b][c]") == "_[_](_[_](a, b), c)");
  CHECK(P("a['k']") == "_[_](a, \"k\")");
  CHECK(P("f()") == "f()");
  CHECK(P("f(a, b)") == "f(a, b)");
  CHECK(P("a.f(x)") == "a.f(x)");
  CHECK(P("a.b.f(x).g()") == "a.b.f(x).g()");
  CHECK(P("size(a) > 0") == "_>_(size(a), 0)");
  CHECK(P(".a.b") == ".a.b");
  CHECK(P(".f(x)") == ".f(x)");
  CHECK(P("[1, 2][0]") == "_[_]([1, 2], 0)");
  CHECK(P("'abc'.size()") == "\"abc\".size()");
  CHECK(P("(a).b") == "a.b");
  // Policy words are ordinary names in expressions.
  CHECK(P("step.message + when") == "_+_(step.message, when)");
  CHECK(P("a.if") == "a.if");  // CEL allows reserved words as field names
  CHECK(P("a.for(x)") == "a.for(x)");
}

TEST_CASE("parser: lists and maps", "[parser]") {
  CHECK(P("[]") == "[]");
  CHECK(P("[1]") == "[1]");
  CHECK(P("[1, 2, 3,]") == "[1, 2, 3]");
  CHECK(P("[[1], []]") == "[[1], []]");
  CHECK(P("{}") == "{}");
  CHECK(P("{'a': 1}") == "{\"a\": 1}");
  CHECK(P("{'a': 1, 'b': [2],}") == "{\"a\": 1, \"b\": [2]}");
  CHECK(P("{a: b ? c : d}") == "{a: _?_:_(b, c, d)}");
  CHECK(P("{'a': {'b': 1}}['a']") == "_[_]({\"a\": {\"b\": 1}}, \"a\")");
  CHECK(E("[1, 2") == V{"1:6: syntax_error: expected `,` or `]` in the list, found end of input"});
  CHECK(E("[1 2]") == V{"1:4: syntax_error: expected `,` or `]` in the list, found `2`"});
  CHECK(E("[,]") == V{"1:2: syntax_error: expected an expression, found `,`"});
  CHECK(E("{'a' 1}") == V{"1:6: syntax_error: expected `:` after the map key, found `1`"});
  CHECK(E("{'a': 1 'b': 2}") == V{"1:9: syntax_error: expected `,` or `}` in the map, found `'b'`"});
  CHECK(E("f(a,)") == V{"1:5: syntax_error: expected an argument after `,`, found `)`"});
  CHECK(E("f(a b)") == V{"1:5: syntax_error: expected `,` or `)` in the argument list, found `b`"});
  CHECK(E("a[1") == V{"1:4: syntax_error: expected `]` to close the index, found end of input"});
  CHECK(E("(a") == V{"1:3: syntax_error: expected `)`, found end of input"});
}

TEST_CASE("parser: macros", "[parser]") {
  CHECK(P("r.all(x, x > 0)") == "all(r, x, _>_(x, 0))");
  CHECK(P("r.exists(x, x == 1)") == "exists(r, x, _==_(x, 1))");
  CHECK(P("r.exists_one(x, x)") == "exists_one(r, x, x)");
  CHECK(P("r.map(x, x * 2)") == "map(r, x, _*_(x, 2))");
  CHECK(P("r.map(x, x > 1, x * 2)") == "map(r, x, _>_(x, 1), _*_(x, 2))");
  CHECK(P("r.filter(x, x > 1)") == "filter(r, x, _>_(x, 1))");
  CHECK(P("[1, 2].all(x, [3].exists(y, y > x))") == "all([1, 2], x, exists([3], y, _>_(y, x)))");
  CHECK(P("a.b.map(s, s.id).size()") == "map(a.b, s, s.id).size()");
  // Wrong arity: a plain call, for the checker to report.
  CHECK(P("r.all(x)") == "r.all(x)");
  CHECK(P("r.map(a, b, c, d)") == "r.map(a, b, c, d)");
  CHECK(P("all(x, y)") == "all(x, y)");
  ParsedExpr p("steps.exists(s, s.ok)");
  REQUIRE(p.expr->kind == ExprKind::kComprehension);
  CHECK(p.expr->macro == MacroKind::kExists);
  CHECK(p.expr->iter_var == "s");
  CHECK(p.expr->iter_var_offset == 13);
  CHECK(p.expr->offset == 6);
  CHECK(p.expr->length == 15);
  CHECK(E("r.all(x.y, true)") ==
        V{"1:9: syntax_error: the first argument of `all` must be a simple identifier (the iteration variable)"});
  CHECK(E("r.map(1, 2)") ==
        V{"1:7: syntax_error: the first argument of `map` must be a simple identifier (the iteration variable)"});
  CHECK(E("r.filter(.x, true)") ==
        V{"1:10: syntax_error: the first argument of `filter` must be a simple identifier (the iteration variable)"});
}

TEST_CASE("parser: has()", "[parser]") {
  CHECK(P("has(a.b)") == "has(a.b)");
  CHECK(P("has(a.b.c) && x") == "_&&_(has(a.b.c), x)");
  CHECK(P("has(a[0].b)") == "has(_[_](a, 0).b)");
  ParsedExpr p("x || has(a.b)");
  const Expr& h = *p.expr->args[1];
  CHECK(h.kind == ExprKind::kSelect);
  CHECK(h.test_only);
  CHECK(h.name == "b");
  CHECK(h.offset == 5);
  CHECK(h.length == 8);
  CHECK(E("has(a)") == V{"1:5: syntax_error: has() requires a field selection"});
  CHECK(E("has(a[0])") == V{"1:6: syntax_error: has() requires a field selection"});
  CHECK(E("has(has(a.b))") == V{"1:5: syntax_error: has() requires a field selection"});
  CHECK(P("has(a, b)") == "has(a, b)");  // wrong arity: a plain call
}

TEST_CASE("parser: reserved identifiers", "[parser]") {
  CHECK(E("for") == V{"1:1: syntax_error: reserved identifier `for`"});
  CHECK(E("a + while") == V{"1:5: syntax_error: reserved identifier `while`"});
  CHECK(E("package.x") == V{"1:1: syntax_error: reserved identifier `package`"});
  CHECK(E("let(1)") == V{"1:1: syntax_error: reserved identifier `let`"});
  CHECK(E(".var") == V{"1:2: syntax_error: reserved identifier `var`"});
  CHECK(E("[1].all(if, true)") == V{"1:9: syntax_error: reserved identifier `if`"});
  for (const char* w : {"as", "break", "const", "continue", "else", "function", "import", "loop",
                        "namespace", "return", "void"}) {
    CHECK(E(w) == V{std::string("1:1: syntax_error: reserved identifier `") + w + "`"});
  }
}

TEST_CASE("parser: expression syntax errors", "[parser]") {
  CHECK(E("") == V{"1:1: syntax_error: expected an expression, found end of input"});
  CHECK(E("   // only a comment") == V{"1:21: syntax_error: expected an expression, found end of input"});
  CHECK(E("f(a))") == V{"1:5: syntax_error: unexpected `)`"});
  CHECK(E("a b") == V{"1:3: syntax_error: unexpected `b`"});
  CHECK(E("a = b") == V{"1:3: syntax_error: unexpected `=`; did you mean `==`?"});
  CHECK(E("a +") == V{"1:4: syntax_error: expected an expression, found end of input"});
  CHECK(E("a ? b") == V{"1:6: syntax_error: expected `:` in the conditional expression, found end of input"});
  CHECK(E("a.") == V{"1:3: syntax_error: expected a field name after `.`, found end of input"});
  CHECK(E("a.1") == V{"1:2: syntax_error: unexpected `.1`"});  // `.1` is a double
  CHECK(E("a. 1") == V{"1:4: syntax_error: expected a field name after `.`, found `1`"});
  CHECK(E("a.true") == V{"1:3: syntax_error: expected a field name after `.`, found `true`"});
  CHECK(E(")") == V{"1:1: syntax_error: expected an expression, found `)`"});
  CHECK(E("a @ b") == V{"1:3: syntax_error: unexpected `@`"});
  CHECK(E("a # b") == V{"1:3: syntax_error: unexpected character `#`"});
  CHECK(E("'a very long string literal that goes on and on' b") ==
        V{"1:50: syntax_error: unexpected `b`"});
  CHECK(E("1 'a very long string literal that goes on and on'") ==
        V{"1:3: syntax_error: unexpected `'a very long string literal that...`"});
  ParsedExpr p("a +");
  CHECK(p.expr == nullptr);
}

TEST_CASE("parser: expression offsets", "[parser]") {
  ParsedExpr p("foo.bar(1, 'x') + a.b[2]");
  REQUIRE(p.diags.empty());
  const Expr& add = *p.expr;
  CHECK(add.name == "_+_");
  CHECK(add.offset == 16);
  CHECK(add.length == 1);
  const Expr& call = *add.args[0];
  CHECK(call.name == "bar");
  CHECK(call.offset == 4);
  CHECK(call.length == 11);
  CHECK(call.target->offset == 0);
  CHECK(call.target->length == 3);
  CHECK(call.args[1]->offset == 11);
  CHECK(call.args[1]->length == 3);
  const Expr& index = *add.args[1];
  CHECK(index.name == "_[_]");
  CHECK(index.offset == 21);
  CHECK(index.length == 3);
  const Expr& sel = *index.args[0];
  CHECK(sel.kind == ExprKind::kSelect);
  CHECK(sel.offset == 20);
  CHECK(sel.length == 1);
  ParsedExpr q("[1, 2] == {'a': f(x)} && .g.h");
  const Expr& andd = *q.expr;
  CHECK(andd.offset == 22);
  CHECK(andd.length == 2);
  CHECK(andd.args[0]->offset == 7);
  CHECK(andd.args[0]->length == 2);
  CHECK(andd.args[0]->args[0]->length == 6);
  CHECK(andd.args[0]->args[1]->offset == 10);
  CHECK(andd.args[0]->args[1]->length == 11);
  CHECK(andd.args[0]->args[1]->args[1]->offset == 16);  // f(x)
  CHECK(andd.args[0]->args[1]->args[1]->length == 4);
  CHECK(andd.args[1]->target->name == ".g");
  CHECK(andd.args[1]->target->offset == 25);
  CHECK(andd.args[1]->target->length == 2);
  ParsedExpr t("a ? b : c");
  CHECK(t.expr->offset == 2);
  ParsedExpr n("!x");
  CHECK(n.expr->offset == 0);
  CHECK(n.expr->args[0]->offset == 1);
}

TEST_CASE("parser: depth limit", "[parser]") {
  const std::string msg = "syntax_error: expression nests deeper than 250 levels";
  auto deep_error = [&](const std::string& text) {
    ParsedExpr p(text);
    REQUIRE(p.diags.size() >= 1);
    CHECK(p.diags.items()[0].code == codes::kSyntax);
    CHECK(p.diags.items()[0].message == "expression nests deeper than 250 levels");
    CHECK(p.expr == nullptr);
  };
  deep_error(std::string(100000, '('));
  deep_error(std::string(100000, '(') + "1" + std::string(100000, ')'));
  deep_error(std::string(100000, '['));
  deep_error(std::string(100000, '{'));
  deep_error(std::string(100000, '!') + "a");
  deep_error(std::string(100000, '-') + "1");
  std::string chain = "a";
  for (int i = 0; i < 100000; ++i) chain += ".b";
  deep_error(chain);
  std::string idx = "a";
  for (int i = 0; i < 100000; ++i) idx += "[0]";
  deep_error(idx);
  std::string sum = "1";
  for (int i = 0; i < 100000; ++i) sum += "+1";
  deep_error(sum);
  std::string ors = "a";
  for (int i = 0; i < 100000; ++i) ors += "||a";
  deep_error(ors);
  std::string cond;
  for (int i = 0; i < 100000; ++i) cond += "a?b:";
  deep_error(cond + "c");
  std::string calls;
  for (int i = 0; i < 100000; ++i) calls += "f(";
  deep_error(calls);
  std::string nested_macros;
  for (int i = 0; i < 100000; ++i) nested_macros += "l.all(x, ";
  deep_error(nested_macros);
  // The position of the error: where the limit was crossed.
  ParsedExpr p(std::string(300, '('));
  CHECK(Errors(p.diags) == V{"1:251: " + msg});
  // Reasonable nesting is fine; the limit is configurable.
  CHECK(P(std::string(100, '(') + "1" + std::string(100, ')')) == "1");
  std::string terms = "1";
  for (int i = 0; i < 100; ++i) terms += " + 1";
  ParsedExpr ok(terms);
  CHECK(ok.diags.empty());
  ParseLimits small;
  small.max_depth = 5;
  ParsedExpr s("((((((1))))))", small);
  CHECK(Errors(s.diags) == V{"1:6: syntax_error: expression nests deeper than 5 levels"});
  ParsedExpr s2("((1))", small);
  CHECK(s2.diags.empty());
}

// ---------------------------------------------------------------------------
// Policy files

const char* const kExample = R"(/// doc comment for the package (optional)
package airgap            // dotted names allowed: package k8s.scope

/// doc comments (///) attach to the next declaration
/// second line
param internal_cidrs: list<string> = ["10.0.0.0/8", "172.16.0.0/12"]
param max_steps: int = 50
param window: string        // default optional
/// the prod flag
let prod = context.environment == "prod"      // package-level let
default deny              // the package is an allowlist

/// Air-gapped environments must not reach anything outside them.
@severity("high")
@tags("network", "airgap")
rule no_external_egress {
  deny                                   // or: warn | permit
  for step in plan.steps                 // optional: per-element rule
  let host = step.network.host
  when context.airgapped && step.network.egress     // optional
  unless step.network.ip.in_cidr(internal_cidrs)    // optional
      || host.glob("*.svc.cluster.local")
  message "step {step.id} ({step.action}) reaches {host}, outside the air gap"   // optional
}

rule prod_changes_in_window {
  require_approval("sre-oncall", "security")
  for step in plan.steps
  when context.environment == "prod" && step.verb in ["delete", "patch", "apply"]
  unless step.starts_at.within("Mon-Fri 09:00-17:00", "Europe/Berlin")
}

rule plan_size { warn when size(plan.steps) > max_steps }
rule allow_reads { permit for s in plan.steps when s.verb == "get" }
)";

TEST_CASE("policy: the full example", "[policy]") {
  ParsedPolicy p(kExample);
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  const PolicyFile& f = p.policy;
  CHECK(f.source == p.file);
  CHECK(f.package == "airgap");
  CHECK(f.package_offset == p.file->text().find("airgap"));
  CHECK(f.doc == "doc comment for the package (optional)");
  CHECK(f.default_deny);
  CHECK(f.default_offset == p.file->text().find("default deny"));

  REQUIRE(f.params.size() == 3);
  CHECK(f.params[0].name == "internal_cidrs");
  CHECK(f.params[0].offset == p.file->text().find("internal_cidrs"));
  CHECK(f.params[0].type == Type::List(Type::String()));
  CHECK(f.params[0].type_text == "list<string>");
  CHECK(f.params[0].doc == "doc comments (///) attach to the next declaration\nsecond line");
  CHECK(S(f.params[0].default_value.get()) == "[\"10.0.0.0/8\", \"172.16.0.0/12\"]");
  CHECK(f.params[1].type == Type::Int());
  CHECK(S(f.params[1].default_value.get()) == "50");
  CHECK(f.params[1].doc.empty());
  CHECK(f.params[2].name == "window");
  CHECK(f.params[2].type == Type::String());
  CHECK(f.params[2].default_value == nullptr);

  REQUIRE(f.lets.size() == 1);
  CHECK(f.lets[0].name == "prod");
  CHECK(f.lets[0].doc == "the prod flag");
  CHECK(S(f.lets[0].value.get()) == "_==_(context.environment, \"prod\")");

  REQUIRE(f.rules.size() == 4);
  const RuleDecl& r = f.rules[0];
  CHECK(r.name == "no_external_egress");
  CHECK(r.offset == p.file->text().find("no_external_egress"));
  CHECK(r.doc == "Air-gapped environments must not reach anything outside them.");
  REQUIRE(r.annotations.size() == 2);
  CHECK(r.annotations[0].name == "severity");
  CHECK(r.annotations[0].args == V{"high"});
  CHECK(r.annotations[0].offset == p.file->text().find("@severity"));
  CHECK(r.annotations[1].name == "tags");
  CHECK(r.annotations[1].args == V{"network", "airgap"});
  CHECK(r.effect == Effect::kDeny);
  CHECK(r.effect_offset == p.file->text().find("deny", r.offset));
  CHECK(r.iter_var == "step");
  CHECK(r.iter_var_offset == p.file->text().find("step in plan"));
  CHECK(S(r.iter_range.get()) == "plan.steps");
  REQUIRE(r.lets.size() == 1);
  CHECK(r.lets[0].name == "host");
  CHECK(S(r.lets[0].value.get()) == "step.network.host");
  CHECK(S(r.when.get()) == "_&&_(context.airgapped, step.network.egress)");
  CHECK(S(r.unless.get()) ==
        "_||_(step.network.ip.in_cidr(internal_cidrs), host.glob(\"*.svc.cluster.local\"))");
  CHECK(r.has_message);
  REQUIRE(r.message.size() == 7);
  CHECK(r.message[0].text == "step ");
  CHECK(S(r.message[1].expr.get()) == "step.id");
  CHECK(r.message[2].text == " (");
  CHECK(S(r.message[3].expr.get()) == "step.action");
  CHECK(r.message[4].text == ") reaches ");
  CHECK(S(r.message[5].expr.get()) == "host");
  CHECK(r.message[6].text == ", outside the air gap");
  CHECK(p.Span(*r.message[5].expr) == "host");
  CHECK(p.Span(*r.message[1].expr) == "id");  // a select underlines its field

  const RuleDecl& r2 = f.rules[1];
  CHECK(r2.effect == Effect::kRequireApproval);
  CHECK(r2.approvers == V{"sre-oncall", "security"});
  CHECK(S(r2.when.get()) ==
        "_&&_(_==_(context.environment, \"prod\"), @in(step.verb, [\"delete\", \"patch\", \"apply\"]))");
  CHECK_FALSE(r2.has_message);
  CHECK(r2.message.empty());
  CHECK(r2.annotations.empty());
  CHECK(r2.doc.empty());

  const RuleDecl& r3 = f.rules[2];
  CHECK(r3.effect == Effect::kWarn);
  CHECK(r3.iter_var.empty());
  CHECK(r3.iter_range == nullptr);
  CHECK(S(r3.when.get()) == "_>_(size(plan.steps), max_steps)");
  CHECK(r3.unless == nullptr);
  CHECK(f.rules[3].effect == Effect::kPermit);
  CHECK(f.rules[3].iter_var == "s");
}

TEST_CASE("policy: declarations", "[policy]") {
  ParsedPolicy p(
      "package k8s.scope.v1\n"
      "default allow\n"
      "param a: bool\nparam b: uint\nparam c: double\nparam d: bytes\n"
      "param e: timestamp\nparam f: duration\nparam g: dyn\n"
      "param h: list<list<int>>\n"
      "param i: map<string, list<int>> = {'x': [1]}\n"
      "param j: list<int>= [1]\n"
      "param k: map < string , dyn >\n"
      "let x = 1\nlet y = x + 1\n");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  const PolicyFile& f = p.policy;
  CHECK(f.package == "k8s.scope.v1");
  CHECK_FALSE(f.default_deny);
  REQUIRE(f.params.size() == 11);
  CHECK(f.params[0].type == Type::Bool());
  CHECK(f.params[1].type == Type::Uint());
  CHECK(f.params[2].type == Type::Double());
  CHECK(f.params[3].type == Type::Bytes());
  CHECK(f.params[4].type == Type::Timestamp());
  CHECK(f.params[5].type == Type::Duration());
  CHECK(f.params[6].type == Type::Dyn());
  CHECK(f.params[7].type == Type::List(Type::List(Type::Int())));
  CHECK(f.params[7].type_text == "list<list<int>>");
  CHECK(f.params[8].type == Type::Map(Type::String(), Type::List(Type::Int())));
  CHECK(f.params[8].type_text == "map<string, list<int>>");
  CHECK(S(f.params[8].default_value.get()) == "{\"x\": [1]}");
  CHECK(f.params[9].type == Type::List(Type::Int()));
  CHECK(S(f.params[9].default_value.get()) == "[1]");
  CHECK(f.params[10].type == Type::Map(Type::String(), Type::Dyn()));
  CHECK(f.params[10].type_text == "map < string , dyn >");
  REQUIRE(f.lets.size() == 2);
  CHECK(S(f.lets[1].value.get()) == "_+_(x, 1)");
  CHECK(ParsedPolicy("").diags.empty());
  CHECK(ParsedPolicy("// just a comment\n").diags.empty());
}

TEST_CASE("policy: declaration errors", "[policy]") {
  CHECK(PE("param p: strng") == V{"1:10: type_error: unknown type `strng`; did you mean `string`?"});
  CHECK(PE("param p: float = 1.0") == V{"1:10: type_error: unknown type `float`; did you mean `double`?"});
  CHECK(PE("param p: list<foo>") == V{"1:15: type_error: unknown type `foo`"});
  CHECK(PE("param p: list") ==
        V{"1:14: syntax_error: expected `<` after `list` (as in `list<string>`), found end of file"});
  CHECK(PE("param p: list<int") ==
        V{"1:18: syntax_error: expected `>` to close `list<`, found end of file"});
  CHECK(PE("param p: map<string>") ==
        V{"1:20: syntax_error: expected `,` between the key and value types of `map<K, V>`, found `>`"});
  CHECK(PE("param p int") == V{"1:9: syntax_error: expected `:` and a type after param `p`, found `int`"});
  CHECK(PE("param : int") == V{"1:7: syntax_error: expected a name after `param`, found `:`"});
  CHECK(PE("param for: int") == V{"1:7: syntax_error: reserved identifier `for`"});
  CHECK(PE("param p: 1") == V{"1:10: syntax_error: expected a type, found `1`"});
  CHECK(PE("param p: int = ") == V{"1:16: syntax_error: expected an expression, found end of file"});
  CHECK(PE("let = 1") == V{"1:5: syntax_error: expected a name after `let`, found `=`"});
  CHECK(PE("let x 1") == V{"1:7: syntax_error: expected `=` after let `x`, found `1`"});
  CHECK(PE("let x = 1 2") ==
        V{"1:11: syntax_error: expected a declaration (`package`, `param`, `let`, `rule` or `default`), found `2`"});
  CHECK(PE("package") == V{"1:8: syntax_error: expected a package name after `package`, found end of file"});
  CHECK(PE("package a.") ==
        V{"1:11: syntax_error: expected a name after `.` in the package name, found end of file"});
  CHECK(PE("package a\npackage b") == V{"2:1: duplicate_declaration: duplicate `package` declaration"});
  CHECK(PE("default") == V{"1:8: syntax_error: expected `deny` or `allow` after `default`, found end of file"});
  CHECK(PE("default permit") ==
        V{"1:9: syntax_error: expected `deny` or `allow` after `default`, found `permit`"});
  CHECK(PE("default deny\ndefault deny") == V{"2:1: duplicate_declaration: duplicate `default` declaration"});
  CHECK(PE("x = 1") ==
        V{"1:1: syntax_error: expected a declaration (`package`, `param`, `let`, `rule` or `default`), found `x`"});
  CHECK(PE("@severity(\"high\")\nparam x: int") ==
        V{"1:1: syntax_error: annotations are allowed only before a `rule`, found `param`"});
  CHECK(PE("@a @b") == V{"1:1: syntax_error: annotations are allowed only before a `rule`, found end of file"});
  CHECK(PE("@severity([1]) rule r { deny }") ==
        V{"1:11: syntax_error: annotation arguments must be string literals, found `[`"});
  CHECK(PE("@ 1 rule r { deny }") == V{"1:3: syntax_error: expected an annotation name after `@`, found `1`"});
  CHECK(PE("@tags('a' 'b') rule r { deny }") ==
        V{"1:11: syntax_error: expected `,` or `)` in the arguments of `@tags`, found `'b'`"});
  CHECK(PE("@tags('\\q') rule r { deny }") == V{"1:8: invalid_literal: invalid escape sequence `\\q`"});
}

TEST_CASE("policy: annotations", "[policy]") {
  ParsedPolicy p("/// doc\n@owner(team_a, 3, 'x',) @flag\n@empty()\nrule r { deny }");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  REQUIRE(p.policy.rules.size() == 1);
  const RuleDecl& r = p.policy.rules[0];
  CHECK(r.doc == "doc");
  REQUIRE(r.annotations.size() == 3);
  CHECK(r.annotations[0].name == "owner");
  CHECK(r.annotations[0].args == V{"team_a", "3", "x"});
  CHECK(r.annotations[1].name == "flag");
  CHECK(r.annotations[1].args.empty());
  CHECK(r.annotations[2].name == "empty");
  // Doc comments after the annotations count too.
  ParsedPolicy q("@a\n/// doc\nrule r { deny }");
  REQUIRE(q.policy.rules.size() == 1);
  CHECK(q.policy.rules[0].doc == "doc");
}

TEST_CASE("policy: effects", "[policy]") {
  ParsedPolicy p(
      "rule a { deny }\nrule b { warn }\nrule c { permit }\n"
      "rule d { require_approval('x') }\nrule e { require_approval(\"x\", 'y',) }");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  REQUIRE(p.policy.rules.size() == 5);
  CHECK(p.policy.rules[0].effect == Effect::kDeny);
  CHECK(p.policy.rules[1].effect == Effect::kWarn);
  CHECK(p.policy.rules[2].effect == Effect::kPermit);
  CHECK(p.policy.rules[3].effect == Effect::kRequireApproval);
  CHECK(p.policy.rules[3].approvers == V{"x"});
  CHECK(p.policy.rules[4].approvers == V{"x", "y"});
  CHECK(p.policy.rules[3].effect_offset == p.file->text().find("require_approval"));
  CHECK(PE("rule a { require_approval() }") ==
        V{"1:10: syntax_error: `require_approval` needs at least one approver"});
  CHECK(PE("rule a { require_approval }") ==
        V{"1:27: syntax_error: expected `(` and the approvers after `require_approval`, found `}`"});
  CHECK(PE("rule a { require_approval(3) }") ==
        V{"1:27: syntax_error: approvers must be string literals or param names, found `3`"});
  // A name is a param of the package, resolved by the checker and compiler.
  ParsedPolicy q("rule a { require_approval('x', oncall, leads) }");
  INFO(q.diags.Format());
  REQUIRE(q.diags.empty());
  REQUIRE(q.policy.rules.size() == 1);
  CHECK(q.policy.rules[0].approvers == V{"x"});
  REQUIRE(q.policy.rules[0].approver_params.size() == 2);
  CHECK(q.policy.rules[0].approver_params[0].first == "oncall");
  CHECK(q.policy.rules[0].approver_params[0].second == q.file->text().find("oncall"));
  CHECK(q.policy.rules[0].approver_params[1].first == "leads");
  CHECK(PE("rule a { require_approval(sre) }").empty());
  CHECK(PE("rule a { require_approval('a' 'b') }") ==
        V{"1:31: syntax_error: expected `,` or `)` after an approver, found `'b'`"});
  CHECK(PE("rule a { require_approval('') }") == V{"1:27: syntax_error: an approver must not be empty"});
}

TEST_CASE("policy: rule clauses", "[policy]") {
  // Lets without `for`; clauses on one line; expressions end at clause words.
  ParsedPolicy p(
      "rule r { deny let a = 1 let b = a + 1 when a < b unless b > 3 message 'm' }\n"
      "rule s {\n  warn\n  when x\n    && y\n  unless\n    z\n}\n"
      "rule t { deny when step.message == 'x' && step.when }");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  REQUIRE(p.policy.rules.size() == 3);
  const RuleDecl& r = p.policy.rules[0];
  REQUIRE(r.lets.size() == 2);
  CHECK(r.lets[0].name == "a");
  CHECK(r.lets[0].offset == 18);
  CHECK(S(r.lets[1].value.get()) == "_+_(a, 1)");
  CHECK(S(r.when.get()) == "_<_(a, b)");
  CHECK(S(r.unless.get()) == "_>_(b, 3)");
  REQUIRE(r.message.size() == 1);
  CHECK(r.message[0].text == "m");
  CHECK(S(p.policy.rules[1].when.get()) == "_&&_(x, y)");
  CHECK(S(p.policy.rules[1].unless.get()) == "z");
  CHECK(S(p.policy.rules[2].when.get()) == "_&&_(_==_(step.message, \"x\"), step.when)");
}

TEST_CASE("policy: clause order errors", "[policy]") {
  CHECK(PE("rule r { when x }") ==
        V{"1:10: syntax_error: rule `r` must start with its effect (`deny`, `warn`, `permit` or "
          "`require_approval`), found `when`"});
  CHECK(PE("rule r { when x deny }") ==
        V{"1:10: syntax_error: rule `r` must start with its effect (`deny`, `warn`, `permit` or "
          "`require_approval`), found `when`"});
  CHECK(PE("rule r { }") ==
        V{"1:10: syntax_error: rule `r` must start with its effect (`deny`, `warn`, `permit` or "
          "`require_approval`), found `}`"});
  CHECK(PE("rule r { deny deny }") == V{"1:15: syntax_error: rule `r` has more than one effect"});
  CHECK(PE("rule r { deny warn }") == V{"1:15: syntax_error: rule `r` has more than one effect"});
  CHECK(PE("rule r { deny when a when b }") ==
        V{"1:22: syntax_error: duplicate `when` clause in rule `r`"});
  CHECK(PE("rule r { deny when a for x in y }") ==
        V{"1:22: syntax_error: `for` clause must come before the `when` clause in rule `r`"});
  CHECK(PE("rule r { deny unless a when b }") ==
        V{"1:24: syntax_error: `when` clause must come before the `unless` clause in rule `r`"});
  CHECK(PE("rule r { deny let a = 1 for x in y }") ==
        V{"1:25: syntax_error: `for` clause must come before the `let` clause in rule `r`"});
  CHECK(PE("rule r { deny when a let b = 1 }") ==
        V{"1:22: syntax_error: `let` clause must come before the `when` clause in rule `r`"});
  CHECK(PE("rule r { deny message 'a' unless b }") ==
        V{"1:27: syntax_error: `unless` clause must come before the `message` clause in rule `r`"});
  CHECK(PE("rule r { deny message 'a' message 'b' }") ==
        V{"1:27: syntax_error: duplicate `message` clause in rule `r`"});
  CHECK(PE("rule r { deny for x in a for y in b }") ==
        V{"1:26: syntax_error: duplicate `for` clause in rule `r`"});
  // The duplicate does not replace the first one.
  ParsedPolicy p("rule r { deny when a when b }");
  REQUIRE(p.policy.rules.size() == 1);
  CHECK(S(p.policy.rules[0].when.get()) == "a");
}

TEST_CASE("policy: rule syntax errors", "[policy]") {
  CHECK(PE("rule { deny }") == V{"1:6: syntax_error: expected a rule name after `rule`, found `{`"});
  CHECK(PE("rule r deny }") == V{"1:8: syntax_error: expected `{` after rule `r`, found `deny`"});
  CHECK(PE("rule r { deny") == V{"1:14: syntax_error: expected `}` to close rule `r`, found end of file"});
  CHECK(PE("rule r { deny foo }") == V{"1:15: syntax_error: expected `}` to close rule `r`, found `foo`"});
  CHECK(PE("rule r { deny message 'a' when x }") ==
        V{"1:27: syntax_error: `when` clause must come before the `message` clause in rule `r`"});
  CHECK(PE("rule r { deny when a = b }") == V{"1:22: syntax_error: unexpected `=`; did you mean `==`?"});
  CHECK(PE("rule r { deny when }") == V{"1:20: syntax_error: expected an expression, found `}`"});
  CHECK(PE("rule r { deny when unless x }") ==
        V{"1:20: syntax_error: expected an expression, found `unless`"});
  CHECK(PE("rule r { deny for in x }") == V{"1:19: syntax_error: expected a name after `for`, found `in`"});
  CHECK(PE("rule r { deny for x y }") == V{"1:21: syntax_error: expected `in` after `for x`, found `y`"});
  CHECK(PE("rule r { deny for let in x }") == V{"1:19: syntax_error: reserved identifier `let`"});
  CHECK(PE("rule r { deny let x 1 }") == V{"1:21: syntax_error: expected `=` after let `x`, found `1`"});
  CHECK(PE("rule r { deny message x }") ==
        V{"1:23: syntax_error: expected a string literal after `message`, found `x`"});
  CHECK(PE("rule r { deny message b'x' }") ==
        V{"1:23: syntax_error: expected a string literal after `message`, found `b'x'`"});
  CHECK(PE("rule r {\n  deny\n  when a &&\n}") == V{"4:1: syntax_error: expected an expression, found `}`"});
  // A missing `}` before the next rule.
  ParsedPolicy p("rule a {\n  deny\nrule b { warn }");
  CHECK(p.errors() == V{"3:1: syntax_error: expected `}` to close rule `a`, found `rule`"});
  REQUIRE(p.policy.rules.size() == 2);
  CHECK(p.policy.rules[1].name == "b");
}

TEST_CASE("policy: message interpolation", "[policy]") {
  auto msg = [](const std::string& literal) {
    auto p = std::make_unique<ParsedPolicy>("rule r { deny message " + literal + " }");
    return p;
  };
  auto render = [](const RuleDecl& r) {
    std::string s;
    for (const auto& part : r.message) s += part.expr ? "{" + S(part.expr.get()) + "}" : "<" + part.text + ">";
    return s;
  };
  struct Case {
    const char* literal;
    const char* want;
  };
  const Case cases[] = {
      {R"("plain")", "<plain>"},
      {R"("")", ""},
      {R"("{a}")", "{a}"},
      {R"("x{a}y{b.c}z")", "<x>{a}<y>{b.c}<z>"},
      {R"("{{literal}} braces")", "<{literal} braces>"},
      {R"("{{{a}}}")", "<{>{a}<}>"},
      {R"("tab\there \"q\" \u00e9")", "<tab\there \"q\" \xC3\xA9>"},
      {R"('it\'s {a}')", "<it's >{a}"},
      {R"("{ {'a': 1}['a'] }")", "{_[_]({\"a\": 1}, \"a\")}"},
      {R"("{x + '}'}")", "{_+_(x, \"}\")}"},
      {R"("{r'\d'}")", "{\"\\d\"}"},
      {R"("{m['k']}{n}")", "{_[_](m, \"k\")}{n}"},
      {R"(r"raw \n {a}")", "<raw \\n >{a}"},
      {"'''multi\nline {a}'''", "<multi\nline >{a}"},
      {"\"\"\"say \"{a}\" \"\"\"", "<say \">{a}<\" >"},
      {R"("{a ? 'x' : 'y'}")", "{_?_:_(a, \"x\", \"y\")}"},
      {R"("{s.all(x, x > 0)}")", "{all(s, x, _>_(x, 0))}"},
      {R"("\x7b not an interpolation")", "<{ not an interpolation>"},
  };
  for (const auto& c : cases) {
    auto p = msg(c.literal);
    INFO(c.literal);
    INFO(p->diags.Format());
    REQUIRE(p->diags.empty());
    REQUIRE(p->policy.rules.size() == 1);
    CHECK(p->policy.rules[0].has_message);
    CHECK(render(p->policy.rules[0]) == c.want);
  }
}

TEST_CASE("policy: offsets of interpolated expressions", "[policy]") {
  ParsedPolicy p("rule r {\n  deny\n  message \"a\\tb {step.id} {{x}} {f(1) + g}\"\n}");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  const auto& m = p.policy.rules[0].message;
  REQUIRE(m.size() == 4);
  CHECK(m[0].text == "a\tb ");
  const Expr& id = *m[1].expr;
  CHECK(p.file->LineOf(id.offset) == 3);
  CHECK(p.file->ColumnOf(id.offset) == 23);
  CHECK(p.Span(id) == "id");
  CHECK(p.Span(*id.target) == "step");
  CHECK(m[2].text == " {x} ");
  const Expr& add = *m[3].expr;
  CHECK(p.Span(add) == "+");
  CHECK(p.Span(*add.args[0]) == "f(1)");
  CHECK(p.Span(*add.args[1]) == "g");
}

TEST_CASE("policy: message errors", "[policy]") {
  const std::string pre = "rule r { deny message ";
  auto err = [&](const std::string& literal) { return PE(pre + literal + " }"); };
  CHECK(err(R"("a {} b")") == V{"1:26: syntax_error: empty `{}` in message; write `{{` for a literal brace"});
  CHECK(err(R"("a { } b")") == V{"1:26: syntax_error: empty `{}` in message; write `{{` for a literal brace"});
  CHECK(err(R"("a {b")") ==
        V{"1:26: syntax_error: unterminated `{` in message; write `{{` for a literal brace"});
  CHECK(err(R"("a } b")") ==
        V{"1:26: syntax_error: unmatched `}` in message; write `}}` for a literal brace"});
  CHECK(err(R"("a {b +} c")") == V{"1:30: syntax_error: expected an expression, found `}`"});
  CHECK(err(R"("{a b}")") == V{"1:27: syntax_error: unexpected `b`"});
  CHECK(err(R"("{for}")") == V{"1:25: syntax_error: reserved identifier `for`"});
  CHECK(err(R"("{a} \q {b +}")") ==
        V{"1:28: invalid_literal: invalid escape sequence `\\q`",
          "1:35: syntax_error: expected an expression, found `}`"});
  CHECK(err(R"("{'\q'}")") == V{"1:26: invalid_literal: invalid escape sequence `\\q`"});
  CHECK(err(R"("{a # b}")") == V{"1:27: syntax_error: unexpected character `#`"});
  CHECK(err(R"("{(((}")") == V{"1:28: syntax_error: expected an expression, found `}`"});
  CHECK(PE(pre + "\"abc }") == V{"1:23: syntax_error: unterminated string literal",
                                 "1:29: syntax_error: expected `}` to close rule `r`, found end of file"});
  // Depth applies inside interpolations too.
  ParsedPolicy deep(pre + "\"{" + std::string(1000, '(') + "}\" }");
  CHECK(deep.errors() == V{"1:275: syntax_error: expression nests deeper than 250 levels"});
}

TEST_CASE("policy: doc comments", "[policy]") {
  ParsedPolicy p(
      "/// pkg\n///   two\npackage p\n"
      "// plain comment\n/// param doc\nparam x: int\n"
      "param y: int /// trailing, not a doc\n"
      "////  four slashes: not a doc\nlet z = 1\n"
      "///\nrule r { deny }\n"
      "/// orphan at the end\n");
  INFO(p.diags.Format());
  REQUIRE(p.diags.empty());
  CHECK(p.policy.doc == "pkg\n  two");
  REQUIRE(p.policy.params.size() == 2);
  CHECK(p.policy.params[0].doc == "param doc");
  CHECK(p.policy.params[1].doc.empty());
  CHECK(p.policy.lets[0].doc.empty());
  CHECK(p.policy.rules[0].doc.empty());
}

TEST_CASE("policy: error recovery reports every error", "[policy]") {
  ParsedPolicy p(
      "package x\n"
      "rule a {\n"
      "  deny\n"
      "  when a +\n"
      "  unless b\n"
      "  message \"{}\"\n"
      "}\n"
      "param p: strng = 1\n"
      "rule b {\n"
      "  warn\n"
      "  when (((( \n"
      "}\n"
      "let q = 1 +\n"
      "rule c { permit }\n"
      "rule d e f\n"
      "  deny\n"
      "  let t = 1\n"
      "}\n"
      "rule e { deny when x }\n");
  CHECK(p.errors() == V{
                          "5:3: syntax_error: expected an expression, found `unless`",
                          "6:12: syntax_error: empty `{}` in message; write `{{` for a literal brace",
                          "8:10: type_error: unknown type `strng`; did you mean `string`?",
                          "12:1: syntax_error: expected an expression, found `}`",
                          "14:1: syntax_error: expected an expression, found `rule`",
                          "15:8: syntax_error: expected `{` after rule `d`, found `e`",
                      });
  std::vector<std::string> names;
  for (const auto& r : p.policy.rules) names.push_back(r.name);
  CHECK(names == V{"a", "b", "c", "e"});
  REQUIRE(p.policy.params.size() == 1);
  CHECK(p.policy.rules[0].unless != nullptr);  // parsed after the error in `when`
  CHECK(p.policy.lets.empty());
  // Two errors in two rules.
  CHECK(PE("rule a { deny when ) }\nrule b { deny unless ( }") ==
        V{"1:20: syntax_error: expected an expression, found `)`",
          "2:24: syntax_error: expected an expression, found `}`"});
  // Errors in several clauses of one rule.
  CHECK(PE("rule a {\n deny\n when 1 +\n unless )\n message 'x'\n}") ==
        V{"4:2: syntax_error: expected an expression, found `unless`",
          "4:9: syntax_error: expected an expression, found `)`"});
  // Garbage between declarations.
  CHECK(PE("}}}\nrule a { deny }\n))) (\nparam x: int") ==
        V{"1:1: syntax_error: expected a declaration (`package`, `param`, `let`, `rule` or `default`), found `}`",
          "3:1: syntax_error: expected a declaration (`package`, `param`, `let`, `rule` or `default`), found `)`"});
}

TEST_CASE("policy: depth limit in a policy", "[policy]") {
  std::string text = "rule a { deny when " + std::string(100000, '(') + " }\nrule b { deny }\n";
  ParsedPolicy p(text);
  CHECK(p.errors() == V{"1:270: syntax_error: expression nests deeper than 250 levels"});
  REQUIRE(p.policy.rules.size() == 2);
  std::string types = "param p: ";
  for (int i = 0; i < 100000; ++i) types += "list<";
  ParsedPolicy q(types);
  REQUIRE(q.diags.size() == 1);
  CHECK(q.diags.items()[0].message == "expression nests deeper than 250 levels");
  std::string braces = "let x = " + std::string(100000, '{') + "\nlet y = 1";
  ParsedPolicy b(braces);
  REQUIRE(b.diags.size() == 1);
}

TEST_CASE("policy: every prefix of a valid file parses or errors", "[policy][fuzz]") {
  const std::string text = kExample;
  for (size_t n = 0; n <= text.size(); ++n) {
    ParsedPolicy p(text.substr(0, n));
    // Diagnostics must point inside the text (or at its end).
    for (const auto& d : p.diags.items()) {
      CHECK(d.location.offset <= n);
      CHECK_FALSE(d.message.empty());
    }
    ParsedExpr e(text.substr(0, n));
    (void)e;
  }
}

TEST_CASE("policy: random input never crashes or hangs", "[policy][fuzz]") {
  std::mt19937 rng(12345);
  const std::vector<std::string> vocab = {
      "rule", "param", "let", "package", "default", "deny", "warn", "permit", "require_approval",
      "for", "in", "when", "unless", "message", "@", "///", "//", "\n", " ", "{", "}", "(", ")",
      "[", "]", ",", ".", ":", "?", "=", "==", "!", "-", "+", "&&", "||", "<", ">", "'", "\"",
      "'''", "x", "y", "1", "9223372036854775808", "1.5", "'s {a} '", "\"{\"", "\\", "has",
      "all", "list", "map", "<", "string", "r", "b", "\xFF", "\xC3", "#", "{{", "}}", "u"};
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      text += vocab[rng() % vocab.size()];
      if (rng() % 3 == 0) text += " ";
    }
    ParsedPolicy p(text);
    ParsedExpr e(text);
    for (const auto& d : p.diags.items()) CHECK(d.location.offset <= text.size());
  }
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text;
    int n = static_cast<int>(rng() % 64);
    for (int i = 0; i < n; ++i) text.push_back(static_cast<char>(rng() % 256));
    ParsedPolicy p(text);
    ParsedExpr e(text);
    (void)e;
  }
  // Mutations of the valid file: a byte replaced or removed.
  const std::string base = kExample;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text = base;
    size_t at = rng() % text.size();
    if (rng() % 2) {
      text.erase(at, 1 + rng() % 8);
    } else {
      text[at] = "{}()[]\"'\\@/=.\n"[rng() % 14];
    }
    ParsedPolicy p(text);
  }
}

}  // namespace
}  // namespace gavel
