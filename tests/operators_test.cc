// CEL operators on runtime values (engine/operators.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/operators.h"
#include "engine/schema.h"
#include "engine/value.h"
#include "tests/value_test_util.h"

namespace gavel {
namespace {

using namespace gavel::testing;  // NOLINT: value shorthands

constexpr int64_t kMinTs = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTs = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDur = 315576000000;

Value T() { return Value::Bool(true); }
Value F() { return Value::Bool(false); }
Value Null() { return Value::Null(); }

Value Resource(std::string kind, std::string name, uint64_t present = 0b01001) {
  const MessageType* t = &Schema::Get().resource;
  std::vector<Value> fields(t->fields.size(), S(""));
  fields[kResourceKind] = S(std::move(kind));
  fields[kResourceName] = S(std::move(name));
  return Value::Message(t, std::move(fields), present);
}


std::string Show(const Value& v) { return v.DebugString(); }

using BinaryOp = Value (*)(const Value&, const Value&);

struct BinaryCase {
  const char* op;
  BinaryOp fn;
  Value a, b, want;
};

void RunBinary(const std::vector<BinaryCase>& cases) {
  for (const BinaryCase& c : cases) {
    Value got = c.fn(c.a, c.b);
    INFO(Show(c.a) << " " << c.op << " " << Show(c.b) << " = " << Show(got) << ", want " << Show(c.want));
    CHECK(Same(got, c.want));
  }
}

TEST_CASE("int arithmetic, with overflow and division errors", "[operators]") {
  RunBinary({
      {"+", OpAdd, I(1), I(2), I(3)},
      {"+", OpAdd, I(kMaxInt), I(kMinInt), I(-1)},
      {"+", OpAdd, I(kMaxInt), I(1), E("integer overflow")},
      {"+", OpAdd, I(kMinInt), I(-1), E("integer overflow")},
      {"+", OpAdd, I(kMaxInt - 1), I(1), I(kMaxInt)},
      {"-", OpSub, I(3), I(5), I(-2)},
      {"-", OpSub, I(kMinInt), I(1), E("integer overflow")},
      {"-", OpSub, I(0), I(kMinInt), E("integer overflow")},
      {"-", OpSub, I(-1), I(kMinInt), I(kMaxInt)},
      {"*", OpMul, I(-4), I(5), I(-20)},
      {"*", OpMul, I(kMaxInt), I(2), E("integer overflow")},
      {"*", OpMul, I(kMinInt), I(-1), E("integer overflow")},
      {"*", OpMul, I(-1), I(kMaxInt), I(-kMaxInt)},
      {"*", OpMul, I(4294967296), I(4294967296), E("integer overflow")},
      {"/", OpDiv, I(7), I(2), I(3)},
      {"/", OpDiv, I(-7), I(2), I(-3)},
      {"/", OpDiv, I(7), I(0), E("division by zero")},
      {"/", OpDiv, I(kMinInt), I(-1), E("integer overflow")},
      {"/", OpDiv, I(kMinInt), I(1), I(kMinInt)},
      {"%", OpMod, I(7), I(3), I(1)},
      {"%", OpMod, I(-7), I(3), I(-1)},
      {"%", OpMod, I(7), I(-3), I(1)},
      {"%", OpMod, I(1), I(0), E("modulus by zero")},
      {"%", OpMod, I(kMinInt), I(-1), E("integer overflow")},
  });
}

TEST_CASE("uint arithmetic, with overflow and division errors", "[operators]") {
  RunBinary({
      {"+", OpAdd, U(1), U(2), U(3)},
      {"+", OpAdd, U(kMaxUint), U(1), E("unsigned integer overflow")},
      {"+", OpAdd, U(kMaxUint - 1), U(1), U(kMaxUint)},
      {"-", OpSub, U(5), U(3), U(2)},
      {"-", OpSub, U(1), U(2), E("unsigned integer overflow")},
      {"-", OpSub, U(0), U(0), U(0)},
      {"*", OpMul, U(3), U(4), U(12)},
      {"*", OpMul, U(kMaxUint), U(2), E("unsigned integer overflow")},
      {"/", OpDiv, U(7), U(2), U(3)},
      {"/", OpDiv, U(1), U(0), E("division by zero")},
      {"%", OpMod, U(7), U(3), U(1)},
      {"%", OpMod, U(7), U(0), E("modulus by zero")},
  });
}

TEST_CASE("double arithmetic is IEEE 754", "[operators]") {
  RunBinary({
      {"+", OpAdd, D(1.5), D(2.25), D(3.75)},
      {"-", OpSub, D(1.5), D(2.25), D(-0.75)},
      {"*", OpMul, D(1.5), D(-2), D(-3)},
      {"/", OpDiv, D(1), D(4), D(0.25)},
      {"/", OpDiv, D(1), D(0), D(kInf)},
      {"/", OpDiv, D(-1), D(0), D(-kInf)},
      {"/", OpDiv, D(0), D(0), D(kNaN)},
      {"+", OpAdd, D(kInf), D(-kInf), D(kNaN)},
      {"*", OpMul, D(1e308), D(10), D(kInf)},
      {"%", OpMod, D(5), D(2), E("no such overload: _%_(double, double)")},
  });
}

TEST_CASE("concatenation of strings, bytes and lists", "[operators]") {
  RunBinary({
      {"+", OpAdd, S("ab"), S("cd"), S("abcd")},
      {"+", OpAdd, S(""), S("héllo"), S("héllo")},
      {"+", OpAdd, By("a\xff"), By(std::string(1, '\0')), By(std::string("a\xff\x00", 3))},
      {"+", OpAdd, L({I(1)}), L({I(2), S("a")}), L({I(1), I(2), S("a")})},
      {"+", OpAdd, L({}), L({I(1)}), L({I(1)})},
      {"+", OpAdd, L({I(1)}), L({}), L({I(1)})},
      {"+", OpAdd, S("a"), By("b"), E("no such overload: _+_(string, bytes)")},
      {"+", OpAdd, M({}), M({}), E("no such overload: _+_(map, map)")},
  });
}

TEST_CASE("timestamp and duration arithmetic, with range checks", "[operators]") {
  RunBinary({
      {"+", OpAdd, Ts(100, 900000000), Du(1, 200000000), Ts(102, 100000000)},
      {"+", OpAdd, Du(1, 200000000), Ts(100, 900000000), Ts(102, 100000000)},
      {"+", OpAdd, Ts(100), Du(-1, -500000000), Ts(98, 500000000)},
      {"+", OpAdd, Du(1, 500000000), Du(1, 600000000), Du(3, 100000000)},
      {"+", OpAdd, Du(1, 500000000), Du(-2, 0), Du(0, -500000000)},
      {"+", OpAdd, Ts(kMaxTs, 999999999), Du(0, 1), E("timestamp out of range")},
      {"+", OpAdd, Ts(kMaxTs), Du(0, 999999999), Ts(kMaxTs, 999999999)},
      {"+", OpAdd, Du(kMaxDur), Du(1), E("duration out of range")},
      {"+", OpAdd, Ts(1), Ts(1), E("no such overload: _+_(google.protobuf.Timestamp, google.protobuf.Timestamp)")},
      {"-", OpSub, Ts(102, 100000000), Ts(100, 900000000), Du(1, 200000000)},
      {"-", OpSub, Ts(100, 900000000), Ts(102, 100000000), Du(-1, -200000000)},
      {"-", OpSub, Ts(kMaxTs, 999999999), Ts(kMinTs), Du(kMaxTs - kMinTs, 999999999)},
      {"-", OpSub, Ts(100), Du(0, 1), Ts(99, 999999999)},
      {"-", OpSub, Ts(kMinTs), Du(0, 1), E("timestamp out of range")},
      {"-", OpSub, Du(1), Du(0, 500000000), Du(0, 500000000)},
      {"-", OpSub, Du(-kMaxDur), Du(kMaxDur), E("duration out of range")},
      {"-", OpSub, Du(1), Ts(1), E("no such overload: _-_(google.protobuf.Duration, google.protobuf.Timestamp)")},
      {"*", OpMul, Du(1), I(2), E("no such overload: _*_(google.protobuf.Duration, int)")},
  });
}

TEST_CASE("arithmetic never mixes kinds", "[operators]") {
  RunBinary({
      {"+", OpAdd, I(1), U(1), E("no such overload: _+_(int, uint)")},
      {"+", OpAdd, I(1), D(1), E("no such overload: _+_(int, double)")},
      {"-", OpSub, U(1), D(1), E("no such overload: _-_(uint, double)")},
      {"*", OpMul, D(1), I(1), E("no such overload: _*_(double, int)")},
      {"/", OpDiv, S("a"), I(1), E("no such overload: _/_(string, int)")},
      {"%", OpMod, I(1), U(1), E("no such overload: _%_(int, uint)")},
      {"+", OpAdd, Resource("Pod", "x"), I(1), E("no such overload: _+_(gavel.v1.Resource, int)")},
      {"+", OpAdd, Null(), Null(), E("no such overload: _+_(null_type, null_type)")},
  });
}

TEST_CASE("errors propagate through binary operators, the first one winning", "[operators]") {
  const BinaryOp ops[] = {OpAdd, OpSub, OpMul, OpDiv, OpMod, OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpIndex};
  for (BinaryOp op : ops) {
    CHECK(Same(op(E("left"), I(1)), E("left")));
    CHECK(Same(op(I(1), E("right")), E("right")));
    Value both = op(E("left"), E("right"));
    CHECK(both.error_message() == "left");
  }
  CHECK(Same(OpNeg(E("x")), E("x")));
  CHECK(Same(OpNot(E("x")), E("x")));
  CHECK(Same(OpSelect(E("x"), "f"), E("x")));
  CHECK(Same(OpHas(E("x"), "f"), E("x")));
}

TEST_CASE("negation and logical not", "[operators]") {
  struct Case {
    Value in, neg, not_;
  };
  const std::vector<Case> cases = {
      {I(5), I(-5), E("no such overload: !_(int)")},
      {I(kMinInt), E("integer overflow"), E("no such overload")},
      {I(kMaxInt), I(-kMaxInt), E("no such overload")},
      {D(1.5), D(-1.5), E("no such overload: !_(double)")},
      {D(0), D(-0.0), E("no such overload")},
      {U(1), E("no such overload: -_(uint)"), E("no such overload: !_(uint)")},
      {T(), E("no such overload: -_(bool)"), F()},
      {F(), E("no such overload"), T()},
      {Du(1), E("no such overload: -_(google.protobuf.Duration)"), E("no such overload")},
  };
  for (const Case& c : cases) {
    INFO(Show(c.in));
    CHECK(Same(OpNeg(c.in), c.neg));
    CHECK(Same(OpNot(c.in), c.not_));
  }
}

TEST_CASE("equality: heterogeneous numbers, aggregates, messages", "[operators][equality]") {
  struct Case {
    Value a, b;
    bool eq;
  };
  const std::vector<Case> cases = {
      {I(1), I(1), true},
      {I(1), U(1), true},
      {I(1), D(1.0), true},
      {U(1), D(1.0), true},
      {I(-1), U(kMaxUint), false},
      {I(-1), D(-1.0), true},
      {I(1), D(1.5), false},
      {I(kMaxInt), D(9223372036854775808.0), false},  // 2^63 is not INT64_MAX
      {I(kMinInt), D(-9223372036854775808.0), true},
      {U(kMaxUint), D(18446744073709551616.0), false},
      {U(1ull << 63), D(9223372036854775808.0), true},
      {I(9007199254740993), D(9007199254740992.0), false},  // 2^53 + 1
      {I(9007199254740992), D(9007199254740992.0), true},
      {D(kNaN), D(kNaN), false},
      {D(kNaN), I(0), false},
      {D(0.0), D(-0.0), true},
      {D(kInf), U(kMaxUint), false},
      {S("a"), S("a"), true},
      {S("a"), S("b"), false},
      {S("a"), By("a"), false},
      {By("\xff"), By("\xff"), true},
      {Null(), Null(), true},
      {Null(), I(0), false},
      {T(), I(1), false},
      {T(), T(), true},
      {L({I(1), I(2)}), L({U(1), D(2.0)}), true},
      {L({I(1)}), L({I(1), I(2)}), false},
      {L({L({I(1)})}), L({L({D(1.0)})}), true},
      {L({}), M({}), false},
      {M({{S("a"), I(1)}}), M({{S("a"), D(1.0)}}), true},
      {M({{I(1), S("x")}}), M({{U(1), S("x")}}), true},
      {M({{I(1), S("x")}}), M({{I(2), S("x")}}), false},
      {M({{S("a"), I(1)}, {S("b"), I(2)}}), M({{S("b"), I(2)}, {S("a"), I(1)}}), true},
      {M({{S("a"), I(1)}}), M({{S("a"), I(1)}, {S("b"), I(2)}}), false},
      {M({{S("a"), I(1)}}), M({{S("a"), I(2)}}), false},
      {Ts(1, 5), Ts(1, 5), true},
      {Ts(1, 5), Ts(1, 6), false},
      {Du(1), Du(1), true},
      {Du(1), Ts(1), false},
      {Value::TypeValue("int"), Value::TypeValue("int"), true},
      {Value::TypeValue("int"), Value::TypeValue("uint"), false},
      {Value::TypeValue("int"), S("int"), false},
      {Resource("Pod", "a"), Resource("Pod", "a"), true},
      {Resource("Pod", "a"), Resource("Pod", "b"), false},
      {Resource("Pod", "a"), Resource("Pod", "a", 0b11111), true},
  };
  for (const Case& c : cases) {
    INFO(Show(c.a) << " == " << Show(c.b));
    CHECK(ValuesEqual(c.a, c.b) == c.eq);
    CHECK(ValuesEqual(c.b, c.a) == c.eq);
    CHECK(Same(OpEq(c.a, c.b), Value::Bool(c.eq)));
    CHECK(Same(OpNe(c.a, c.b), Value::Bool(!c.eq)));
  }
  // Messages of different types are never equal.
  const MessageType* net = &Schema::Get().network;
  Value network = Value::Message(net, std::vector<Value>(net->fields.size(), S("")), 0);
  Value resource = Value::Message(&Schema::Get().resource,
                                  std::vector<Value>(Schema::Get().resource.fields.size(), S("")), 0);
  CHECK_FALSE(ValuesEqual(network, resource));
}

TEST_CASE("ordering: numbers across kinds by exact value, NaN unordered", "[operators][ordering]") {
  struct Case {
    Value a, b;
    int cmp;  // -1, 0, 1; 2 for unordered
  };
  const std::vector<Case> cases = {
      {I(1), I(2), -1},
      {I(2), I(2), 0},
      {U(2), U(1), 1},
      {D(1.5), D(1.5), 0},
      {I(-1), U(0), -1},
      {U(0), I(-1), 1},
      {I(kMaxInt), U(static_cast<uint64_t>(kMaxInt) + 1), -1},
      {U(kMaxUint), I(kMaxInt), 1},
      {I(kMaxInt), D(9223372036854775808.0), -1},
      {D(9223372036854775808.0), I(kMaxInt), 1},
      {I(kMinInt), D(-9223372036854775808.0), 0},
      {I(kMinInt), D(-1e19), 1},
      {U(kMaxUint), D(18446744073709551616.0), -1},
      {U(kMaxUint), D(18446744073709549568.0), 1},
      {I(1), D(1.5), -1},
      {I(2), D(1.5), 1},
      {I(-1), D(-1.5), 1},
      {I(-2), D(-1.5), -1},
      {D(-1.5), I(-1), -1},
      {U(1), D(-0.5), 1},
      {D(-0.5), U(0), -1},
      {U(0), D(0.0), 0},
      {U(0), D(0.5), -1},
      {I(3), D(3.0), 0},
      {I(0), D(-kInf), 1},
      {U(0), D(kInf), -1},
      {D(kNaN), I(1), 2},
      {U(1), D(kNaN), 2},
      {D(kNaN), D(kNaN), 2},
      {S("a"), S("b"), -1},
      {S("ab"), S("a"), 1},
      {S("é"), S("z"), 1},  // U+00E9 > U+007A
      {S("日"), S("é"), 1},
      {S(""), S(""), 0},
      {By("\x01"), By("\xff"), -1},
      {By("abc"), By("abc"), 0},
      {F(), T(), -1},
      {T(), F(), 1},
      {T(), T(), 0},
      {Ts(1, 5), Ts(1, 6), -1},
      {Ts(2), Ts(1, 999999999), 1},
      {Ts(-1, 5), Ts(-1, 5), 0},
      {Du(-1, -500000000), Du(-1), -1},
      {Du(0, -500000000), Du(-1), 1},
      {Du(1), Du(0, 999999999), 1},
  };
  for (const Case& c : cases) {
    INFO(Show(c.a) << " <=> " << Show(c.b));
    CHECK(Same(OpLt(c.a, c.b), Value::Bool(c.cmp == -1)));
    CHECK(Same(OpLe(c.a, c.b), Value::Bool(c.cmp == -1 || c.cmp == 0)));
    CHECK(Same(OpGt(c.a, c.b), Value::Bool(c.cmp == 1)));
    CHECK(Same(OpGe(c.a, c.b), Value::Bool(c.cmp == 1 || c.cmp == 0)));
  }
}

TEST_CASE("ordering of unordered kinds has no overload", "[operators][ordering]") {
  RunBinary({
      {"<", OpLt, I(1), S("a"), E("no such overload: _<_(int, string)")},
      {"<=", OpLe, Null(), Null(), E("no such overload: _<=_(null_type, null_type)")},
      {">", OpGt, L({I(1)}), L({I(2)}), E("no such overload: _>_(list, list)")},
      {">=", OpGe, M({}), M({}), E("no such overload: _>=_(map, map)")},
      {"<", OpLt, Ts(1), Du(1), E("no such overload")},
      {"<", OpLt, S("a"), By("a"), E("no such overload: _<_(string, bytes)")},
      {"<", OpLt, T(), I(1), E("no such overload: _<_(bool, int)")},
      {"<", OpLt, Value::TypeValue("int"), Value::TypeValue("int"), E("no such overload: _<_(type, type)")},
      {"<", OpLt, Resource("a", "b"), Resource("a", "b"), E("no such overload: _<_(gavel.v1.Resource, gavel.v1.Resource)")},
  });
}

TEST_CASE("in: list membership and map keys", "[operators]") {
  const Value list = L({I(1), S("a"), L({I(2)})});
  const Value map = M({{S("a"), I(1)}, {I(1), S("x")}, {T(), I(0)}});
  RunBinary({
      {"in", OpIn, I(1), list, T()},
      {"in", OpIn, U(1), list, T()},
      {"in", OpIn, D(1.0), list, T()},
      {"in", OpIn, I(2), list, F()},
      {"in", OpIn, S("a"), list, T()},
      {"in", OpIn, L({D(2.0)}), list, T()},
      {"in", OpIn, I(1), L({}), F()},
      {"in", OpIn, S("a"), map, T()},
      {"in", OpIn, S("b"), map, F()},
      {"in", OpIn, I(1), map, T()},
      {"in", OpIn, U(1), map, T()},
      {"in", OpIn, D(1.0), map, T()},
      {"in", OpIn, D(1.5), map, F()},
      {"in", OpIn, T(), map, T()},
      {"in", OpIn, F(), map, F()},
      {"in", OpIn, S("a"), S("abc"), E("no such overload: @in(string, string)")},
      {"in", OpIn, I(1), Null(), E("no such overload: @in(int, null_type)")},
  });
}

TEST_CASE("indexing lists and maps", "[operators]") {
  const Value list = L({I(10), I(20), I(30)});
  const Value map = M({{S("a"), I(1)}, {I(1), S("x")}});
  RunBinary({
      {"[]", OpIndex, list, I(0), I(10)},
      {"[]", OpIndex, list, I(2), I(30)},
      {"[]", OpIndex, list, U(1), I(20)},
      {"[]", OpIndex, list, D(1.0), I(20)},
      {"[]", OpIndex, list, D(1.5), E("invalid list index 1.5: not an integer")},
      {"[]", OpIndex, list, D(kNaN), E("not an integer")},
      {"[]", OpIndex, list, I(3), E("index out of bounds: 3")},
      {"[]", OpIndex, list, I(5), E("index out of bounds: 5")},
      {"[]", OpIndex, list, I(-1), E("index out of bounds: -1")},
      {"[]", OpIndex, list, I(kMinInt), E("index out of bounds: -9223372036854775808")},
      {"[]", OpIndex, list, U(3), E("index out of bounds: 3")},
      {"[]", OpIndex, list, U(kMaxUint), E("index out of bounds: 18446744073709551615")},
      {"[]", OpIndex, list, D(-1.0), E("index out of bounds: -1")},
      {"[]", OpIndex, list, D(1e300), E("index out of bounds: 1e+300")},
      {"[]", OpIndex, L({Null()}), I(0), Null()},
      {"[]", OpIndex, L({}), I(0), E("index out of bounds: 0")},
      {"[]", OpIndex, list, S("a"), E("no such overload: _[_](list, string)")},
      {"[]", OpIndex, map, S("a"), I(1)},
      {"[]", OpIndex, map, I(1), S("x")},
      {"[]", OpIndex, map, U(1), S("x")},
      {"[]", OpIndex, map, D(1.0), S("x")},
      {"[]", OpIndex, map, S("b"), E("no such key: \"b\"")},
      {"[]", OpIndex, map, I(2), E("no such key: 2")},
      {"[]", OpIndex, map, L({}), E("no such key: []")},
      {"[]", OpIndex, S("abc"), I(0), E("no such overload: _[_](string, int)")},
      {"[]", OpIndex, Resource("Pod", "x"), S("kind"), E("no such overload: _[_](gavel.v1.Resource, string)")},
      {"[]", OpIndex, Null(), I(0), E("no such overload: _[_](null_type, int)")},
  });
}

TEST_CASE("select and has on maps and messages", "[operators]") {
  const Value map = M({{S("a"), I(1)}, {I(1), S("x")}});
  const Value res = Resource("Pod", "web");  // kind and name set
  CHECK(Same(OpSelect(map, "a"), I(1)));
  CHECK(Same(OpSelect(map, "b"), E("no such key: b")));
  CHECK(Same(OpSelect(res, "kind"), S("Pod")));
  CHECK(Same(OpSelect(res, "name"), S("web")));
  CHECK(Same(OpSelect(res, "namespace"), S("")));  // unset: the default
  CHECK(Same(OpSelect(res, "nope"), E("no such field: nope")));
  CHECK(Same(OpSelect(I(1), "x"), E("type `int` has no field `x`")));
  CHECK(Same(OpSelect(Null(), "x"), E("type `null_type` has no field `x`")));
  CHECK(Same(OpSelect(L({}), "size"), E("type `list` has no field `size`")));

  CHECK(Same(OpHas(map, "a"), T()));
  CHECK(Same(OpHas(map, "b"), F()));
  CHECK(Same(OpHas(res, "kind"), T()));
  CHECK(Same(OpHas(res, "name"), T()));
  CHECK(Same(OpHas(res, "namespace"), F()));
  CHECK(Same(OpHas(res, "nope"), E("no such field: nope")));
  CHECK(Same(OpHas(S("s"), "x"), E("type `string` has no field `x`")));
  CHECK(Same(OpHas(Null(), "x"), E("has no field")));
}

TEST_CASE("NoSuchOverload names the argument kinds", "[operators]") {
  const Value args[] = {I(1), S("a"), Resource("a", "b"), Ts(0), Du(0), Null(), L({}), M({}), U(1), D(1), By(""), T(),
                        Value::TypeValue("int")};
  CHECK(NoSuchOverload("f", args, 0).error_message() == "no such overload: f()");
  CHECK(NoSuchOverload("_+_", args, 2).error_message() == "no such overload: _+_(int, string)");
  CHECK(NoSuchOverload("f", args, 13).error_message() ==
        "no such overload: f(int, string, gavel.v1.Resource, google.protobuf.Timestamp, "
        "google.protobuf.Duration, null_type, list, map, uint, double, bytes, bool, type)");
}

TEST_CASE("FormatForMessage renders values as CEL's string() does", "[operators][format]") {
  struct Case {
    Value v;
    std::string want;
  };
  const std::vector<Case> cases = {
      {S("abc"), "abc"},
      {S("héllo \"q\""), "héllo \"q\""},
      {I(-42), "-42"},
      {U(42), "42"},
      {U(kMaxUint), "18446744073709551615"},
      {D(1.5), "1.5"},
      {D(100), "100"},
      {D(123456), "123456"},
      {D(1e6), "1e+06"},
      {D(1234567), "1.234567e+06"},
      {D(1e20), "1e+20"},
      {D(1e100), "1e+100"},
      {D(0.0001), "0.0001"},
      {D(0.00001), "1e-05"},
      {D(-4.5e-3), "-0.0045"},
      {D(123.456), "123.456"},
      {D(0.1 + 0.2), "0.30000000000000004"},
      {D(0), "0"},
      {D(-0.0), "-0"},
      {D(5e-324), "5e-324"},
      {D(1.7976931348623157e308), "1.7976931348623157e+308"},
      {D(kNaN), "NaN"},
      {D(kInf), "+Inf"},
      {D(-kInf), "-Inf"},
      {T(), "true"},
      {F(), "false"},
      {Null(), "null"},
      {By("hi"), "hi"},
      {Ts(1795687200), "2026-11-26T10:00:00Z"},
      {Ts(0, 123000000), "1970-01-01T00:00:00.123Z"},
      {Ts(1234567890, 1), "2009-02-13T23:31:30.000000001Z"},
      {Ts(kMinTs), "0001-01-01T00:00:00Z"},
      {Ts(kMaxTs, 999999999), "9999-12-31T23:59:59.999999999Z"},
      {Ts(-1, 500000000), "1969-12-31T23:59:59.5Z"},
      {Du(300), "300s"},
      {Du(1, 500000000), "1.5s"},
      {Du(-1, -500000000), "-1.5s"},
      {Du(0, -1), "-0.000000001s"},
      {Du(0), "0s"},
      {Du(-kMaxDur), "-315576000000s"},
      {L({}), "[]"},
      {L({I(1), S("a"), L({T(), U(2)})}), "[1, \"a\", [true, 2]]"},
      {L({S("say \"hi\"\n")}), "[\"say \\\"hi\\\"\\n\"]"},
      {L({S("é")}), "[\"é\"]"},
      {L({D(1.5), Null(), By("b"), Du(1), Ts(0)}), "[1.5, null, b\"b\", 1s, 1970-01-01T00:00:00Z]"},
      {M({{S("k"), D(1.5)}, {I(2), L({S("x")})}}), "{\"k\": 1.5, 2: [\"x\"]}"},
      {M({}), "{}"},
      {Value::TypeValue("int"), "int"},
      {Value::TypeValue("gavel.v1.Step"), "gavel.v1.Step"},
      {E("boom"), "boom"},
  };
  for (const Case& c : cases) {
    INFO(Show(c.v));
    CHECK(FormatForMessage(c.v) == c.want);
  }
  CHECK(FormatForMessage(Resource("Pod", "web")) == Resource("Pod", "web").DebugString());
}

TEST_CASE("MakeTimestamp and MakeDuration check range and normalize nanos", "[operators][time]") {
  struct Case {
    Value got, want;
  };
  const std::vector<Case> cases = {
      {MakeTimestamp(kMinTs, 0), Ts(kMinTs)},
      {MakeTimestamp(kMinTs - 1, 999999999), E("timestamp out of range")},
      {MakeTimestamp(kMaxTs, 999999999), Ts(kMaxTs, 999999999)},
      {MakeTimestamp(kMaxTs + 1, 0), E("timestamp out of range")},
      {MakeTimestamp(kMaxTs, 1000000000), E("timestamp out of range")},
      {MakeTimestamp(kMinTs, -1), E("timestamp out of range")},
      {MakeTimestamp(10, -1), Ts(9, 999999999)},
      {MakeTimestamp(10, 2147483647), Ts(12, 147483647)},
      {MakeTimestamp(10, -2147483647 - 1), Ts(7, 852516352)},
      {MakeTimestamp(kMaxInt, 2000000000), E("timestamp out of range")},
      {MakeTimestamp(kMinInt, -2000000000), E("timestamp out of range")},
      {MakeDuration(kMaxDur, 0), Du(kMaxDur)},
      {MakeDuration(kMaxDur, 999999999), Du(kMaxDur, 999999999)},
      {MakeDuration(kMaxDur + 1, 0), E("duration out of range")},
      {MakeDuration(-kMaxDur, 0), Du(-kMaxDur)},
      {MakeDuration(-kMaxDur - 1, 0), E("duration out of range")},
      {MakeDuration(1, -1), Du(0, 999999999)},
      {MakeDuration(-1, 1), Du(0, -999999999)},
      {MakeDuration(0, -5), Du(0, -5)},
      {MakeDuration(2, 1500000000), Du(3, 500000000)},
      {MakeDuration(-2, -1500000000), Du(-3, -500000000)},
      {MakeDuration(kMaxInt, 2000000000), E("duration out of range")},
  };
  for (const Case& c : cases) {
    INFO(Show(c.got) << " want " << Show(c.want));
    CHECK(Same(c.got, c.want));
  }
}

}  // namespace
}  // namespace gavel
