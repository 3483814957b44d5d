// CEL's operators on runtime values. See operators.h.
//
// Integers: int64 and uint64 arithmetic is checked; overflow, division and
// modulus by zero are error values. Doubles follow IEEE 754 (1.0 / 0.0 is
// +inf). Kinds never mix implicitly in arithmetic (`1 + 1u` has no
// overload), but equality and ordering compare numbers across int, uint and
// double by exact mathematical value, with no rounding: 2^63 as a double is
// greater than INT64_MAX, and NaN is neither equal to nor ordered with
// anything.
#include "engine/operators.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/builtins_impl.h"
#include "engine/schema.h"

namespace gavel {

namespace builtins_internal {

// ---------------------------------------------------------------------------
// Text forms.

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits, in scientific form: "-1.2345e+06".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const bool neg = !sci.empty() && sci[0] == '-';
  if (neg) sci.remove_prefix(1);
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  // Go's %g: exponent form when exp < -4 or exp >= 6 (for the shortest form).
  std::string out = neg ? "-" : "";
  const int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) absl::StrAppend(&out, ".", digits.substr(1));
    absl::StrAppend(&out, "e", exp < 0 ? "-" : "+", absl::StrFormat("%02d", exp < 0 ? -exp : exp));
    return out;
  }
  const int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<size_t>(-dp), '0'), digits);
  } else if (dp >= nd) {
    absl::StrAppend(&out, digits, std::string(static_cast<size_t>(dp - nd), '0'));
  } else {
    absl::StrAppend(&out, digits.substr(0, static_cast<size_t>(dp)), ".", digits.substr(static_cast<size_t>(dp)));
  }
  return out;
}

namespace {

// Nanoseconds as a fraction: "" for 0, else ".5", ".000000001".
std::string Fraction(int64_t nanos) {
  if (nanos == 0) return "";
  std::string f = absl::StrFormat("%09d", nanos);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return absl::StrCat(".", f);
}

}  // namespace

std::string FormatTimestamp(TimeRep t) {
  const absl::CivilSecond cs = absl::ToCivilSecond(absl::FromUnixSeconds(t.seconds), absl::UTCTimeZone());
  return absl::StrCat(absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cs.year(), cs.month(), cs.day(),
                                      cs.hour(), cs.minute(), cs.second()),
                      Fraction(t.nanos), "Z");
}

std::string FormatDuration(TimeRep d) {
  const bool neg = d.seconds < 0 || d.nanos < 0;
  const uint64_t secs = d.seconds < 0 ? 0 - static_cast<uint64_t>(d.seconds) : static_cast<uint64_t>(d.seconds);
  const int64_t nanos = d.nanos < 0 ? -static_cast<int64_t>(d.nanos) : d.nanos;
  return absl::StrCat(neg ? "-" : "", secs, Fraction(nanos), "s");
}

// ---------------------------------------------------------------------------
// Range-checked time values.

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;   // 10000 years

}  // namespace

Value MakeTimestampWide(int64_t seconds, int64_t nanos) {
  int64_t carry = nanos / kNanosPerSecond;
  nanos %= kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --carry;
  }
  if (__builtin_add_overflow(seconds, carry, &seconds) || seconds < kMinTimestampSeconds ||
      seconds > kMaxTimestampSeconds) {
    return Value::Error("timestamp out of range");
  }
  return Value::Timestamp(TimeRep{seconds, static_cast<int32_t>(nanos)});
}

Value MakeDurationWide(int64_t seconds, int64_t nanos) {
  if (__builtin_add_overflow(seconds, nanos / kNanosPerSecond, &seconds)) {
    return Value::Error("duration out of range");
  }
  nanos %= kNanosPerSecond;
  // Nanos take the sign of seconds.
  if (seconds > 0 && nanos < 0) {
    nanos += kNanosPerSecond;
    --seconds;
  } else if (seconds < 0 && nanos > 0) {
    nanos -= kNanosPerSecond;
    ++seconds;
  }
  if (seconds < -kMaxDurationSeconds || seconds > kMaxDurationSeconds) {
    return Value::Error("duration out of range");
  }
  return Value::Duration(TimeRep{seconds, static_cast<int32_t>(nanos)});
}

}  // namespace builtins_internal

using builtins_internal::FormatDouble;
using builtins_internal::MakeDurationWide;
using builtins_internal::MakeTimestampWide;

Value MakeTimestamp(int64_t seconds, int32_t nanos) { return MakeTimestampWide(seconds, nanos); }
Value MakeDuration(int64_t seconds, int32_t nanos) { return MakeDurationWide(seconds, nanos); }

namespace {

Value IntOverflow() { return Value::Error("integer overflow"); }
Value UintOverflow() { return Value::Error("unsigned integer overflow"); }

std::string ArgKindName(const Value& v) {
  if (v.is_message()) return v.message().type->full_name;
  return KindName(v.kind());
}

Value NoOverload2(const char* fn, const Value& a, const Value& b) {
  const Value args[2] = {a, b};
  return NoSuchOverload(fn, args, 2);
}

// ---------------------------------------------------------------------------
// Exact comparison across int, uint and double. Returns -1, 0 or 1; the
// callers deal with NaN first.

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

int Sign(bool less, bool greater) { return less ? -1 : (greater ? 1 : 0); }

int CmpIntUint(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  return Sign(static_cast<uint64_t>(i) < u, static_cast<uint64_t>(i) > u);
}

int CmpIntDouble(int64_t i, double d) {
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  const double t = std::trunc(d);
  const int64_t ti = static_cast<int64_t>(t);  // exact: t is in [-2^63, 2^63)
  if (i != ti) return Sign(i < ti, i > ti);
  return Sign(t < d, t > d);  // same integer part: the fraction decides
}

int CmpUintDouble(uint64_t u, double d) {
  if (d < 0) return 1;
  if (d >= kTwoTo64) return -1;
  const double t = std::trunc(d);
  const uint64_t tu = static_cast<uint64_t>(t);
  if (u != tu) return Sign(u < tu, u > tu);
  return Sign(t < d, t > d);
}

bool IsNumber(const Value& v) { return v.is_int() || v.is_uint() || v.is_double(); }

// Compares two numbers; nullopt if either is NaN.
std::optional<int> CompareNumbers(const Value& a, const Value& b) {
  if ((a.is_double() && std::isnan(a.double_value())) || (b.is_double() && std::isnan(b.double_value()))) {
    return std::nullopt;
  }
  switch (a.kind()) {
    case ValueKind::kInt:
      if (b.is_int()) return Sign(a.int_value() < b.int_value(), a.int_value() > b.int_value());
      if (b.is_uint()) return CmpIntUint(a.int_value(), b.uint_value());
      return CmpIntDouble(a.int_value(), b.double_value());
    case ValueKind::kUint:
      if (b.is_uint()) return Sign(a.uint_value() < b.uint_value(), a.uint_value() > b.uint_value());
      if (b.is_int()) return -CmpIntUint(b.int_value(), a.uint_value());
      return CmpUintDouble(a.uint_value(), b.double_value());
    default: {
      const double d = a.double_value();
      if (b.is_double()) return Sign(d < b.double_value(), d > b.double_value());
      if (b.is_int()) return -CmpIntDouble(b.int_value(), d);
      return -CmpUintDouble(b.uint_value(), d);
    }
  }
}

}  // namespace

int CompareTime(TimeRep a, TimeRep b) {
  if (a.seconds != b.seconds) return Sign(a.seconds < b.seconds, a.seconds > b.seconds);
  return Sign(a.nanos < b.nanos, a.nanos > b.nanos);
}

namespace {

// -1, 0, 1 for ordered values; 2 for "unordered" (NaN); nullopt when the
// kinds have no ordering.
std::optional<int> Compare(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    std::optional<int> c = CompareNumbers(a, b);
    return c.has_value() ? *c : 2;
  }
  if (a.kind() != b.kind()) return std::nullopt;
  switch (a.kind()) {
    case ValueKind::kString:
    case ValueKind::kBytes: {
      const int c = a.str().compare(b.str());  // bytewise: code point order for UTF-8
      return Sign(c < 0, c > 0);
    }
    case ValueKind::kBool: return Sign(!a.bool_value() && b.bool_value(), a.bool_value() && !b.bool_value());
    case ValueKind::kTimestamp:
    case ValueKind::kDuration: return CompareTime(a.time_rep(), b.time_rep());
    default: return std::nullopt;
  }
}

template <typename Pred>
Value Ordering(const char* fn, const Value& a, const Value& b, Pred pred) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  std::optional<int> c = Compare(a, b);
  if (!c.has_value()) return NoOverload2(fn, a, b);
  if (*c == 2) return Value::Bool(false);
  return Value::Bool(pred(*c));
}

// A list index from int, uint or an integral double; nullopt-style error.
Value ListIndex(const ListData& list, const Value& key) {
  const int64_t n = static_cast<int64_t>(list.elems.size());
  int64_t i = -1;
  std::string shown;
  switch (key.kind()) {
    case ValueKind::kInt:
      i = key.int_value();
      shown = absl::StrCat(i);
      break;
    case ValueKind::kUint:
      shown = absl::StrCat(key.uint_value());
      i = key.uint_value() > static_cast<uint64_t>(n) ? n : static_cast<int64_t>(key.uint_value());
      break;
    case ValueKind::kDouble: {
      const double d = key.double_value();
      shown = FormatDouble(d);
      if (!(std::trunc(d) == d)) return Value::Error(absl::StrCat("invalid list index ", shown, ": not an integer"));
      i = (d >= -kTwoTo63 && d < kTwoTo63) ? static_cast<int64_t>(d) : -1;
      break;
    }
    default: return Value();  // caller reports no overload
  }
  if (i < 0 || i >= n) return Value::Error(absl::StrCat("index out of bounds: ", shown));
  return list.elems[static_cast<size_t>(i)];
}

std::string QuoteString(const std::string& s) { return absl::StrCat("\"", absl::Utf8SafeCEscape(s), "\""); }

std::string FormatNested(const Value& v);

std::string FormatTop(const Value& v, bool nested) {
  switch (v.kind()) {
    case ValueKind::kNull: return "null";
    case ValueKind::kBool: return v.bool_value() ? "true" : "false";
    case ValueKind::kInt: return absl::StrCat(v.int_value());
    case ValueKind::kUint: return absl::StrCat(v.uint_value());
    case ValueKind::kDouble: return FormatDouble(v.double_value());
    case ValueKind::kString: return nested ? QuoteString(v.str()) : v.str();
    case ValueKind::kBytes: return nested ? absl::StrCat("b", QuoteString(v.str())) : v.str();
    case ValueKind::kList: {
      std::vector<std::string> parts;
      parts.reserve(v.list().elems.size());
      for (const Value& e : v.list().elems) parts.push_back(FormatNested(e));
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
    case ValueKind::kMap: {
      std::vector<std::string> parts;
      parts.reserve(v.map().entries.size());
      for (const auto& [k, e] : v.map().entries) parts.push_back(absl::StrCat(FormatNested(k), ": ", FormatNested(e)));
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    }
    case ValueKind::kTimestamp: return builtins_internal::FormatTimestamp(v.time_rep());
    case ValueKind::kDuration: return builtins_internal::FormatDuration(v.time_rep());
    case ValueKind::kType: return v.str();
    case ValueKind::kMessage: return v.DebugString();
    case ValueKind::kError: return v.error_message();
  }
  return "?";
}

std::string FormatNested(const Value& v) { return FormatTop(v, true); }

}  // namespace

// ---------------------------------------------------------------------------
// Arithmetic.

Value OpAdd(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case ValueKind::kInt: {
        int64_t r;
        if (__builtin_add_overflow(a.int_value(), b.int_value(), &r)) return IntOverflow();
        return Value::Int(r);
      }
      case ValueKind::kUint: {
        uint64_t r;
        if (__builtin_add_overflow(a.uint_value(), b.uint_value(), &r)) return UintOverflow();
        return Value::Uint(r);
      }
      case ValueKind::kDouble: return Value::Double(a.double_value() + b.double_value());
      case ValueKind::kString: return Value::String(absl::StrCat(a.str(), b.str()));
      case ValueKind::kBytes: return Value::Bytes(absl::StrCat(a.str(), b.str()));
      case ValueKind::kList: {
        const auto& x = a.list().elems;
        const auto& y = b.list().elems;
        if (y.empty()) return a;
        if (x.empty()) return b;
        std::vector<Value> out;
        out.reserve(x.size() + y.size());
        out.insert(out.end(), x.begin(), x.end());
        out.insert(out.end(), y.begin(), y.end());
        return Value::List(std::move(out));
      }
      case ValueKind::kDuration: {
        const TimeRep x = a.time_rep(), y = b.time_rep();
        return MakeDurationWide(x.seconds + y.seconds, int64_t{x.nanos} + y.nanos);
      }
      default: break;
    }
  } else if ((a.is_timestamp() && b.is_duration()) || (a.is_duration() && b.is_timestamp())) {
    const TimeRep x = a.time_rep(), y = b.time_rep();
    return MakeTimestampWide(x.seconds + y.seconds, int64_t{x.nanos} + y.nanos);
  }
  return NoOverload2("_+_", a, b);
}

Value OpSub(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case ValueKind::kInt: {
        int64_t r;
        if (__builtin_sub_overflow(a.int_value(), b.int_value(), &r)) return IntOverflow();
        return Value::Int(r);
      }
      case ValueKind::kUint: {
        uint64_t r;
        if (__builtin_sub_overflow(a.uint_value(), b.uint_value(), &r)) return UintOverflow();
        return Value::Uint(r);
      }
      case ValueKind::kDouble: return Value::Double(a.double_value() - b.double_value());
      case ValueKind::kTimestamp:
      case ValueKind::kDuration: {
        const TimeRep x = a.time_rep(), y = b.time_rep();
        return MakeDurationWide(x.seconds - y.seconds, int64_t{x.nanos} - y.nanos);
      }
      default: break;
    }
  } else if (a.is_timestamp() && b.is_duration()) {
    const TimeRep x = a.time_rep(), y = b.time_rep();
    return MakeTimestampWide(x.seconds - y.seconds, int64_t{x.nanos} - y.nanos);
  }
  return NoOverload2("_-_", a, b);
}

Value OpMul(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case ValueKind::kInt: {
        int64_t r;
        if (__builtin_mul_overflow(a.int_value(), b.int_value(), &r)) return IntOverflow();
        return Value::Int(r);
      }
      case ValueKind::kUint: {
        uint64_t r;
        if (__builtin_mul_overflow(a.uint_value(), b.uint_value(), &r)) return UintOverflow();
        return Value::Uint(r);
      }
      case ValueKind::kDouble: return Value::Double(a.double_value() * b.double_value());
      default: break;
    }
  }
  return NoOverload2("_*_", a, b);
}

Value OpDiv(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case ValueKind::kInt: {
        const int64_t x = a.int_value(), y = b.int_value();
        if (y == 0) return Value::Error("division by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return IntOverflow();
        return Value::Int(x / y);
      }
      case ValueKind::kUint:
        if (b.uint_value() == 0) return Value::Error("division by zero");
        return Value::Uint(a.uint_value() / b.uint_value());
      case ValueKind::kDouble: return Value::Double(a.double_value() / b.double_value());
      default: break;
    }
  }
  return NoOverload2("_/_", a, b);
}

Value OpMod(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case ValueKind::kInt: {
        const int64_t x = a.int_value(), y = b.int_value();
        if (y == 0) return Value::Error("modulus by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return IntOverflow();
        return Value::Int(x % y);
      }
      case ValueKind::kUint:
        if (b.uint_value() == 0) return Value::Error("modulus by zero");
        return Value::Uint(a.uint_value() % b.uint_value());
      default: break;
    }
  }
  return NoOverload2("_%_", a, b);
}

Value OpNeg(const Value& a) {
  if (a.is_error()) return a;
  if (a.is_int()) {
    if (a.int_value() == std::numeric_limits<int64_t>::min()) return IntOverflow();
    return Value::Int(-a.int_value());
  }
  if (a.is_double()) return Value::Double(-a.double_value());
  return NoSuchOverload("-_", &a, 1);
}

Value OpNot(const Value& a) {
  if (a.is_error()) return a;
  if (a.is_bool()) return Value::Bool(!a.bool_value());
  return NoSuchOverload("!_", &a, 1);
}

// ---------------------------------------------------------------------------
// Equality and ordering.

bool ValuesEqual(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    std::optional<int> c = CompareNumbers(a, b);
    return c.has_value() && *c == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kNull: return true;
    case ValueKind::kBool: return a.bool_value() == b.bool_value();
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType: return a.str() == b.str();
    case ValueKind::kTimestamp:
    case ValueKind::kDuration: return CompareTime(a.time_rep(), b.time_rep()) == 0;
    case ValueKind::kList: {
      const auto& x = a.list().elems;
      const auto& y = b.list().elems;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!ValuesEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case ValueKind::kMap: {
      const MapData& x = a.map();
      const MapData& y = b.map();
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* w = y.Find(k);
        if (w == nullptr || !ValuesEqual(v, *w)) return false;
      }
      return true;
    }
    case ValueKind::kMessage: {
      const MessageData& x = a.message();
      const MessageData& y = b.message();
      if (x.type != y.type || x.fields.size() != y.fields.size()) return false;
      for (size_t i = 0; i < x.fields.size(); ++i) {
        if (!ValuesEqual(x.fields[i], y.fields[i])) return false;
      }
      return true;
    }
    default: return false;  // errors (and numbers, handled above)
  }
}

Value OpEq(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Value::Bool(ValuesEqual(a, b));
}

Value OpNe(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Value::Bool(!ValuesEqual(a, b));
}

Value OpLt(const Value& a, const Value& b) { return Ordering("_<_", a, b, [](int c) { return c < 0; }); }
Value OpLe(const Value& a, const Value& b) { return Ordering("_<=_", a, b, [](int c) { return c <= 0; }); }
Value OpGt(const Value& a, const Value& b) { return Ordering("_>_", a, b, [](int c) { return c > 0; }); }
Value OpGe(const Value& a, const Value& b) { return Ordering("_>=_", a, b, [](int c) { return c >= 0; }); }

Value OpIn(const Value& elem, const Value& container) {
  if (elem.is_error()) return elem;
  if (container.is_error()) return container;
  if (container.is_list()) {
    for (const Value& e : container.list().elems) {
      if (ValuesEqual(elem, e)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (container.is_map()) return Value::Bool(container.map().Find(elem) != nullptr);
  return NoOverload2("@in", elem, container);
}

// ---------------------------------------------------------------------------
// Indexing and fields.

Value OpIndex(const Value& container, const Value& key) {
  if (container.is_error()) return container;
  if (key.is_error()) return key;
  if (container.is_list()) {
    Value v = ListIndex(container.list(), key);
    if (!v.is_null() || key.is_int() || key.is_uint() || key.is_double()) return v;
  } else if (container.is_map()) {
    const Value* v = container.map().Find(key);
    if (v == nullptr) return Value::Error(absl::StrCat("no such key: ", key.DebugString()));
    return *v;
  }
  return NoOverload2("_[_]", container, key);
}

Value OpSelect(const Value& operand, std::string_view field) {
  if (operand.is_error()) return operand;
  if (operand.is_map()) {
    const Value* v = operand.map().FindString(field);
    if (v == nullptr) return Value::Error(absl::StrCat("no such key: ", std::string(field)));
    return *v;
  }
  if (operand.is_message()) {
    const MessageData& m = operand.message();
    const FieldDesc* f = m.type->Find(field);
    if (f == nullptr || static_cast<size_t>(f->index) >= m.fields.size()) {
      return Value::Error(absl::StrCat("no such field: ", std::string(field)));
    }
    return m.fields[static_cast<size_t>(f->index)];
  }
  return Value::Error(absl::StrCat("type `", ArgKindName(operand), "` has no field `", std::string(field), "`"));
}

Value OpHas(const Value& operand, std::string_view field) {
  if (operand.is_error()) return operand;
  if (operand.is_map()) return Value::Bool(operand.map().FindString(field) != nullptr);
  if (operand.is_message()) {
    const MessageData& m = operand.message();
    const FieldDesc* f = m.type->Find(field);
    if (f == nullptr) return Value::Error(absl::StrCat("no such field: ", std::string(field)));
    return Value::Bool(m.has(f->index));
  }
  return Value::Error(absl::StrCat("has(): type `", ArgKindName(operand), "` has no field `", std::string(field), "`"));
}

// ---------------------------------------------------------------------------
// Messages.

Value NoSuchOverload(std::string_view function, const Value* args, size_t argc) {
  std::vector<std::string> kinds;
  kinds.reserve(argc);
  for (size_t i = 0; i < argc; ++i) kinds.push_back(ArgKindName(args[i]));
  return Value::Error(absl::StrCat("no such overload: ", std::string(function), "(", absl::StrJoin(kinds, ", "), ")"));
}

std::string FormatForMessage(const Value& v) { return FormatTop(v, false); }

void AppendMessagePart(std::string* out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kString: *out += v.str(); return;  // the usual case: no temporary
    case ValueKind::kInt: absl::StrAppend(out, v.int_value()); return;
    case ValueKind::kError: absl::StrAppend(out, "<error: ", v.error_message(), ">"); return;
    default: *out += FormatTop(v, false); return;
  }
}

}  // namespace gavel
