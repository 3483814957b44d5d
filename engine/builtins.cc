// The built-in table: CEL's operators and standard functions, the strings
// extension (as in cel-go's ext.Strings, used by Kubernetes), conversions,
// timestamp and duration accessors, and the network built-ins of
// builtins_net.cc. The implementations live in builtins_strings.cc,
// builtins_conversions.cc and builtins_time.cc; operators call
// operators.cc.
#include "engine/builtins.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "engine/builtins_impl.h"
#include "engine/builtins_net.h"
#include "engine/builtins_plan.h"
#include "engine/builtins_quantity.h"
#include "engine/builtins_window.h"
#include "engine/operators.h"

namespace gavel {

using namespace builtins_internal;  // NOLINT: the Fn* implementations

namespace builtins_internal {

Value FnSize(const Value* args, size_t argc) {
  if (argc == 1) {
    const Value& v = args[0];
    switch (v.kind()) {
      case ValueKind::kString: return Value::Int(Utf8Length(v.str()));
      case ValueKind::kBytes: return Value::Int(static_cast<int64_t>(v.str().size()));
      case ValueKind::kList: return Value::Int(static_cast<int64_t>(v.list().elems.size()));
      case ValueKind::kMap: return Value::Int(static_cast<int64_t>(v.map().entries.size()));
      default: break;
    }
  }
  return NoSuchOverload("size", args, argc);
}

}  // namespace builtins_internal

namespace {

// `l.distinct()`: the elements without repeats (by CEL equality, so 1 and
// 1.0 are one), in first-seen order, as in cel-go's lists extension. Strings
// go through a hash set, so counting distinct namespaces of a large plan
// stays linear; other kinds are compared pairwise.
Value FnDistinct(const Value* args, size_t argc) {
  if (argc != 1 || !args[0].is_list()) return NoSuchOverload("distinct", args, argc);
  const std::vector<Value>& elems = args[0].list().elems;
  std::vector<Value> out;
  absl::flat_hash_set<std::string_view> seen_strings;
  for (const Value& e : elems) {
    bool seen = false;
    if (e.is_string()) {
      seen = !seen_strings.insert(std::string_view(e.str())).second;
    } else {
      for (const Value& o : out) {
        if (!o.is_string() && ValuesEqual(o, e)) {
          seen = true;
          break;
        }
      }
    }
    if (!seen) out.push_back(e);
  }
  return Value::List(std::move(out));
}

// Operators as functions (the compiler emits opcodes for them; the table
// entries serve the checker and constant folding).
template <Value (*Op)(const Value&, const Value&)>
Value Binary(const Value* args, size_t argc, const char* name) {
  if (argc != 2) return NoSuchOverload(name, args, argc);
  return Op(args[0], args[1]);
}

Value FnAdd(const Value* a, size_t n) { return Binary<OpAdd>(a, n, "_+_"); }
Value FnSub(const Value* a, size_t n) { return Binary<OpSub>(a, n, "_-_"); }
Value FnMul(const Value* a, size_t n) { return Binary<OpMul>(a, n, "_*_"); }
Value FnDiv(const Value* a, size_t n) { return Binary<OpDiv>(a, n, "_/_"); }
Value FnMod(const Value* a, size_t n) { return Binary<OpMod>(a, n, "_%_"); }
Value FnEq(const Value* a, size_t n) { return Binary<OpEq>(a, n, "_==_"); }
Value FnNe(const Value* a, size_t n) { return Binary<OpNe>(a, n, "_!=_"); }
Value FnLt(const Value* a, size_t n) { return Binary<OpLt>(a, n, "_<_"); }
Value FnLe(const Value* a, size_t n) { return Binary<OpLe>(a, n, "_<=_"); }
Value FnGt(const Value* a, size_t n) { return Binary<OpGt>(a, n, "_>_"); }
Value FnGe(const Value* a, size_t n) { return Binary<OpGe>(a, n, "_>=_"); }
Value FnIn(const Value* a, size_t n) { return Binary<OpIn>(a, n, "@in"); }
Value FnIndex(const Value* a, size_t n) { return Binary<OpIndex>(a, n, "_[_]"); }
Value FnNeg(const Value* a, size_t n) { return n == 1 ? OpNeg(a[0]) : NoSuchOverload("-_", a, n); }
Value FnNot(const Value* a, size_t n) { return n == 1 ? OpNot(a[0]) : NoSuchOverload("!_", a, n); }

// `s.contains(t)` on strings, `c.contains(ip | cidr)` on CIDRs (builtins_net.cc).
Value FnContainsAny(const Value* a, size_t n) {
  return n > 0 && IsCidrValue(a[0]) ? CidrContainsFn(a, n) : FnContains(a, n);
}

// Signature shorthands (functions, so the table may be built during static
// initialization of another translation unit).
Type kInt() { return Type::Int(); }
Type kUint() { return Type::Uint(); }
Type kDouble() { return Type::Double(); }
Type kBool() { return Type::Bool(); }
Type kString() { return Type::String(); }
Type kBytes() { return Type::Bytes(); }
Type kTimestamp() { return Type::Timestamp(); }
Type kDuration() { return Type::Duration(); }
Type kA() { return Type::Param(0); }
Type kB() { return Type::Param(1); }
Type kListA() { return Type::List(kA()); }
Type kMapAB() { return Type::Map(kA(), kB()); }
Type kStrings() { return Type::List(kString()); }

// A global function overload and a receiver-style one.
Overload G(std::string id, std::vector<Type> params, Type result) {
  return Overload{std::move(id), false, std::move(params), std::move(result)};
}
Overload R(std::string id, std::vector<Type> params, Type result) {
  return Overload{std::move(id), true, std::move(params), std::move(result)};
}

// The ordering operators: same kinds and the cross-numeric pairs.
std::vector<Overload> OrderingOverloads(const std::string& prefix) {
  const std::pair<const char*, Type> kinds[] = {
      {"int64", kInt()},     {"uint64", kUint()},      {"double", kDouble()},    {"string", kString()},
      {"bytes", kBytes()},   {"bool", kBool()},        {"timestamp", kTimestamp()}, {"duration", kDuration()},
  };
  std::vector<Overload> out;
  for (const auto& [name, t] : kinds) out.push_back(G(prefix + "_" + name, {t, t}, kBool()));
  const std::pair<const char*, Type> nums[] = {{"int64", kInt()}, {"uint64", kUint()}, {"double", kDouble()}};
  for (const auto& [an, at] : nums) {
    for (const auto& [bn, bt] : nums) {
      if (std::string(an) != bn) out.push_back(G(prefix + "_" + an + "_" + bn, {at, bt}, kBool()));
    }
  }
  return out;
}

// Timestamp accessors: t.f() and t.f(tz).
std::vector<Overload> TimestampAccessor(const std::string& id) {
  return {R("timestamp_to_" + id, {kTimestamp()}, kInt()),
          R("timestamp_to_" + id + "_with_tz", {kTimestamp(), kString()}, kInt())};
}

// Timestamp and duration accessors: t.f(), t.f(tz), d.f().
std::vector<Overload> TimeAccessor(const std::string& id) {
  std::vector<Overload> out = TimestampAccessor(id);
  out.push_back(R("duration_to_" + id, {kDuration()}, kInt()));
  return out;
}

bool IsOperatorName(const std::string& name) {
  return !name.empty() && (name[0] == '_' || name[0] == '@' || name[0] == '-' || name[0] == '!');
}

}  // namespace

BuiltinTable::BuiltinTable() {
  std::vector<Builtin>& t = builtins_;
  auto add = [&t](std::string name, std::vector<Overload> overloads, BuiltinFn fn, std::string doc) {
    t.push_back(Builtin{std::move(name), std::move(overloads), fn, std::move(doc)});
  };

  // --- Operators -----------------------------------------------------------
  add("_+_",
      {G("add_int64", {kInt(), kInt()}, kInt()), G("add_uint64", {kUint(), kUint()}, kUint()),
       G("add_double", {kDouble(), kDouble()}, kDouble()), G("add_string", {kString(), kString()}, kString()),
       G("add_bytes", {kBytes(), kBytes()}, kBytes()), G("add_list", {kListA(), kListA()}, kListA()),
       G("add_timestamp_duration", {kTimestamp(), kDuration()}, kTimestamp()),
       G("add_duration_timestamp", {kDuration(), kTimestamp()}, kTimestamp()),
       G("add_duration_duration", {kDuration(), kDuration()}, kDuration())},
      &FnAdd,
      "a + b: sum of numbers (overflow is an error), concatenation of strings, bytes and lists, "
      "timestamp plus duration");
  add("_-_",
      {G("subtract_int64", {kInt(), kInt()}, kInt()), G("subtract_uint64", {kUint(), kUint()}, kUint()),
       G("subtract_double", {kDouble(), kDouble()}, kDouble()),
       G("subtract_timestamp_timestamp", {kTimestamp(), kTimestamp()}, kDuration()),
       G("subtract_timestamp_duration", {kTimestamp(), kDuration()}, kTimestamp()),
       G("subtract_duration_duration", {kDuration(), kDuration()}, kDuration())},
      &FnSub, "a - b: difference of numbers (overflow is an error), of timestamps (a duration), timestamp minus duration");
  add("_*_",
      {G("multiply_int64", {kInt(), kInt()}, kInt()), G("multiply_uint64", {kUint(), kUint()}, kUint()),
       G("multiply_double", {kDouble(), kDouble()}, kDouble())},
      &FnMul, "a * b: product of numbers of one kind (overflow is an error)");
  add("_/_",
      {G("divide_int64", {kInt(), kInt()}, kInt()), G("divide_uint64", {kUint(), kUint()}, kUint()),
       G("divide_double", {kDouble(), kDouble()}, kDouble())},
      &FnDiv, "a / b: quotient, truncated for integers (division by zero is an error for integers)");
  add("_%_", {G("modulo_int64", {kInt(), kInt()}, kInt()), G("modulo_uint64", {kUint(), kUint()}, kUint())}, &FnMod,
      "a % b: remainder of integer division, with the sign of a (modulus by zero is an error)");
  add("-_", {G("negate_int64", {kInt()}, kInt()), G("negate_double", {kDouble()}, kDouble())}, &FnNeg,
      "-a: negation of an int (overflow on the minimum is an error) or a double");
  add("!_", {G("logical_not", {kBool()}, kBool())}, &FnNot, "!a: logical not");
  add("_==_", {G("equals", {kA(), kA()}, kBool())}, &FnEq,
      "a == b: equality; numbers compare by value across int, uint and double, lists and maps element-wise");
  add("_!=_", {G("not_equals", {kA(), kA()}, kBool())}, &FnNe, "a != b: inequality, the negation of ==");
  add("_<_", OrderingOverloads("less"), &FnLt,
      "a < b: ordering of numbers (across kinds), strings, bytes, bools, timestamps, durations");
  add("_<=_", OrderingOverloads("less_equals"), &FnLe, "a <= b: less than or equal (see <)");
  add("_>_", OrderingOverloads("greater"), &FnGt, "a > b: greater than (see <)");
  add("_>=_", OrderingOverloads("greater_equals"), &FnGe, "a >= b: greater than or equal (see <)");
  add("@in", {G("in_list", {kA(), kListA()}, kBool()), G("in_map", {kA(), kMapAB()}, kBool())}, &FnIn,
      "x in c: whether a list holds an element equal to x, or a map has the key x");
  add("_[_]",
      {G("index_list", {kListA(), kInt()}, kA()), G("index_list_uint64", {kListA(), kUint()}, kA()),
       G("index_map", {kMapAB(), kA()}, kB())},
      &FnIndex, "c[i]: the list element at index i (out of bounds is an error), or the map value at key i");

  // --- Size and strings ----------------------------------------------------
  add("size",
      {G("size_string", {kString()}, kInt()), G("size_bytes", {kBytes()}, kInt()), G("size_list", {kListA()}, kInt()),
       G("size_map", {kMapAB()}, kInt()), R("string_size", {kString()}, kInt()), R("bytes_size", {kBytes()}, kInt()),
       R("list_size", {kListA()}, kInt()), R("map_size", {kMapAB()}, kInt())},
      &FnSize, "size(x) / x.size(): code points of a string, bytes of bytes, elements of a list or map");
  std::vector<Overload> contains = {R("contains_string", {kString(), kString()}, kBool())};
  for (Overload& o : CidrContainsOverloads()) contains.push_back(std::move(o));
  add("contains", std::move(contains), &FnContainsAny,
      "s.contains(t): whether t occurs in s; c.contains(ip), c.contains(cidr2): whether the net.CIDR c holds "
      "the address or the whole block");
  add("startsWith", {R("starts_with_string", {kString(), kString()}, kBool())}, &FnStartsWith,
      "s.startsWith(t): whether s begins with t");
  add("endsWith", {R("ends_with_string", {kString(), kString()}, kBool())}, &FnEndsWith,
      "s.endsWith(t): whether s ends with t");
  add("matches",
      {G("matches", {kString(), kString()}, kBool()), R("matches_string", {kString(), kString()}, kBool())}, &FnMatches,
      "s.matches(re) / matches(s, re): whether the RE2 regular expression re matches part of s "
      "(anchor with ^ and $ for all of it)");
  add("charAt", {R("string_char_at_int", {kString(), kInt()}, kString())}, &FnCharAt,
      "s.charAt(i): the code point at index i as a string (\"\" at size(s); beyond is an error)");
  add("indexOf",
      {R("string_index_of_string", {kString(), kString()}, kInt()),
       R("string_index_of_string_int", {kString(), kString(), kInt()}, kInt())},
      &FnIndexOf, "s.indexOf(t[, from]): code-point index of the first t in s at or after from, or -1");
  add("lastIndexOf",
      {R("string_last_index_of_string", {kString(), kString()}, kInt()),
       R("string_last_index_of_string_int", {kString(), kString(), kInt()}, kInt())},
      &FnLastIndexOf, "s.lastIndexOf(t[, from]): code-point index of the last t in s starting at or before from, or -1");
  add("lowerAscii", {R("string_lower_ascii", {kString()}, kString())}, &FnLowerAscii,
      "s.lowerAscii(): s with ASCII letters lower-cased");
  add("upperAscii", {R("string_upper_ascii", {kString()}, kString())}, &FnUpperAscii,
      "s.upperAscii(): s with ASCII letters upper-cased");
  add("replace",
      {R("string_replace_string_string", {kString(), kString(), kString()}, kString()),
       R("string_replace_string_string_int", {kString(), kString(), kString(), kInt()}, kString())},
      &FnReplace, "s.replace(old, new[, n]): s with the first n (all if n < 0) occurrences of old replaced by new");
  add("split",
      {R("string_split_string", {kString(), kString()}, kStrings()),
       R("string_split_string_int", {kString(), kString(), kInt()}, kStrings())},
      &FnSplit, "s.split(sep[, n]): the parts of s between separators, at most n of them if n >= 0");
  add("substring",
      {R("string_substring_int", {kString(), kInt()}, kString()),
       R("string_substring_int_int", {kString(), kInt(), kInt()}, kString())},
      &FnSubstring, "s.substring(start[, end]): the code points of s from start up to (not including) end");
  add("trim", {R("string_trim", {kString()}, kString())}, &FnTrim,
      "s.trim(): s without leading and trailing Unicode white space");
  add("distinct", {R("list_distinct", {kListA()}, kListA())}, &FnDistinct,
      "l.distinct(): the elements of l without repeats (by ==), in first-seen order");
  add("join", {R("list_join", {kStrings()}, kString()), R("list_join_string", {kStrings(), kString()}, kString())},
      &FnJoin, "l.join([sep]): the strings of l concatenated, with sep between them");
  add("format", {R("string_format", {kString(), Type::List(Type::Dyn())}, kString())}, &FnFormat,
      "s.format(args): s with its clauses (%s, %d, %f, %e, %b, %o, %x, %X, %.Nf; %% for %) replaced by the "
      "elements of the list args, in order");
  add("strings.quote", {G("strings_quote", {kString()}, kString())}, &FnQuote,
      "strings.quote(s): s as a double-quoted string literal, with escapes");

  // --- Conversions ---------------------------------------------------------
  add("int",
      {G("int64_to_int64", {kInt()}, kInt()), G("uint64_to_int64", {kUint()}, kInt()),
       G("double_to_int64", {kDouble()}, kInt()), G("string_to_int64", {kString()}, kInt()),
       G("timestamp_to_int64", {kTimestamp()}, kInt())},
      &FnInt, "int(x): an int from a uint, a double (truncated), a decimal string, or a timestamp (Unix seconds)");
  add("uint",
      {G("int64_to_uint64", {kInt()}, kUint()), G("uint64_to_uint64", {kUint()}, kUint()),
       G("double_to_uint64", {kDouble()}, kUint()), G("string_to_uint64", {kString()}, kUint())},
      &FnUint, "uint(x): a uint from an int, a double (truncated) or a decimal string; negatives are an error");
  add("double",
      {G("int64_to_double", {kInt()}, kDouble()), G("uint64_to_double", {kUint()}, kDouble()),
       G("double_to_double", {kDouble()}, kDouble()), G("string_to_double", {kString()}, kDouble())},
      &FnDouble, "double(x): a double from an int, a uint or a string such as \"1.5e3\"");
  add("string",
      {G("int64_to_string", {kInt()}, kString()), G("uint64_to_string", {kUint()}, kString()),
       G("double_to_string", {kDouble()}, kString()), G("bool_to_string", {kBool()}, kString()),
       G("string_to_string", {kString()}, kString()), G("bytes_to_string", {kBytes()}, kString()),
       G("timestamp_to_string", {kTimestamp()}, kString()), G("duration_to_string", {kDuration()}, kString())},
      &FnString, "string(x): the text of a scalar; bytes must be UTF-8, timestamps print as RFC 3339, durations as \"1.5s\"");
  add("bytes", {G("string_to_bytes", {kString()}, kBytes()), G("bytes_to_bytes", {kBytes()}, kBytes())}, &FnBytes,
      "bytes(x): the UTF-8 bytes of a string");
  add("bool", {G("bool_to_bool", {kBool()}, kBool()), G("string_to_bool", {kString()}, kBool())}, &FnBool,
      "bool(x): a bool from \"true\"/\"false\" (also \"t\", \"f\", \"1\", \"0\", \"TRUE\", \"True\", ...)");
  add("dyn", {G("to_dyn", {kA()}, Type::Dyn())}, &FnDyn, "dyn(x): x, with its static type erased");
  add("type", {G("type", {kA()}, Type::TypeOf(kA()))}, &FnType,
      "type(x): the type of x as a value: int, string, list, map, google.protobuf.Timestamp, gavel.v1.Step, ...");
  add("timestamp",
      {G("string_to_timestamp", {kString()}, kTimestamp()), G("timestamp_to_timestamp", {kTimestamp()}, kTimestamp()),
       G("int64_to_timestamp", {kInt()}, kTimestamp())},
      &FnTimestamp, "timestamp(x): a timestamp from RFC 3339 text (\"2026-01-02T03:04:05Z\") or Unix seconds");
  add("duration",
      {G("string_to_duration", {kString()}, kDuration()), G("duration_to_duration", {kDuration()}, kDuration())},
      &FnDuration, "duration(s): a duration from text such as \"1h30m\", \"300s\", \"-1.5s\", \"250ms\"");

  // --- Time accessors ------------------------------------------------------
  add("getFullYear", TimestampAccessor("year"), &FnGetFullYear,
      "t.getFullYear([tz]): the year of t, in UTC or the time zone tz (\"America/New_York\", \"+05:30\")");
  add("getMonth", TimestampAccessor("month"), &FnGetMonth, "t.getMonth([tz]): the month of t, 0 (January) to 11");
  add("getDayOfYear", TimestampAccessor("day_of_year"), &FnGetDayOfYear,
      "t.getDayOfYear([tz]): the day of the year of t, from 0");
  add("getDayOfMonth", TimestampAccessor("day_of_month"), &FnGetDayOfMonth,
      "t.getDayOfMonth([tz]): the day of the month of t, from 0");
  add("getDate", TimestampAccessor("day_of_month_1_based"), &FnGetDate,
      "t.getDate([tz]): the day of the month of t, from 1");
  add("getDayOfWeek", TimestampAccessor("day_of_week"), &FnGetDayOfWeek,
      "t.getDayOfWeek([tz]): the day of the week of t, 0 (Sunday) to 6");
  add("getHours", TimeAccessor("hours"), &FnGetHours,
      "t.getHours([tz]): the hour of t (0-23); d.getHours(): whole hours in duration d");
  add("getMinutes", TimeAccessor("minutes"), &FnGetMinutes,
      "t.getMinutes([tz]): the minute of t (0-59); d.getMinutes(): whole minutes in duration d");
  add("getSeconds", TimeAccessor("seconds"), &FnGetSeconds,
      "t.getSeconds([tz]): the second of t (0-59); d.getSeconds(): whole seconds in duration d");
  add("getMilliseconds", TimeAccessor("milliseconds"), &FnGetMilliseconds,
      "t.getMilliseconds([tz]): the millisecond of t (0-999); d.getMilliseconds(): whole milliseconds in d");

  // --- in_cidr, cidr, isCIDR, isIP, glob ------------------------------------
  AddNetworkBuiltins(&builtins_);
  // --- within; quantity, isQuantity, isLessThan, ..., sign -----------------
  AddWindowBuiltins(&builtins_);
  AddQuantityBuiltins(&builtins_);
  // --- before, after, upstream, downstream, data_sources, covers, ttl -------
  AddPlanBuiltins(&builtins_);
}

const BuiltinTable& BuiltinTable::Get() {
  static const BuiltinTable* table = new BuiltinTable();
  return *table;
}

int BuiltinTable::Find(std::string_view name) const {
  for (size_t i = 0; i < builtins_.size(); ++i) {
    if (builtins_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Names a user can write as a call: operators (`_+_`, `@in`, ...) are left
// out, so "did you mean" never suggests them.
std::vector<std::string> BuiltinTable::Names() const {
  std::vector<std::string> names;
  names.reserve(builtins_.size());
  for (const Builtin& b : builtins_) {
    if (!IsOperatorName(b.name)) names.push_back(b.name);
  }
  return names;
}

}  // namespace gavel
