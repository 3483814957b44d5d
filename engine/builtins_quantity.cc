// Kubernetes quantities (resource.Quantity), as in the Kubernetes CEL
// library.
//
//   quantity(s)            string -> quantity       the canonical text; error if invalid
//                                                  (an int or a double too: `cpu: 2` in YAML)
//   isQuantity(s)          string -> bool           whether s is valid quantity text
//   q.isLessThan(q2)       bool                     q < q2
//   q.isGreaterThan(q2)    bool                     q > q2
//   q.compareTo(q2)        int                      -1, 0 or 1
//   q.add(q2) / q.add(i)   quantity                 exact sum (i in whole units)
//   q.sub(q2) / q.sub(i)   quantity                 exact difference
//   q.asInteger()          int                      error unless a whole number within int range
//   q.isInteger()          bool                     whether asInteger() would succeed
//   q.asApproximateFloat() double                   the nearest double (about)
//   q.sign()               int                      -1, 0 or 1
//
// Representation. A quantity is a string holding its canonical text: a
// plain decimal number without exponent or suffix (quantity("2Gi") ==
// "2147483648", quantity("500m") == "0.5", quantity("1e3") == "1000"). Equal
// quantities have equal text, so `==` compares by value:
// quantity("1Gi") == quantity("1024Mi"). Do not compare quantities with `<`
// (that orders the text): use isLessThan / compareTo. The methods accept
// any quantity text, canonical or not: "2Gi".isLessThan("3000Mi") works, and
// invalid text is the runtime error "invalid quantity `x`: ...".
//
// Syntax (Kubernetes'):
//   quantity := [+-] number [suffix]
//   number   := digits | digits '.' [digits] | '.' digits
//   suffix   := n | u | m | k | M | G | T | P | E         (10^-9 .. 10^18)
//             | Ki | Mi | Gi | Ti | Pi | Ei               (2^10 .. 2^60)
//             | (e | E) [+-] digits                       (a decimal exponent)
// `1E` is one exa; `1E3` is 1000. No spaces.
//
// Precision and range. Values are exact in nano units (10^-9, as an
// __int128). Finer precision is rounded up in magnitude to the next nano, as
// Kubernetes does (quantity("0.1n") == "0.000000001"). A magnitude of 10^29
// or more is the error "quantity out of range", also for results of add/sub.
#include "engine/builtins_quantity.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"

namespace gavel {
namespace {

using Nanos = Quantity::Nanos;

constexpr Nanos Pow10(int n) {
  Nanos v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

constexpr Nanos kNano = Pow10(9);
constexpr Nanos kLimit = Pow10(38);  // |nanos| < 10^38, i.e. |q| < 10^29

absl::Status Bad(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid quantity `", std::string(text), "`: ", std::string(why)));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// m * f within the limit.
bool MulChecked(Nanos m, Nanos f, Nanos* out) {
  if (m != 0 && f > (kLimit - 1) / m) return false;
  *out = m * f;
  return true;
}

std::string Int128Text(Nanos v) {  // v >= 0
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return std::string(s.rbegin(), s.rend());
}

}  // namespace

absl::StatusOr<Quantity> ParseQuantity(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  std::string_view int_digits, frac_digits;
  size_t start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  int_digits = text.substr(start, i - start);
  if (i < text.size() && text[i] == '.') {
    ++i;
    start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    frac_digits = text.substr(start, i - start);
  }
  if (int_digits.empty() && frac_digits.empty()) return Bad(text, "want a number such as `500m`, `2Gi` or `1.5`");

  // The suffix.
  const std::string_view suffix = text.substr(i);
  int64_t dec_exp = 0;
  int bin_exp = 0;
  const bool exponent = suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E') &&
                        (IsDigit(suffix[1]) || suffix[1] == '+' || suffix[1] == '-');
  if (exponent) {
    size_t k = 1;
    bool exp_negative = false;
    if (suffix[k] == '+' || suffix[k] == '-') {
      exp_negative = suffix[k] == '-';
      ++k;
    }
    if (k >= suffix.size()) return Bad(text, absl::StrCat("unknown suffix `", std::string(suffix), "`"));
    for (; k < suffix.size(); ++k) {
      if (!IsDigit(suffix[k])) return Bad(text, absl::StrCat("unknown suffix `", std::string(suffix), "`"));
      dec_exp = std::min<int64_t>(dec_exp * 10 + (suffix[k] - '0'), 1000000);  // saturates
    }
    if (exp_negative) dec_exp = -dec_exp;
  } else {
    static const std::pair<std::string_view, int> kDecimal[] = {
        {"", 0}, {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
    static const std::pair<std::string_view, int> kBinary[] = {
        {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
    bool found = false;
    for (const auto& [name, exp] : kDecimal) {
      if (suffix == name) dec_exp = exp, found = true;
    }
    for (const auto& [name, exp] : kBinary) {
      if (suffix == name) bin_exp = exp, found = true;
    }
    if (!found) {
      return Bad(text, absl::StrCat("unknown suffix `", std::string(suffix),
                                    "` (want n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent e3)"));
    }
  }

  // The significant digits as an integer D, value = D * 10^-f.
  while (!frac_digits.empty() && frac_digits.back() == '0') frac_digits.remove_suffix(1);
  Nanos d = 0;
  bool seen = false;
  int significant = 0;
  auto take = [&](char c) {
    if (c != '0') seen = true;
    if (!seen) return true;
    if (++significant > 38) return false;
    d = d * 10 + (c - '0');
    return true;
  };
  for (char c : int_digits) {
    if (!take(c)) return Bad(text, "quantity out of range");
  }
  for (char c : frac_digits) {
    if (!take(c)) return Bad(text, "too many digits");
  }
  if (!MulChecked(d, static_cast<Nanos>(1) << bin_exp, &d)) return Bad(text, "quantity out of range");
  const int64_t e = 9 - static_cast<int64_t>(frac_digits.size()) + dec_exp;
  if (d != 0 && e > 0) {
    if (e > 38 || !MulChecked(d, Pow10(static_cast<int>(e)), &d)) return Bad(text, "quantity out of range");
  } else if (d != 0 && e < 0) {
    if (e < -38) {
      d = 1;  // rounds up to one nano
    } else {
      const Nanos div = Pow10(static_cast<int>(-e));
      const bool inexact = d % div != 0;
      d = d / div + (inexact ? 1 : 0);
    }
  }
  Quantity q;
  q.nanos = negative ? -d : d;
  return q;
}

std::string CanonicalQuantity(const Quantity& q) {
  const Nanos mag = q.nanos < 0 ? -q.nanos : q.nanos;
  std::string out = q.nanos < 0 ? "-" : "";
  absl::StrAppend(&out, Int128Text(mag / kNano));
  Nanos frac = mag % kNano;
  if (frac != 0) {
    std::string digits = Int128Text(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out;
}

namespace {

Value NoOverload(std::string_view function, const Value* args, size_t argc) {
  std::string message = absl::StrCat("no such overload: ", std::string(function), "(");
  for (size_t k = 0; k < argc; ++k) absl::StrAppend(&message, k > 0 ? ", " : "", KindName(args[k].kind()));
  return Value::Error(absl::StrCat(message, ")"));
}

// Parses args[0..n) as quantities into out; false with *error set if not.
bool Quantities(const char* name, const Value* args, size_t argc, size_t n, Quantity* out, Value* error) {
  if (argc != n) {
    *error = NoOverload(name, args, argc);
    return false;
  }
  for (size_t k = 0; k < n; ++k) {
    if (!args[k].is_string()) {
      *error = NoOverload(name, args, argc);
      return false;
    }
    absl::StatusOr<Quantity> q = ParseQuantity(args[k].str());
    if (!q.ok()) {
      *error = Value::Error(std::string(q.status().message()));
      return false;
    }
    out[k] = *q;
  }
  return true;
}

int Compare(const Quantity& a, const Quantity& b) { return a.nanos < b.nanos ? -1 : (a.nanos > b.nanos ? 1 : 0); }

// An int or a double (as YAML gives `cpu: 2` or `cpu: 0.5`) as quantity
// text: the int's digits, the double's shortest round-trip form ("1e+06").
bool NumberText(const Value& v, std::string* out) {
  if (v.is_int()) *out = std::to_string(v.int_value());
  else if (v.is_double()) *out = builtins_internal::FormatDouble(v.double_value());
  else return false;
  return true;
}

Value FnQuantity(const Value* args, size_t argc) {
  std::string text;
  if (argc == 1 && NumberText(args[0], &text)) {
    absl::StatusOr<Quantity> q = ParseQuantity(text);
    if (!q.ok()) return Value::Error(std::string(q.status().message()));
    return Value::String(CanonicalQuantity(*q));
  }
  Quantity q[1];
  Value err;
  if (!Quantities("quantity", args, argc, 1, q, &err)) return err;
  return Value::String(CanonicalQuantity(q[0]));
}

Value FnIsQuantity(const Value* args, size_t argc) {
  std::string text;
  if (argc == 1 && NumberText(args[0], &text)) return Value::Bool(ParseQuantity(text).ok());
  if (argc != 1 || !args[0].is_string()) return NoOverload("isQuantity", args, argc);
  return Value::Bool(ParseQuantity(args[0].str()).ok());
}

Value FnIsLessThan(const Value* args, size_t argc) {
  Quantity q[2];
  Value err;
  if (!Quantities("isLessThan", args, argc, 2, q, &err)) return err;
  return Value::Bool(Compare(q[0], q[1]) < 0);
}

Value FnIsGreaterThan(const Value* args, size_t argc) {
  Quantity q[2];
  Value err;
  if (!Quantities("isGreaterThan", args, argc, 2, q, &err)) return err;
  return Value::Bool(Compare(q[0], q[1]) > 0);
}

Value FnCompareTo(const Value* args, size_t argc) {
  Quantity q[2];
  Value err;
  if (!Quantities("compareTo", args, argc, 2, q, &err)) return err;
  return Value::Int(Compare(q[0], q[1]));
}

Value AddOrSub(const char* name, int sign, const Value* args, size_t argc) {
  Quantity q[2];
  Value err;
  if (argc == 2 && args[1].is_int()) {
    if (!Quantities(name, args, 1, 1, q, &err)) return err;
    q[1].nanos = static_cast<Nanos>(args[1].int_value()) * kNano;
  } else if (!Quantities(name, args, argc, 2, q, &err)) {
    return err;
  }
  const Nanos r = q[0].nanos + sign * q[1].nanos;  // |each| < 10^38: no __int128 overflow
  if (r >= kLimit || r <= -kLimit) return Value::Error(absl::StrCat(name, ": quantity out of range"));
  return Value::String(CanonicalQuantity(Quantity{r}));
}

Value FnAdd(const Value* args, size_t argc) { return AddOrSub("add", 1, args, argc); }
Value FnSub(const Value* args, size_t argc) { return AddOrSub("sub", -1, args, argc); }

bool AsInt64(const Quantity& q, int64_t* out) {
  if (q.nanos % kNano != 0) return false;
  const Nanos units = q.nanos / kNano;
  if (units < std::numeric_limits<int64_t>::min() || units > std::numeric_limits<int64_t>::max()) return false;
  *out = static_cast<int64_t>(units);
  return true;
}

Value FnAsInteger(const Value* args, size_t argc) {
  Quantity q[1];
  Value err;
  if (!Quantities("asInteger", args, argc, 1, q, &err)) return err;
  int64_t v = 0;
  if (!AsInt64(q[0], &v)) {
    return Value::Error(absl::StrCat("asInteger: quantity `", CanonicalQuantity(q[0]), "` ",
                                     q[0].nanos % kNano != 0 ? "is not an integer" : "is out of int range"));
  }
  return Value::Int(v);
}

Value FnIsInteger(const Value* args, size_t argc) {
  Quantity q[1];
  Value err;
  if (!Quantities("isInteger", args, argc, 1, q, &err)) return err;
  int64_t v = 0;
  return Value::Bool(AsInt64(q[0], &v));
}

Value FnAsApproximateFloat(const Value* args, size_t argc) {
  Quantity q[1];
  Value err;
  if (!Quantities("asApproximateFloat", args, argc, 1, q, &err)) return err;
  return Value::Double(static_cast<double>(q[0].nanos / kNano) + static_cast<double>(q[0].nanos % kNano) / 1e9);
}

Value FnSign(const Value* args, size_t argc) {
  Quantity q[1];
  Value err;
  if (!Quantities("sign", args, argc, 1, q, &err)) return err;
  return Value::Int(Compare(q[0], Quantity{}));
}

Overload G(std::string id, std::vector<Type> params, Type result) {
  return Overload{std::move(id), false, std::move(params), std::move(result)};
}
Overload R(std::string id, std::vector<Type> params, Type result) {
  return Overload{std::move(id), true, std::move(params), std::move(result)};
}

}  // namespace

void AddQuantityBuiltins(std::vector<Builtin>* table) {
  const Type s = Type::String();
  auto add = [table](std::string name, std::vector<Overload> overloads, BuiltinFn fn, std::string doc) {
    table->push_back(Builtin{std::move(name), std::move(overloads), fn, std::move(doc)});
  };
  add("quantity",
      {G("string_to_quantity", {s}, s), G("int64_to_quantity", {Type::Int()}, s),
       G("double_to_quantity", {Type::Double()}, s)},
      &FnQuantity,
      "quantity(s): the Kubernetes quantity s (\"500m\", \"2Gi\", \"1e3\"; an int or double as YAML gives it) as "
      "its canonical text (\"0.5\", \"2147483648\", \"1000\"); invalid text is an error");
  add("isQuantity",
      {G("is_quantity_string", {s}, Type::Bool()), G("is_quantity_int64", {Type::Int()}, Type::Bool()),
       G("is_quantity_double", {Type::Double()}, Type::Bool())},
      &FnIsQuantity, "isQuantity(s): whether s is a valid Kubernetes quantity (ints and finite doubles are)");
  add("isLessThan", {R("quantity_is_less_than", {s, s}, Type::Bool())}, &FnIsLessThan,
      "q.isLessThan(q2): whether quantity q is less than q2");
  add("isGreaterThan", {R("quantity_is_greater_than", {s, s}, Type::Bool())}, &FnIsGreaterThan,
      "q.isGreaterThan(q2): whether quantity q is greater than q2");
  add("compareTo", {R("quantity_compare_to", {s, s}, Type::Int())}, &FnCompareTo,
      "q.compareTo(q2): -1, 0 or 1 as quantity q is less than, equal to or greater than q2");
  add("add", {R("quantity_add", {s, s}, s), R("quantity_add_int", {s, Type::Int()}, s)}, &FnAdd,
      "q.add(q2) / q.add(i): the exact sum of quantities (i in whole units)");
  add("sub", {R("quantity_sub", {s, s}, s), R("quantity_sub_int", {s, Type::Int()}, s)}, &FnSub,
      "q.sub(q2) / q.sub(i): the exact difference of quantities (i in whole units)");
  add("asInteger", {R("quantity_as_integer", {s}, Type::Int())}, &FnAsInteger,
      "q.asInteger(): quantity q as an int; an error if q is fractional or out of int range");
  add("isInteger", {R("quantity_is_integer", {s}, Type::Bool())}, &FnIsInteger,
      "q.isInteger(): whether q.asInteger() succeeds");
  add("asApproximateFloat", {R("quantity_as_approximate_float", {s}, Type::Double())}, &FnAsApproximateFloat,
      "q.asApproximateFloat(): quantity q as the nearest double (approximately)");
  add("sign", {R("quantity_sign", {s}, Type::Int())}, &FnSign, "q.sign(): -1, 0 or 1 as quantity q is negative, zero or positive");
}

}  // namespace gavel
