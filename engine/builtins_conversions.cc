// Type conversions: int(), uint(), double(), string(), bytes(), bool(),
// dyn() and type(), as in CEL's standard definitions and cel-go.
//
// Conversions that lose range are errors ("range error: ..."): int(1e99),
// int(18446744073709551615u), uint(-1), uint(-0.5), int(NaN). Doubles are
// truncated toward zero. Strings parse as Go's strconv does: int("+5"),
// uint("5") (no sign), double("1e3"), double("-Inf").
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"
#include "engine/operators.h"
#include "engine/schema.h"

namespace gavel::builtins_internal {

namespace {

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

Value RangeError(absl::string_view what, absl::string_view target) {
  return Value::Error(absl::StrCat("range error: ", what, " does not fit in ", target));
}

Value ParseError(absl::string_view text, absl::string_view target) {
  return Value::Error(absl::StrCat("cannot convert \"", text, "\" to ", target));
}

template <typename T>
bool ParseWhole(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Value FnInt(const Value* args, size_t argc) {
  if (argc == 1) {
    const Value& v = args[0];
    switch (v.kind()) {
      case ValueKind::kInt: return v;
      case ValueKind::kUint:
        if (v.uint_value() > static_cast<uint64_t>(INT64_MAX)) return RangeError(absl::StrCat(v.uint_value(), "u"), "int");
        return Value::Int(static_cast<int64_t>(v.uint_value()));
      case ValueKind::kDouble: {
        const double d = v.double_value();
        // NaN fails both tests. -2^63 itself is representable and allowed.
        if (!(d >= -kTwoTo63 && d < kTwoTo63)) return RangeError(FormatDouble(d), "int");
        return Value::Int(static_cast<int64_t>(d));
      }
      case ValueKind::kString: {
        std::string_view s = v.str();
        if (!s.empty() && s[0] == '+' && s.size() > 1 && s[1] != '-') s.remove_prefix(1);
        int64_t i;
        if (!ParseWhole(s, &i)) {
          // All digits (after a sign) but no int: too big.
          const std::string_view digits = !s.empty() && s[0] == '-' ? s.substr(1) : s;
          if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
            return RangeError(absl::StrCat("\"", v.str(), "\""), "int");
          }
          return ParseError(v.str(), "int");
        }
        return Value::Int(i);
      }
      case ValueKind::kTimestamp: return Value::Int(v.time_rep().seconds);
      default: break;
    }
  }
  return NoSuchOverload("int", args, argc);
}

Value FnUint(const Value* args, size_t argc) {
  if (argc == 1) {
    const Value& v = args[0];
    switch (v.kind()) {
      case ValueKind::kUint: return v;
      case ValueKind::kInt:
        if (v.int_value() < 0) return RangeError(absl::StrCat(v.int_value()), "uint");
        return Value::Uint(static_cast<uint64_t>(v.int_value()));
      case ValueKind::kDouble: {
        const double d = v.double_value();
        if (!(d >= 0 && d < kTwoTo64)) return RangeError(FormatDouble(d), "uint");
        return Value::Uint(static_cast<uint64_t>(d));
      }
      case ValueKind::kString: {
        uint64_t u;
        const std::string& s = v.str();
        if (!ParseWhole(std::string_view(s), &u)) {
          if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
            return RangeError(absl::StrCat("\"", s, "\""), "uint");
          }
          return ParseError(s, "uint");
        }
        return Value::Uint(u);
      }
      default: break;
    }
  }
  return NoSuchOverload("uint", args, argc);
}

Value FnDouble(const Value* args, size_t argc) {
  if (argc == 1) {
    const Value& v = args[0];
    switch (v.kind()) {
      case ValueKind::kDouble: return v;
      case ValueKind::kInt: return Value::Double(static_cast<double>(v.int_value()));
      case ValueKind::kUint: return Value::Double(static_cast<double>(v.uint_value()));
      case ValueKind::kString: {
        std::string_view s = v.str();
        if (!s.empty() && s[0] == '+' && s.size() > 1 && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
        double d;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (s.empty() || ptr != s.data() + s.size()) return ParseError(v.str(), "double");
        if (ec == std::errc::result_out_of_range) {
          // from_chars leaves d alone; strtod tells underflow (fine, as in
          // Go: the nearest value, maybe 0) from overflow (a range error).
          d = std::strtod(std::string(s).c_str(), nullptr);
          if (std::isinf(d)) return RangeError(absl::StrCat("\"", v.str(), "\""), "double");
          return Value::Double(d);
        }
        if (ec != std::errc()) return ParseError(v.str(), "double");
        // from_chars accepts "nan(...)"; Go does not.
        if (s.find('(') != std::string_view::npos) return ParseError(v.str(), "double");
        return Value::Double(d);
      }
      default: break;
    }
  }
  return NoSuchOverload("double", args, argc);
}

Value FnString(const Value* args, size_t argc) {
  if (argc == 1) {
    const Value& v = args[0];
    switch (v.kind()) {
      case ValueKind::kString: return v;
      case ValueKind::kInt: return Value::String(absl::StrCat(v.int_value()));
      case ValueKind::kUint: return Value::String(absl::StrCat(v.uint_value()));
      case ValueKind::kDouble: return Value::String(FormatDouble(v.double_value()));
      case ValueKind::kBool: return Value::String(v.bool_value() ? "true" : "false");
      case ValueKind::kBytes:
        if (!IsValidUtf8(v.str())) return Value::Error("invalid UTF-8 in bytes, cannot convert to string");
        return Value::String(v.str());
      case ValueKind::kTimestamp: return Value::String(FormatTimestamp(v.time_rep()));
      case ValueKind::kDuration: return Value::String(FormatDuration(v.time_rep()));
      default: break;
    }
  }
  return NoSuchOverload("string", args, argc);
}

Value FnBytes(const Value* args, size_t argc) {
  if (argc == 1) {
    if (args[0].is_bytes()) return args[0];
    if (args[0].is_string()) return Value::Bytes(args[0].str());
  }
  return NoSuchOverload("bytes", args, argc);
}

Value FnBool(const Value* args, size_t argc) {
  if (argc == 1) {
    if (args[0].is_bool()) return args[0];
    if (args[0].is_string()) {
      const std::string& s = args[0].str();
      // Go's strconv.ParseBool.
      if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return Value::Bool(true);
      if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") return Value::Bool(false);
      return ParseError(s, "bool");
    }
  }
  return NoSuchOverload("bool", args, argc);
}

Value FnDyn(const Value* args, size_t argc) {
  if (argc == 1) return args[0];
  return NoSuchOverload("dyn", args, argc);
}

Value FnType(const Value* args, size_t argc) {
  if (argc != 1) return NoSuchOverload("type", args, argc);
  const Value& v = args[0];
  switch (v.kind()) {
    case ValueKind::kMessage: return Value::TypeValue(v.message().type->full_name);
    case ValueKind::kError: return v;
    default: return Value::TypeValue(KindName(v.kind()));
  }
}

}  // namespace gavel::builtins_internal
