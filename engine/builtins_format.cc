// The strings extension's `format` and `strings.quote`, as in cel-go's
// ext.Strings (which Kubernetes admission policies use).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"
#include "engine/operators.h"
#include "engine/schema.h"

namespace gavel::builtins_internal {
namespace {

std::string KindOf(const Value& v) {
  if (v.is_message()) return v.message().type->full_name;
  return KindName(v.kind());
}

Value FormatError(std::string msg) { return Value::Error(absl::StrCat("error during formatting: ", msg)); }

std::string NonFinite(double d) {
  if (std::isnan(d)) return "NaN";
  return d > 0 ? "Infinity" : "-Infinity";
}

// %s: the value's text; strings bare, also inside lists and maps.
bool FormatString(const Value& v, std::string* out, std::string* bad) {
  switch (v.kind()) {
    case ValueKind::kNull: *out += "null"; return true;
    case ValueKind::kBool: *out += v.bool_value() ? "true" : "false"; return true;
    case ValueKind::kInt: absl::StrAppend(out, v.int_value()); return true;
    case ValueKind::kUint: absl::StrAppend(out, v.uint_value()); return true;
    case ValueKind::kDouble: {
      const double d = v.double_value();
      *out += std::isfinite(d) ? FormatDouble(d) : NonFinite(d);
      return true;
    }
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType: *out += v.str(); return true;
    case ValueKind::kTimestamp: *out += FormatTimestamp(v.time_rep()); return true;
    case ValueKind::kDuration: *out += FormatDuration(v.time_rep()); return true;
    case ValueKind::kList: {
      *out += "[";
      bool first = true;
      for (const Value& e : v.list().elems) {
        if (!first) *out += ", ";
        first = false;
        if (!FormatString(e, out, bad)) return false;
      }
      *out += "]";
      return true;
    }
    case ValueKind::kMap: {
      // Entries sorted by the text of their keys, as cel-go prints them.
      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& [k, val] : v.map().entries) {
        std::string ks, vs;
        if (!FormatString(k, &ks, bad) || !FormatString(val, &vs, bad)) return false;
        entries.emplace_back(std::move(ks), std::move(vs));
      }
      std::sort(entries.begin(), entries.end());
      *out += "{";
      for (size_t i = 0; i < entries.size(); ++i) {
        absl::StrAppend(out, i ? ", " : "", entries[i].first, ": ", entries[i].second);
      }
      *out += "}";
      return true;
    }
    default:
      *bad = KindOf(v);
      return false;
  }
}

std::string InBase(uint64_t u, int base, bool upper) {
  if (u == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  while (u) {
    s.push_back(digits[u % base]);
    u /= base;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

// An int or uint in base 2, 8 or 16, with a minus sign for negatives.
bool Integer(const Value& v, int base, bool upper, std::string* out) {
  if (v.is_uint()) {
    *out += InBase(v.uint_value(), base, upper);
    return true;
  }
  if (!v.is_int()) return false;
  int64_t i = v.int_value();
  if (i < 0) {
    *out += "-";
    *out += InBase(static_cast<uint64_t>(0) - static_cast<uint64_t>(i), base, upper);
  } else {
    *out += InBase(static_cast<uint64_t>(i), base, upper);
  }
  return true;
}

bool Floating(const Value& v, double* d) {
  if (v.is_double()) *d = v.double_value();
  else if (v.is_int()) *d = static_cast<double>(v.int_value());
  else if (v.is_uint()) *d = static_cast<double>(v.uint_value());
  else return false;
  return true;
}

Value FormatClause(char verb, int precision, const Value& arg, std::string* out) {
  switch (verb) {
    case 's': {
      std::string bad;
      if (!FormatString(arg, out, &bad)) {
        return FormatError(absl::StrCat(
            "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, "
            "durations, and timestamps, was given ",
            bad));
      }
      return Value();
    }
    case 'd':
      if (arg.is_int()) absl::StrAppend(out, arg.int_value());
      else if (arg.is_uint()) absl::StrAppend(out, arg.uint_value());
      else if (arg.is_double() && !std::isfinite(arg.double_value())) *out += NonFinite(arg.double_value());
      else return FormatError(absl::StrCat("decimal clause can only be used on integers, was given ", KindOf(arg)));
      return Value();
    case 'f':
    case 'e': {
      double d = 0;
      if (!Floating(arg, &d)) {
        return FormatError(absl::StrCat(verb == 'f' ? "fixed-point" : "scientific",
                                        " clause can only be used on doubles, was given ", KindOf(arg)));
      }
      if (!std::isfinite(d)) {
        *out += NonFinite(d);
        return Value();
      }
      char buf[512];
      std::snprintf(buf, sizeof buf, verb == 'f' ? "%.*f" : "%.*e", precision < 0 ? 6 : precision, d);
      *out += buf;
      return Value();
    }
    case 'b':
      if (arg.is_bool()) {
        *out += arg.bool_value() ? "1" : "0";
        return Value();
      }
      if (Integer(arg, 2, false, out)) return Value();
      return FormatError(absl::StrCat("only integers and bools can be formatted as binary, was given ", KindOf(arg)));
    case 'o':
      if (Integer(arg, 8, false, out)) return Value();
      return FormatError(absl::StrCat("octal clause can only be used on integers, was given ", KindOf(arg)));
    case 'x':
    case 'X': {
      const bool upper = verb == 'X';
      if (Integer(arg, 16, upper, out)) return Value();
      if (arg.is_string() || arg.is_bytes()) {
        const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        for (unsigned char c : arg.str()) {
          out->push_back(digits[c >> 4]);
          out->push_back(digits[c & 15]);
        }
        return Value();
      }
      return FormatError(
          absl::StrCat("only integers, byte buffers, and strings can be formatted as hex, was given ", KindOf(arg)));
    }
    default:
      return Value::Error(absl::StrCat("could not parse formatting clause: unrecognized formatting clause \"",
                                       std::string(1, verb), "\""));
  }
}

}  // namespace

Value FnFormat(const Value* args, size_t argc) {
  if (argc != 2 || !args[0].is_string() || !args[1].is_list()) return NoSuchOverload("format", args, argc);
  const std::string& f = args[0].str();
  const std::vector<Value>& list = args[1].list().elems;
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out.push_back(f[i]);
      continue;
    }
    if (++i >= f.size()) return Value::Error("could not parse formatting clause: unexpected end of string");
    if (f[i] == '%') {
      out.push_back('%');
      continue;
    }
    int precision = -1;
    if (f[i] == '.') {
      precision = 0;
      ++i;
      while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
        precision = precision * 10 + (f[i] - '0');
        if (precision > 100) return Value::Error("could not parse formatting clause: precision too large");
        ++i;
      }
      if (i >= f.size()) return Value::Error("could not parse formatting clause: unexpected end of string");
    }
    const char verb = f[i];
    if (std::string_view("sdfeboxX").find(verb) == std::string_view::npos) {
      return Value::Error(absl::StrCat("could not parse formatting clause: unrecognized formatting clause \"",
                                       std::string(1, verb), "\""));
    }
    if (next >= list.size()) return Value::Error(absl::StrCat("index ", next, " out of range"));
    Value err = FormatClause(verb, precision, list[next++], &out);
    if (err.is_error()) return err;
  }
  return Value::String(std::move(out));
}

Value FnQuote(const Value* args, size_t argc) {
  if (argc != 1 || !args[0].is_string()) return NoSuchOverload("strings.quote", args, argc);
  const std::string& s = args[0].str();
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8CharLen(s, i);
    if (n == 0) {  // not UTF-8: the replacement character
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out += "\"";
  return Value::String(std::move(out));
}

}  // namespace gavel::builtins_internal
