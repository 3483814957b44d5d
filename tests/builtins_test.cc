// The built-in table (engine/builtins.h): its shape, and every function
// called through it as the VM does.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "engine/builtins.h"
#include "engine/operators.h"
#include "engine/plan_internal.h"
#include "engine/schema.h"
#include "engine/value.h"
#include "tests/value_test_util.h"

namespace gavel {
namespace {

using namespace gavel::testing;  // NOLINT: value shorthands


Value B(bool b) { return Value::Bool(b); }
Value Ty(std::string name) { return Value::TypeValue(std::move(name)); }
Value Strs(std::vector<std::string> items) {
  std::vector<Value> v;
  for (auto& s : items) v.push_back(S(s));
  return L(std::move(v));
}

Value Step() {
  const MessageType* t = &Schema::Get().step;
  return Value::Message(t, std::vector<Value>(t->fields.size(), Value::Null()), 0);
}


Value Call(const std::string& name, std::vector<Value> args) {
  const BuiltinTable& table = BuiltinTable::Get();
  const int id = table.Find(name);
  if (id < 0) return E("test: no built-in " + name);
  return table.at(id).fn(args.data(), args.size());
}

struct Case {
  std::string name;
  std::vector<Value> args;
  Value want;
};

std::string Show(const Case& c, const Value& got) {
  std::string s = c.name + "(";
  for (size_t i = 0; i < c.args.size(); ++i) s += (i ? ", " : "") + c.args[i].DebugString();
  return s + ") = " + got.DebugString() + ", want " + c.want.DebugString();
}

void Run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Value got = Call(c.name, c.args);
    INFO(Show(c, got));
    CHECK(Same(got, c.want));
  }
}

// ---------------------------------------------------------------------------
// The table itself.

bool WellFormed(const Type& t) {
  switch (t.kind()) {
    case TypeKind::kError: return false;
    case TypeKind::kParam: return t.param_id() == 0 || t.param_id() == 1;
    case TypeKind::kList: return WellFormed(t.elem());
    case TypeKind::kMap: return WellFormed(t.key()) && WellFormed(t.value());
    case TypeKind::kMessage: return t.message() != nullptr;
    default: return true;
  }
}

void CollectParams(const Type& t, std::set<int>* out) {
  switch (t.kind()) {
    case TypeKind::kParam: out->insert(t.param_id()); break;
    case TypeKind::kList: CollectParams(t.elem(), out); break;
    case TypeKind::kMap:
      CollectParams(t.key(), out);
      CollectParams(t.value(), out);
      break;
    default: break;
  }
}

TEST_CASE("every built-in is well-formed", "[builtins][table]") {
  const BuiltinTable& table = BuiltinTable::Get();
  REQUIRE(table.all().size() > 40);
  std::set<std::string> names, ids;
  for (const Builtin& b : table.all()) {
    INFO(b.name);
    CHECK(names.insert(b.name).second);
    CHECK(b.fn != nullptr);
    CHECK_FALSE(b.doc.empty());
    CHECK(b.doc.find('\n') == std::string::npos);
    CHECK_FALSE(b.overloads.empty());
    CHECK(table.Find(b.name) >= 0);
    CHECK(&table.at(table.Find(b.name)) == &b);
    for (const Overload& o : b.overloads) {
      INFO(o.id);
      CHECK(ids.insert(o.id).second);
      CHECK_FALSE(o.id.empty());
      if (o.receiver) CHECK_FALSE(o.params.empty());
      std::set<int> bound;
      for (const Type& p : o.params) {
        CHECK(WellFormed(p));
        CollectParams(p, &bound);
      }
      CHECK(WellFormed(o.result));
      std::set<int> used;
      CollectParams(o.result, &used);
      for (int id : used) CHECK(bound.count(id) == 1);  // result params come from the arguments
    }
  }
}

TEST_CASE("Find and Names", "[builtins][table]") {
  const BuiltinTable& table = BuiltinTable::Get();
  CHECK(table.Find("nope") == -1);
  CHECK(table.Find("") == -1);
  for (const char* name : {"_+_", "_-_", "_*_", "_/_", "_%_", "-_", "!_", "_==_", "_!=_", "_<_", "_<=_", "_>_",
                           "_>=_", "@in", "_[_]", "size", "contains", "startsWith", "endsWith", "matches",
                           "charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split",
                           "substring", "trim", "join", "distinct", "int", "uint", "double", "string", "bytes", "bool", "dyn",
                           "type", "timestamp", "duration", "getFullYear", "getMonth", "getDayOfYear",
                           "getDayOfMonth", "getDate", "getDayOfWeek", "getHours", "getMinutes", "getSeconds",
                           "getMilliseconds", "in_cidr", "cidr", "isCIDR", "isIP", "glob", "data_sources"}) {
    INFO(name);
    CHECK(table.Find(name) >= 0);
  }
  for (const char* name : {"_&&_", "_||_", "_?_:_"}) CHECK(table.Find(name) == -1);
  const std::vector<std::string> names = table.Names();
  const std::set<std::string> set(names.begin(), names.end());
  CHECK(set.count("size") == 1);
  CHECK(set.count("startsWith") == 1);
  CHECK(set.count("in_cidr") == 1);
  CHECK(set.count("_+_") == 0);
  CHECK(set.count("@in") == 0);
}

// A value of a signature's type, for calling every overload.
Value Sample(const Type& t) {
  switch (t.kind()) {
    case TypeKind::kInt: return I(1);
    case TypeKind::kUint: return U(1);
    case TypeKind::kDouble: return D(1);
    case TypeKind::kBool: return B(true);
    case TypeKind::kString: return S("1");
    case TypeKind::kBytes: return By("1");
    case TypeKind::kTimestamp: return Ts(1);
    case TypeKind::kDuration: return Du(1);
    case TypeKind::kNull: return Value::Null();
    case TypeKind::kList: return L({Sample(t.elem())});
    case TypeKind::kMap: return M({{Sample(t.key()), Sample(t.value())}});
    case TypeKind::kMessage: return Value::Message(t.message(), plan_internal::DefaultFields(*t.message()), 0);
    default: return I(1);  // dyn, type parameters
  }
}

bool KindMatches(const Type& t, const Value& v) {
  switch (t.kind()) {
    case TypeKind::kInt: return v.is_int();
    case TypeKind::kUint: return v.is_uint();
    case TypeKind::kDouble: return v.is_double();
    case TypeKind::kBool: return v.is_bool();
    case TypeKind::kString: return v.is_string();
    case TypeKind::kBytes: return v.is_bytes();
    case TypeKind::kTimestamp: return v.is_timestamp();
    case TypeKind::kDuration: return v.is_duration();
    case TypeKind::kList: return v.is_list();
    case TypeKind::kMap: return v.is_map();
    case TypeKind::kType: return v.is_type();
    default: return true;
  }
}

TEST_CASE("every declared overload is implemented, with its result kind", "[builtins][table]") {
  for (const Builtin& b : BuiltinTable::Get().all()) {
    for (const Overload& o : b.overloads) {
      std::vector<Value> args;
      for (const Type& p : o.params) args.push_back(Sample(p));
      Value got = b.fn(args.data(), args.size());
      INFO(b.name << " " << o.id << " -> " << got.DebugString());
      if (got.is_error()) {
        CHECK(got.error_message().find("no such overload") == std::string::npos);
      } else {
        CHECK(KindMatches(o.result, got));
      }
    }
    // Wrong arity is an error value, never a crash.
    INFO(b.name);
    CHECK(b.fn(nullptr, 0).is_error());
    const Value five[] = {I(1), I(1), I(1), I(1), I(1)};
    CHECK(b.fn(five, 5).is_error());
  }
}

// ---------------------------------------------------------------------------
// Operators through the table.

TEST_CASE("operator entries call the operators", "[builtins][operators]") {
  Run({
      {"_+_", {I(1), I(2)}, I(3)},
      {"_+_", {U(1), U(2)}, U(3)},
      {"_+_", {D(1), D(2)}, D(3)},
      {"_+_", {S("a"), S("b")}, S("ab")},
      {"_+_", {By("a"), By("b")}, By("ab")},
      {"_+_", {L({I(1)}), L({I(2)})}, L({I(1), I(2)})},
      {"_+_", {Ts(1), Du(2)}, Ts(3)},
      {"_+_", {Du(2), Ts(1)}, Ts(3)},
      {"_+_", {Du(2), Du(1)}, Du(3)},
      {"_+_", {I(kMaxInt), I(1)}, E("integer overflow")},
      {"_+_", {I(1), U(1)}, E("no such overload: _+_(int, uint)")},
      {"_+_", {I(1)}, E("no such overload: _+_(int)")},
      {"_-_", {I(1), I(2)}, I(-1)},
      {"_-_", {Ts(5), Ts(2)}, Du(3)},
      {"_-_", {Ts(5), Du(2)}, Ts(3)},
      {"_-_", {U(1), U(2)}, E("unsigned integer overflow")},
      {"_*_", {I(3), I(4)}, I(12)},
      {"_/_", {I(3), I(0)}, E("division by zero")},
      {"_/_", {D(3), D(2)}, D(1.5)},
      {"_%_", {I(3), I(0)}, E("modulus by zero")},
      {"_%_", {U(7), U(4)}, U(3)},
      {"-_", {I(3)}, I(-3)},
      {"-_", {D(3)}, D(-3)},
      {"-_", {I(kMinInt)}, E("integer overflow")},
      {"-_", {}, E("no such overload: -_()")},
      {"!_", {B(true)}, B(false)},
      {"!_", {I(1)}, E("no such overload: !_(int)")},
      {"_==_", {I(1), D(1)}, B(true)},
      {"_!=_", {I(1), D(1)}, B(false)},
      {"_==_", {S("a"), I(1)}, B(false)},
      {"_<_", {I(1), U(2)}, B(true)},
      {"_<=_", {D(2), I(2)}, B(true)},
      {"_>_", {U(3), D(2.5)}, B(true)},
      {"_>=_", {S("a"), S("b")}, B(false)},
      {"_<_", {B(false), B(true)}, B(true)},
      {"_<_", {I(1), S("a")}, E("no such overload: _<_(int, string)")},
      {"@in", {I(1), L({U(1)})}, B(true)},
      {"@in", {S("k"), M({{S("k"), I(1)}})}, B(true)},
      {"@in", {S("x"), M({{S("k"), I(1)}})}, B(false)},
      {"_[_]", {L({I(7)}), I(0)}, I(7)},
      {"_[_]", {L({I(7)}), U(0)}, I(7)},
      {"_[_]", {L({I(7)}), I(1)}, E("index out of bounds: 1")},
      {"_[_]", {M({{S("k"), I(1)}}), S("k")}, I(1)},
      {"_[_]", {M({{S("k"), I(1)}}), S("j")}, E("no such key: \"j\"")},
  });
}

// ---------------------------------------------------------------------------
// size and strings.

TEST_CASE("size counts code points, bytes and elements", "[builtins][strings]") {
  Run({
      {"size", {S("")}, I(0)},
      {"size", {S("hello")}, I(5)},
      {"size", {S("héllo")}, I(5)},
      {"size", {S("日本語")}, I(3)},
      {"size", {S("😀!")}, I(2)},
      {"size", {By("héllo")}, I(6)},
      {"size", {By("")}, I(0)},
      {"size", {L({I(1), S("a")})}, I(2)},
      {"size", {L({})}, I(0)},
      {"size", {M({{S("a"), I(1)}})}, I(1)},
      {"size", {I(1)}, E("no such overload: size(int)")},
      {"size", {Value::Null()}, E("no such overload: size(null_type)")},
      {"size", {S("a"), S("b")}, E("no such overload: size(string, string)")},
  });
}

TEST_CASE("contains, startsWith, endsWith", "[builtins][strings]") {
  Run({
      {"contains", {S("héllo"), S("él")}, B(true)},
      {"contains", {S("hello"), S("")}, B(true)},
      {"contains", {S("hello"), S("xyz")}, B(false)},
      {"contains", {S("hello"), I(1)}, E("no such overload: contains(string, int)")},
      {"startsWith", {S("日本語"), S("日本")}, B(true)},
      {"startsWith", {S("日本語"), S("本")}, B(false)},
      {"startsWith", {S(""), S("")}, B(true)},
      {"endsWith", {S("héllo"), S("llo")}, B(true)},
      {"endsWith", {S("héllo"), S("hé")}, B(false)},
      {"endsWith", {By("a"), S("a")}, E("no such overload: endsWith(bytes, string)")},
  });
}

TEST_CASE("matches searches with RE2", "[builtins][strings]") {
  Run({
      {"matches", {S("hello"), S("ell")}, B(true)},
      {"matches", {S("hello"), S("^ell")}, B(false)},
      {"matches", {S("hello"), S("^h.*o$")}, B(true)},
      {"matches", {S("héllo"), S("^h.llo$")}, B(true)},  // `.` is one code point
      {"matches", {S("kube-system"), S("^kube-")}, B(true)},
      {"matches", {S(""), S("")}, B(true)},
      {"matches", {S("abc"), S("(")}, E("invalid regex `(`: missing )")},
      {"matches", {S("abc"), S("a{2")}, B(false)},
      {"matches", {S("abc"), S("(?<n>a)")}, E("invalid regex")},
      {"matches", {S("abc"), S("\\")}, E("invalid regex `\\`: trailing \\")},
      {"matches", {S("abc"), I(1)}, E("no such overload: matches(string, int)")},
  });
  // The same pattern many times (the compiled-pattern cache).
  for (int i = 0; i < 200; ++i) {
    CHECK(Call("matches", {S("x" + std::to_string(i)), S("x" + std::to_string(i % 70) + "$")}).is_bool());
  }
}

TEST_CASE("charAt", "[builtins][strings]") {
  Run({
      {"charAt", {S("hello"), I(4)}, S("o")},
      {"charAt", {S("hello"), I(0)}, S("h")},
      {"charAt", {S("hello"), I(5)}, S("")},
      {"charAt", {S("hello"), I(6)}, E("index out of range: 6")},
      {"charAt", {S("hello"), I(-1)}, E("index out of range: -1")},
      {"charAt", {S("héllo"), I(1)}, S("é")},
      {"charAt", {S("héllo"), I(2)}, S("l")},
      {"charAt", {S("日本語"), I(2)}, S("語")},
      {"charAt", {S("日本語"), I(3)}, S("")},
      {"charAt", {S(""), I(0)}, S("")},
      {"charAt", {S("hello"), U(1)}, E("no such overload: charAt(string, uint)")},
  });
}

TEST_CASE("indexOf and lastIndexOf count code points", "[builtins][strings]") {
  Run({
      {"indexOf", {S("hello mellow"), S("")}, I(0)},
      {"indexOf", {S("hello mellow"), S("ello")}, I(1)},
      {"indexOf", {S("hello mellow"), S("jello")}, I(-1)},
      {"indexOf", {S("hello mellow"), S(""), I(2)}, I(2)},
      {"indexOf", {S("hello mellow"), S("ello"), I(2)}, I(7)},
      {"indexOf", {S("hello mellow"), S("ello"), I(20)}, E("index out of range: 20")},
      {"indexOf", {S("hello mellow"), S("ello"), I(-1)}, E("index out of range: -1")},
      {"indexOf", {S("hello mellow"), S("ello"), I(12)}, E("index out of range: 12")},
      {"indexOf", {S("hello mellow"), S("low"), I(11)}, I(-1)},
      {"indexOf", {S("héllo"), S("llo")}, I(2)},
      {"indexOf", {S("日本語日本"), S("本")}, I(1)},
      {"indexOf", {S("日本語日本"), S("本"), I(2)}, I(4)},
      {"indexOf", {S("日本語日本"), S("語日")}, I(2)},
      {"indexOf", {S("hello"), S("hello!")}, I(-1)},
      {"indexOf", {S(""), S("a")}, I(-1)},
      {"indexOf", {S("hello"), I(1)}, E("no such overload: indexOf(string, int)")},
      {"lastIndexOf", {S("hello mellow"), S("")}, I(12)},
      {"lastIndexOf", {S("hello mellow"), S("ello")}, I(7)},
      {"lastIndexOf", {S("hello mellow"), S("jello")}, I(-1)},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(6)}, I(1)},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(7)}, I(7)},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(11)}, I(7)},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(0)}, I(-1)},
      {"lastIndexOf", {S("hello mellow"), S(""), I(3)}, I(3)},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(-1)}, E("index out of range: -1")},
      {"lastIndexOf", {S("hello mellow"), S("ello"), I(12)}, E("index out of range: 12")},
      {"lastIndexOf", {S("日本語日本"), S("本")}, I(4)},
      {"lastIndexOf", {S("日本語日本"), S("本"), I(3)}, I(1)},
      {"lastIndexOf", {S("héllo héllo"), S("é")}, I(7)},
      {"lastIndexOf", {S("aaa"), S("aa")}, I(1)},
      {"lastIndexOf", {S(""), S("")}, I(0)},
  });
}

TEST_CASE("lowerAscii, upperAscii, trim", "[builtins][strings]") {
  Run({
      {"lowerAscii", {S("TacoCat")}, S("tacocat")},
      {"lowerAscii", {S("TacoCÆt Xii")}, S("tacocÆt xii")},
      {"upperAscii", {S("TacoCat")}, S("TACOCAT")},
      {"upperAscii", {S("TacoCÆt Xii é")}, S("TACOCÆT XII é")},
      {"lowerAscii", {I(1)}, E("no such overload: lowerAscii(int)")},
      {"trim", {S("  \ttrim\n    ")}, S("trim")},
      {"trim", {S("\u00a0\u3000x y\u2003\u0085")}, S("x y")},
      {"trim", {S("\u200bx\u200b")}, S("\u200bx\u200b")},  // zero-width space is not white space
      {"trim", {S("")}, S("")},
      {"trim", {S(" \v\f\r ")}, S("")},
      {"trim", {S("é")}, S("é")},
  });
}

TEST_CASE("replace", "[builtins][strings]") {
  Run({
      {"replace", {S("hello hello"), S("he"), S("we")}, S("wello wello")},
      {"replace", {S("hello hello"), S("he"), S("we"), I(-1)}, S("wello wello")},
      {"replace", {S("hello hello"), S("he"), S("we"), I(1)}, S("wello hello")},
      {"replace", {S("hello hello"), S("he"), S("we"), I(0)}, S("hello hello")},
      {"replace", {S("hello hello"), S("he"), S("we"), I(5)}, S("wello wello")},
      {"replace", {S("héllo"), S("é"), S("e")}, S("hello")},
      {"replace", {S("abc"), S(""), S("-")}, S("-a-b-c-")},
      {"replace", {S("abc"), S(""), S("-"), I(2)}, S("-a-bc")},
      {"replace", {S("日本"), S(""), S("|")}, S("|日|本|")},
      {"replace", {S(""), S(""), S("x")}, S("x")},
      {"replace", {S("aaaa"), S("aa"), S("b")}, S("bb")},
      {"replace", {S("abc"), S("x"), S("y")}, S("abc")},
      {"replace", {S("abc"), S("b"), I(1)}, E("no such overload: replace(string, string, int)")},
  });
}

TEST_CASE("split", "[builtins][strings]") {
  Run({
      {"split", {S("hello hello hello"), S(" ")}, Strs({"hello", "hello", "hello"})},
      {"split", {S("hello hello hello"), S(" "), I(0)}, Strs({})},
      {"split", {S("hello hello hello"), S(" "), I(1)}, Strs({"hello hello hello"})},
      {"split", {S("hello hello hello"), S(" "), I(2)}, Strs({"hello", "hello hello"})},
      {"split", {S("hello hello hello"), S(" "), I(-1)}, Strs({"hello", "hello", "hello"})},
      {"split", {S("hello hello hello"), S(" "), I(10)}, Strs({"hello", "hello", "hello"})},
      {"split", {S("a,b,,c,"), S(",")}, Strs({"a", "b", "", "c", ""})},
      {"split", {S(""), S(",")}, Strs({""})},
      {"split", {S("héllo"), S("")}, Strs({"h", "é", "l", "l", "o"})},
      {"split", {S("日本語"), S(""), I(2)}, Strs({"日", "本語"})},
      {"split", {S(""), S("")}, Strs({})},
      {"split", {S("a→b→c"), S("→")}, Strs({"a", "b", "c"})},
      {"split", {S("abc"), I(1)}, E("no such overload: split(string, int)")},
  });
}

TEST_CASE("substring", "[builtins][strings]") {
  Run({
      {"substring", {S("tacocat"), I(4)}, S("cat")},
      {"substring", {S("tacocat"), I(0), I(4)}, S("taco")},
      {"substring", {S("tacocat"), I(7)}, S("")},
      {"substring", {S("tacocat"), I(7), I(7)}, S("")},
      {"substring", {S("tacocat"), I(-1)}, E("index out of range: -1")},
      {"substring", {S("tacocat"), I(8)}, E("index out of range: 8")},
      {"substring", {S("tacocat"), I(0), I(8)}, E("index out of range: 8")},
      {"substring", {S("tacocat"), I(-1), I(2)}, E("index out of range: -1")},
      {"substring", {S("tacocat"), I(2), I(1)}, E("invalid substring range. start: 2, end: 1")},
      {"substring", {S("héllo"), I(1), I(3)}, S("él")},
      {"substring", {S("日本語"), I(1)}, S("本語")},
      {"substring", {S("日本語"), I(3)}, S("")},
      {"substring", {S("日本語"), I(4)}, E("index out of range: 4")},
      {"substring", {S("abc"), U(1)}, E("no such overload: substring(string, uint)")},
  });
}

TEST_CASE("join", "[builtins][strings]") {
  Run({
      {"join", {Strs({"hello", "mellow"})}, S("hellomellow")},
      {"join", {Strs({"hello", "mellow"}), S(" ")}, S("hello mellow")},
      {"join", {Strs({}), S("/")}, S("")},
      {"join", {Strs({})}, S("")},
      {"join", {Strs({"日", "本"}), S("・")}, S("日・本")},
      {"join", {L({S("a"), I(1)})}, E("join: the list holds a `int`, not a string")},
      {"join", {S("abc")}, E("no such overload: join(string)")},
      {"join", {Strs({"a"}), I(1)}, E("no such overload: join(list, int)")},
  });
}

TEST_CASE("distinct", "[builtins][lists]") {
  Run({
      {"distinct", {Strs({"b", "a", "b", "c", "a"})}, Strs({"b", "a", "c"})},
      {"distinct", {Strs({})}, Strs({})},
      {"distinct", {Strs({"", ""})}, Strs({""})},
      // CEL equality: numbers across kinds, lists element-wise; strings never equal numbers.
      {"distinct", {L({I(1), D(1.0), U(1), I(2)})}, L({I(1), I(2)})},
      {"distinct", {L({S("1"), I(1), S("1")})}, L({S("1"), I(1)})},
      {"distinct", {L({L({I(1)}), L({I(1)}), L({I(2)})})}, L({L({I(1)}), L({I(2)})})},
      {"distinct", {S("abc")}, E("no such overload: distinct(string)")},
  });
}

// ---------------------------------------------------------------------------
// Conversions.

TEST_CASE("int()", "[builtins][conversions]") {
  Run({
      {"int", {I(-5)}, I(-5)},
      {"int", {U(42)}, I(42)},
      {"int", {U(0)}, I(0)},
      {"int", {U(static_cast<uint64_t>(kMaxInt))}, I(kMaxInt)},
      {"int", {U(static_cast<uint64_t>(kMaxInt) + 1)}, E("range error")},
      {"int", {U(kMaxUint)}, E("range error: 18446744073709551615u does not fit in int")},
      {"int", {D(-123.456)}, I(-123)},
      {"int", {D(1.9)}, I(1)},
      {"int", {D(-7.9)}, I(-7)},
      {"int", {D(11.5)}, I(11)},
      {"int", {D(-0.5)}, I(0)},
      {"int", {D(1e99)}, E("range error: 1e+99 does not fit in int")},
      {"int", {D(9223372036854775808.0)}, E("range error")},
      {"int", {D(9223372036854774784.0)}, I(9223372036854774784)},
      {"int", {D(-9223372036854775808.0)}, I(kMinInt)},
      {"int", {D(-9223372036854777856.0)}, E("range error")},
      {"int", {D(kNaN)}, E("range error: NaN does not fit in int")},
      {"int", {D(kInf)}, E("range error")},
      {"int", {D(-kInf)}, E("range error")},
      {"int", {S("987")}, I(987)},
      {"int", {S("-987")}, I(-987)},
      {"int", {S("+5")}, I(5)},
      {"int", {S("9223372036854775807")}, I(kMaxInt)},
      {"int", {S("-9223372036854775808")}, I(kMinInt)},
      {"int", {S("9223372036854775808")}, E("range error")},
      {"int", {S("-9223372036854775809")}, E("range error")},
      {"int", {S("1.5")}, E("cannot convert \"1.5\" to int")},
      {"int", {S("")}, E("cannot convert \"\" to int")},
      {"int", {S(" 1")}, E("cannot convert")},
      {"int", {S("1 ")}, E("cannot convert")},
      {"int", {S("+-1")}, E("cannot convert")},
      {"int", {S("-")}, E("cannot convert")},
      {"int", {S("0x10")}, E("cannot convert")},
      {"int", {Ts(1095379199)}, I(1095379199)},
      {"int", {Ts(-1, 500000000)}, I(-1)},
      {"int", {B(true)}, E("no such overload: int(bool)")},
      {"int", {Du(1)}, E("no such overload: int(google.protobuf.Duration)")},
  });
}

TEST_CASE("uint()", "[builtins][conversions]") {
  Run({
      {"uint", {I(1729)}, U(1729)},
      {"uint", {I(kMaxInt)}, U(static_cast<uint64_t>(kMaxInt))},
      {"uint", {I(-1)}, E("range error: -1 does not fit in uint")},
      {"uint", {U(7)}, U(7)},
      {"uint", {D(3.14159265)}, U(3)},
      {"uint", {D(25.5)}, U(25)},
      {"uint", {D(1e19)}, U(10000000000000000000ull)},
      {"uint", {D(18446744073709549568.0)}, U(18446744073709549568ull)},
      {"uint", {D(18446744073709551616.0)}, E("range error")},
      {"uint", {D(6.022e23)}, E("range error")},
      {"uint", {D(-0.5)}, E("range error")},
      {"uint", {D(kNaN)}, E("range error")},
      {"uint", {S("300")}, U(300)},
      {"uint", {S("18446744073709551615")}, U(kMaxUint)},
      {"uint", {S("18446744073709551616")}, E("range error")},
      {"uint", {S("-1")}, E("cannot convert \"-1\" to uint")},
      {"uint", {S("+1")}, E("cannot convert")},
      {"uint", {S("")}, E("cannot convert")},
      {"uint", {S("1u")}, E("cannot convert")},
      {"uint", {Ts(1)}, E("no such overload: uint(google.protobuf.Timestamp)")},
  });
}

TEST_CASE("double()", "[builtins][conversions]") {
  Run({
      {"double", {I(0)}, D(0)},
      {"double", {I(1000000000000)}, D(1e12)},
      {"double", {I(kMaxInt)}, D(9.223372036854775807e18)},
      {"double", {U(kMaxUint)}, D(1.8446744073709551615e19)},
      {"double", {U(123)}, D(123)},
      {"double", {D(-1.5)}, D(-1.5)},
      {"double", {S("0")}, D(0)},
      {"double", {S("-0.0")}, D(-0.0)},
      {"double", {S("123.456")}, D(123.456)},
      {"double", {S("6.02214e23")}, D(6.02214e23)},
      {"double", {S("-84.32e7")}, D(-8.432e8)},
      {"double", {S("1.38e-23")}, D(1.38e-23)},
      {"double", {S("+1.5")}, D(1.5)},
      {"double", {S(".5")}, D(0.5)},
      {"double", {S("inf")}, D(kInf)},
      {"double", {S("-Inf")}, D(-kInf)},
      {"double", {S("+Infinity")}, D(kInf)},
      {"double", {S("NaN")}, D(kNaN)},
      {"double", {S("1e-999")}, D(0)},
      {"double", {S("1e999")}, E("range error")},
      {"double", {S("abc")}, E("cannot convert \"abc\" to double")},
      {"double", {S("")}, E("cannot convert")},
      {"double", {S("1.5x")}, E("cannot convert")},
      {"double", {S("nan(1)")}, E("cannot convert")},
      {"double", {S("++1")}, E("cannot convert")},
      {"double", {B(false)}, E("no such overload: double(bool)")},
  });
}

TEST_CASE("string()", "[builtins][conversions]") {
  Run({
      {"string", {I(123)}, S("123")},
      {"string", {I(-456)}, S("-456")},
      {"string", {I(kMinInt)}, S("-9223372036854775808")},
      {"string", {U(9876)}, S("9876")},
      {"string", {D(123.456)}, S("123.456")},
      {"string", {D(-4.5e-3)}, S("-0.0045")},
      {"string", {D(1e6)}, S("1e+06")},
      {"string", {D(2)}, S("2")},
      {"string", {D(kNaN)}, S("NaN")},
      {"string", {B(true)}, S("true")},
      {"string", {B(false)}, S("false")},
      {"string", {S("héllo")}, S("héllo")},
      {"string", {By("abc")}, S("abc")},
      {"string", {By("\xc3\xbf")}, S("ÿ")},
      {"string", {By(std::string("\x00\xff", 2))}, E("invalid UTF-8")},
      {"string", {By("\xc0\xaf")}, E("invalid UTF-8")},      // overlong
      {"string", {By("\xed\xa0\x80")}, E("invalid UTF-8")},  // surrogate
      {"string", {By("\xf4\x90\x80\x80")}, E("invalid UTF-8")},  // > U+10FFFF
      {"string", {By("\xe6\x97")}, E("invalid UTF-8")},      // truncated
      {"string", {By("\xf0\x9f\x98\x80")}, S("😀")},
      {"string", {Ts(1234567890)}, S("2009-02-13T23:31:30Z")},
      {"string", {Ts(0, 123000000)}, S("1970-01-01T00:00:00.123Z")},
      {"string", {Du(1, 500000000)}, S("1.5s")},
      {"string", {Du(3600)}, S("3600s")},
      {"string", {Du(-1, -500000000)}, S("-1.5s")},
      {"string", {Value::Null()}, E("no such overload: string(null_type)")},
      {"string", {L({})}, E("no such overload: string(list)")},
  });
}

TEST_CASE("bytes(), bool(), dyn()", "[builtins][conversions]") {
  Run({
      {"bytes", {S("")}, By("")},
      {"bytes", {S("abc")}, By("abc")},
      {"bytes", {S("ÿ")}, By("\xc3\xbf")},
      {"bytes", {By("\xff")}, By("\xff")},
      {"bytes", {I(1)}, E("no such overload: bytes(int)")},
      {"bool", {B(true)}, B(true)},
      {"bool", {S("true")}, B(true)},
      {"bool", {S("TRUE")}, B(true)},
      {"bool", {S("True")}, B(true)},
      {"bool", {S("t")}, B(true)},
      {"bool", {S("T")}, B(true)},
      {"bool", {S("1")}, B(true)},
      {"bool", {S("false")}, B(false)},
      {"bool", {S("FALSE")}, B(false)},
      {"bool", {S("False")}, B(false)},
      {"bool", {S("f")}, B(false)},
      {"bool", {S("F")}, B(false)},
      {"bool", {S("0")}, B(false)},
      {"bool", {S("yes")}, E("cannot convert \"yes\" to bool")},
      {"bool", {S("tRuE")}, E("cannot convert")},
      {"bool", {S("")}, E("cannot convert")},
      {"bool", {I(1)}, E("no such overload: bool(int)")},
      {"dyn", {I(1)}, I(1)},
      {"dyn", {L({I(1), S("one")})}, L({I(1), S("one")})},
      {"dyn", {Value::Null()}, Value::Null()},
  });
}

TEST_CASE("type()", "[builtins][conversions]") {
  Run({
      {"type", {B(true)}, Ty("bool")},
      {"type", {I(0)}, Ty("int")},
      {"type", {U(0)}, Ty("uint")},
      {"type", {D(0)}, Ty("double")},
      {"type", {S("")}, Ty("string")},
      {"type", {By("")}, Ty("bytes")},
      {"type", {L({I(1)})}, Ty("list")},
      {"type", {M({})}, Ty("map")},
      {"type", {Value::Null()}, Ty("null_type")},
      {"type", {Ty("int")}, Ty("type")},
      {"type", {Ts(0)}, Ty("google.protobuf.Timestamp")},
      {"type", {Du(0)}, Ty("google.protobuf.Duration")},
      {"type", {Step()}, Ty("gavel.v1.Step")},
  });
  CHECK_FALSE(ValuesEqual(Call("type", {I(7)}), Call("type", {U(7)})));
  CHECK(ValuesEqual(Call("type", {Call("type", {I(7)})}), Call("type", {Call("type", {U(7)})})));
}

// ---------------------------------------------------------------------------
// Timestamps and durations.

constexpr int64_t kMinTs = -62135596800;
constexpr int64_t kMaxTs = 253402300799;
constexpr int64_t kMaxDur = 315576000000;

TEST_CASE("timestamp()", "[builtins][time]") {
  Run({
      {"timestamp", {S("2009-02-13T23:31:30Z")}, Ts(1234567890)},
      {"timestamp", {S("2009-02-13t23:31:30z")}, Ts(1234567890)},
      {"timestamp", {S("2009-02-13T23:31:30.5+01:00")}, Ts(1234567890 - 3600, 500000000)},
      {"timestamp", {S("2009-02-13T23:31:30.123456789-05:30")}, Ts(1234567890 + 19800, 123456789)},
      {"timestamp", {S("2004-09-16T23:59:59Z")}, Ts(1095379199)},
      {"timestamp", {S("1969-12-31T23:59:59.5Z")}, Ts(-1, 500000000)},
      {"timestamp", {S("2020-02-29T00:00:00Z")}, Ts(1582934400)},
      {"timestamp", {S("0001-01-01T00:00:00Z")}, Ts(kMinTs)},
      {"timestamp", {S("9999-12-31T23:59:59.999999999Z")}, Ts(kMaxTs, 999999999)},
      {"timestamp", {S("9999-12-31T23:59:59.999999999-01:00")}, E("timestamp out of range")},
      {"timestamp", {S("0001-01-01T00:00:00+01:00")}, E("timestamp out of range")},
      {"timestamp", {S("0000-12-31T00:00:00Z")}, E("timestamp out of range")},
      {"timestamp", {S("2021-02-29T00:00:00Z")}, E("invalid timestamp `2021-02-29T00:00:00Z`")},
      {"timestamp", {S("2009-02-30T00:00:00Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-13-01T00:00:00Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T24:00:00Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:60:00Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:60Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13 23:31:30Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:30")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:30.Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:30.1234567891Z")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:30+0100")}, E("invalid timestamp")},
      {"timestamp", {S("2009-02-13T23:31:30+24:00")}, E("invalid timestamp")},
      {"timestamp", {S("2009-2-13T23:31:30Z")}, E("invalid timestamp")},
      {"timestamp", {S("")}, E("invalid timestamp")},
      {"timestamp", {S("now")}, E("invalid timestamp")},
      {"timestamp", {I(0)}, Ts(0)},
      {"timestamp", {I(1234567890)}, Ts(1234567890)},
      {"timestamp", {I(kMinTs)}, Ts(kMinTs)},
      {"timestamp", {I(kMinTs - 1)}, E("timestamp out of range")},
      {"timestamp", {I(kMaxTs + 1)}, E("timestamp out of range")},
      {"timestamp", {Ts(5, 5)}, Ts(5, 5)},
      {"timestamp", {D(1)}, E("no such overload: timestamp(double)")},
  });
}

TEST_CASE("duration()", "[builtins][time]") {
  Run({
      {"duration", {S("1h30m")}, Du(5400)},
      {"duration", {S("300s")}, Du(300)},
      {"duration", {S("-1.5s")}, Du(-1, -500000000)},
      {"duration", {S("1.5h")}, Du(5400)},
      {"duration", {S("250ms")}, Du(0, 250000000)},
      {"duration", {S("1us")}, Du(0, 1000)},
      {"duration", {S("1\xC2\xB5s")}, Du(0, 1000)},
      {"duration", {S("1ns")}, Du(0, 1)},
      {"duration", {S("2h45m30.5s")}, Du(9930, 500000000)},
      {"duration", {S("0")}, Du(0)},
      {"duration", {S("0s")}, Du(0)},
      {"duration", {S("315576000000s")}, Du(kMaxDur)},
      {"duration", {S("-315576000000s")}, Du(-kMaxDur)},
      {"duration", {S("315576000001s")}, E("duration out of range")},
      {"duration", {S("87660000h")}, Du(kMaxDur)},
      {"duration", {S("87660001h")}, E("duration out of range")},
      {"duration", {S("")}, E("invalid duration ``")},
      {"duration", {S("1")}, E("invalid duration `1`")},
      {"duration", {S("1d")}, E("invalid duration")},
      {"duration", {S("inf")}, E("invalid duration")},
      {"duration", {S("-inf")}, E("invalid duration")},
      {"duration", {S("1h 30m")}, E("invalid duration")},
      {"duration", {S("s")}, E("invalid duration")},
      {"duration", {Du(1, 2)}, Du(1, 2)},
      {"duration", {I(1)}, E("no such overload: duration(int)")},
  });
}

TEST_CASE("timestamp accessors, in UTC and in time zones", "[builtins][time]") {
  // 2009-02-13T23:31:30.123456789Z, a Friday, the 44th day of 2009.
  const Value t = Ts(1234567890, 123456789);
  Run({
      {"getFullYear", {t}, I(2009)},
      {"getMonth", {t}, I(1)},
      {"getDayOfYear", {t}, I(43)},
      {"getDayOfMonth", {t}, I(12)},
      {"getDate", {t}, I(13)},
      {"getDayOfWeek", {t}, I(5)},
      {"getHours", {t}, I(23)},
      {"getMinutes", {t}, I(31)},
      {"getSeconds", {t}, I(30)},
      {"getMilliseconds", {t}, I(123)},
      {"getHours", {t, S("UTC")}, I(23)},
      {"getHours", {t, S("America/Los_Angeles")}, I(15)},
      {"getDate", {t, S("America/Los_Angeles")}, I(13)},
      {"getHours", {t, S("Asia/Tokyo")}, I(8)},
      {"getDate", {t, S("Asia/Tokyo")}, I(14)},
      {"getDayOfMonth", {t, S("Asia/Tokyo")}, I(13)},
      {"getDayOfWeek", {t, S("Asia/Tokyo")}, I(6)},
      {"getDayOfYear", {t, S("Asia/Tokyo")}, I(44)},
      {"getHours", {t, S("Asia/Kolkata")}, I(5)},
      {"getMinutes", {t, S("Asia/Kolkata")}, I(1)},
      {"getHours", {t, S("+05:30")}, I(5)},
      {"getMinutes", {t, S("+05:30")}, I(1)},
      {"getDate", {t, S("+05:30")}, I(14)},
      {"getHours", {t, S("05:30")}, I(5)},
      {"getHours", {t, S("-08:00")}, I(15)},
      {"getHours", {t, S("-8:00")}, I(15)},
      {"getHours", {t, S("+00:00")}, I(23)},
      {"getMilliseconds", {t, S("Asia/Tokyo")}, I(123)},
      {"getSeconds", {t, S("-08:00")}, I(30)},
      // Year boundary: 2021-01-01T03:00:00Z is 2020-12-31 22:00 in New York (2020 is a leap year).
      {"getFullYear", {Ts(1609470000), S("America/New_York")}, I(2020)},
      {"getMonth", {Ts(1609470000), S("America/New_York")}, I(11)},
      {"getDayOfYear", {Ts(1609470000), S("America/New_York")}, I(365)},
      {"getDate", {Ts(1609470000), S("America/New_York")}, I(31)},
      {"getDayOfWeek", {Ts(1609470000), S("America/New_York")}, I(4)},
      {"getFullYear", {Ts(1609470000)}, I(2021)},
      {"getDayOfYear", {Ts(1609470000)}, I(0)},
      // DST in Los Angeles began 2021-03-14 at 10:00Z (02:00 PST -> 03:00 PDT), a Sunday.
      {"getHours", {Ts(1615714200), S("America/Los_Angeles")}, I(1)},  // 09:30Z = 01:30 PST
      {"getHours", {Ts(1615717800), S("America/Los_Angeles")}, I(3)},  // 10:30Z = 03:30 PDT
      {"getDayOfWeek", {Ts(1615717800), S("America/Los_Angeles")}, I(0)},
      // ... and ended 2021-11-07: 01:30 happens twice.
      {"getHours", {Ts(1636273800), S("America/Los_Angeles")}, I(1)},  // 08:30Z = 01:30 PDT
      {"getHours", {Ts(1636277400), S("America/Los_Angeles")}, I(1)},  // 09:30Z = 01:30 PST
      {"getHours", {Ts(1636281000), S("America/Los_Angeles")}, I(2)},  // 10:30Z = 02:30 PST
      // London: BST in July.
      {"getHours", {Ts(1625140800), S("Europe/London")}, I(13)},  // 2021-07-01T12:00Z
      {"getHours", {Ts(1609502400), S("Europe/London")}, I(12)},  // 2021-01-01T12:00Z
      // The edges of the range.
      {"getFullYear", {Ts(kMinTs)}, I(1)},
      {"getDayOfWeek", {Ts(kMinTs)}, I(1)},  // 0001-01-01 was a Monday (proleptic Gregorian)
      {"getFullYear", {Ts(kMaxTs, 999999999)}, I(9999)},
      {"getMilliseconds", {Ts(kMaxTs, 999999999)}, I(999)},
      {"getDayOfYear", {Ts(kMaxTs)}, I(364)},
      // Errors.
      {"getHours", {t, S("Mars/Olympus")}, E("unknown time zone `Mars/Olympus`")},
      {"getHours", {t, S("")}, E("unknown time zone ``")},
      {"getHours", {t, S("../../etc/passwd")}, E("unknown time zone")},
      {"getHours", {t, S("/etc/localtime")}, E("unknown time zone")},
      {"getHours", {t, S("localtime")}, E("unknown time zone")},
      {"getHours", {t, S("+25:00")}, E("unknown time zone `+25:00`")},
      {"getHours", {t, S("+05:60")}, E("unknown time zone")},
      {"getHours", {t, S("+5")}, E("unknown time zone")},
      {"getHours", {t, S("+05:3")}, E("unknown time zone")},
      {"getHours", {t, S("America/New York")}, E("unknown time zone")},
      {"getHours", {t, I(1)}, E("no such overload: getHours(google.protobuf.Timestamp, int)")},
      {"getFullYear", {Du(1)}, E("no such overload: getFullYear(google.protobuf.Duration)")},
      {"getMonth", {I(1)}, E("no such overload: getMonth(int)")},
  });
}

TEST_CASE("duration accessors give truncated totals", "[builtins][time]") {
  const Value d = Du(12345, 500000000);  // 3h25m45.5s
  Run({
      {"getHours", {d}, I(3)},
      {"getMinutes", {d}, I(205)},
      {"getSeconds", {d}, I(12345)},
      {"getMilliseconds", {d}, I(12345500)},
      {"getHours", {Du(-5400)}, I(-1)},
      {"getMinutes", {Du(-5400)}, I(-90)},
      {"getSeconds", {Du(0, -500000000)}, I(0)},
      {"getMilliseconds", {Du(0, -1500000)}, I(-1)},
      {"getMilliseconds", {Du(kMaxDur, 999999999)}, I(kMaxDur * 1000 + 999)},
      {"getHours", {Du(kMaxDur)}, I(87660000)},
      {"getHours", {d, S("UTC")}, E("no such overload: getHours(google.protobuf.Duration, string)")},
  });
}

}  // namespace
}  // namespace gavel
