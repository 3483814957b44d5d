// String built-ins: contains, startsWith, endsWith, matches and the CEL
// strings extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii,
// replace, split, substring, trim, join), following cel-go's ext/strings.go.
//
// Indexes count code points, not bytes: 'héllo'.charAt(1) is "é" and
// size('héllo') is 5. Strings are expected to be valid UTF-8; a byte that
// does not start a valid sequence counts as one code point and is kept as
// is. Out-of-range indexes are error values ("index out of range: 7").
#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"
#include "engine/operators.h"
#include "re2/re2.h"

namespace gavel::builtins_internal {

// ---------------------------------------------------------------------------
// UTF-8.

namespace {

// Decodes the code point at s[i]; *len receives its length in bytes (1 and
// U+FFFD for an invalid byte).
char32_t Decode(std::string_view s, size_t i, size_t* len) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  *len = 1;
  if (c < 0x80) return c;
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    *len = 2;
    return (char32_t{c & 0x1Fu} << 6) | (b(1) & 0x3Fu);
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    const char32_t cp = (char32_t{c & 0x0Fu} << 12) | (char32_t{b(1) & 0x3Fu} << 6) | (b(2) & 0x3Fu);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      *len = 3;
      return cp;
    }
    return 0xFFFD;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = (char32_t{c & 0x07u} << 18) | (char32_t{b(1) & 0x3Fu} << 12) |
                        (char32_t{b(2) & 0x3Fu} << 6) | (b(3) & 0x3Fu);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      *len = 4;
      return cp;
    }
  }
  return 0xFFFD;
}

// Byte offsets of each code point, plus s.size() at the end.
std::vector<size_t> Boundaries(std::string_view s) {
  std::vector<size_t> b;
  b.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); i += Utf8CharLen(s, i)) b.push_back(i);
  b.push_back(s.size());
  return b;
}

// The code-point index of byte offset `pos`, or -1 if it is not a boundary.
int64_t IndexOfBoundary(const std::vector<size_t>& b, size_t pos) {
  auto it = std::lower_bound(b.begin(), b.end(), pos);
  if (it == b.end() || *it != pos) return -1;
  return it - b.begin();
}

Value OutOfRange(int64_t i) { return Value::Error(absl::StrCat("index out of range: ", i)); }

bool IsSpace(char32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default: return c >= 0x2000 && c <= 0x200A;
  }
}

bool Is(const Value* args, size_t argc, std::initializer_list<ValueKind> kinds) {
  if (argc != kinds.size()) return false;
  size_t i = 0;
  for (ValueKind k : kinds) {
    if (args[i++].kind() != k) return false;
  }
  return true;
}

constexpr ValueKind S = ValueKind::kString;
constexpr ValueKind I = ValueKind::kInt;

}  // namespace

size_t Utf8CharLen(std::string_view s, size_t i) {
  size_t len;
  Decode(s, i, &len);
  return len;
}

int64_t Utf8Length(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); i += Utf8CharLen(s, i)) ++n;
  return n;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len;
    if (Decode(s, i, &len) == 0xFFFD && len == 1) return false;
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------------------
// contains, startsWith, endsWith, matches.

Value FnContains(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S})) return NoSuchOverload("contains", args, argc);
  return Value::Bool(absl::StrContains(args[0].str(), args[1].str()));
}

Value FnStartsWith(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S})) return NoSuchOverload("startsWith", args, argc);
  return Value::Bool(absl::StartsWith(args[0].str(), args[1].str()));
}

Value FnEndsWith(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S})) return NoSuchOverload("endsWith", args, argc);
  return Value::Bool(absl::EndsWith(args[0].str(), args[1].str()));
}

Value FnMatches(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S})) return NoSuchOverload("matches", args, argc);
  const std::string& pattern = args[1].str();
  // Patterns that are not constants are compiled at run time; a small
  // per-thread cache keeps a loop over one pattern from recompiling it.
  thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!re->ok()) return Value::Error(absl::StrCat("invalid regex `", pattern, "`: ", re->error()));
    if (cache.size() >= 64) cache.clear();
    it = cache.emplace(pattern, std::move(re)).first;
  }
  return Value::Bool(RE2::PartialMatch(args[0].str(), *it->second));
}

// ---------------------------------------------------------------------------
// The strings extension.

Value FnCharAt(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, I})) return NoSuchOverload("charAt", args, argc);
  const std::string& s = args[0].str();
  const int64_t i = args[1].int_value();
  const std::vector<size_t> b = Boundaries(s);
  const int64_t n = static_cast<int64_t>(b.size()) - 1;
  if (i < 0 || i > n) return OutOfRange(i);
  if (i == n) return Value::String("");
  return Value::String(s.substr(b[i], b[i + 1] - b[i]));
}

Value FnIndexOf(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S}) && !Is(args, argc, {S, S, I})) return NoSuchOverload("indexOf", args, argc);
  const std::string& s = args[0].str();
  const std::string& sub = args[1].str();
  const int64_t from = argc == 3 ? args[2].int_value() : 0;
  if (sub.empty()) return Value::Int(from);  // as cel-go: no range check
  const std::vector<size_t> b = Boundaries(s);
  const int64_t n = static_cast<int64_t>(b.size()) - 1;
  if (argc == 3 && (from < 0 || from >= n)) return OutOfRange(from);
  for (size_t pos = s.find(sub, b[static_cast<size_t>(from)]); pos != std::string::npos; pos = s.find(sub, pos + 1)) {
    const int64_t i = IndexOfBoundary(b, pos);
    if (i >= 0) return Value::Int(i);
  }
  return Value::Int(-1);
}

Value FnLastIndexOf(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S}) && !Is(args, argc, {S, S, I})) return NoSuchOverload("lastIndexOf", args, argc);
  const std::string& s = args[0].str();
  const std::string& sub = args[1].str();
  const std::vector<size_t> b = Boundaries(s);
  const int64_t n = static_cast<int64_t>(b.size()) - 1;
  if (argc == 2) {
    if (sub.empty()) return Value::Int(n);
  } else {
    const int64_t from = args[2].int_value();
    if (sub.empty()) return Value::Int(from);
    if (from < 0 || from >= n) return OutOfRange(from);
  }
  // The last byte offset a match may start at.
  size_t last = argc == 2 ? s.size() : b[static_cast<size_t>(args[2].int_value())];
  for (size_t pos = s.rfind(sub, last); pos != std::string::npos; pos = pos == 0 ? std::string::npos : s.rfind(sub, pos - 1)) {
    const int64_t i = IndexOfBoundary(b, pos);
    if (i >= 0) return Value::Int(i);
  }
  return Value::Int(-1);
}

Value FnLowerAscii(const Value* args, size_t argc) {
  if (!Is(args, argc, {S})) return NoSuchOverload("lowerAscii", args, argc);
  std::string s = args[0].str();
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Value::String(std::move(s));
}

Value FnUpperAscii(const Value* args, size_t argc) {
  if (!Is(args, argc, {S})) return NoSuchOverload("upperAscii", args, argc);
  std::string s = args[0].str();
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return Value::String(std::move(s));
}

// Go's strings.Replace: at most n replacements (all if n < 0); an empty
// `from` matches before each code point and at the end.
Value FnReplace(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S, S}) && !Is(args, argc, {S, S, S, I})) return NoSuchOverload("replace", args, argc);
  const std::string& s = args[0].str();
  const std::string& from = args[1].str();
  const std::string& to = args[2].str();
  int64_t n = argc == 4 ? args[3].int_value() : -1;
  if (n == 0 || (from == to)) return args[0];
  std::string out;
  size_t start = 0;
  if (from.empty()) {
    size_t i = 0;
    while (n != 0) {
      out += to;
      if (n > 0) --n;
      if (i >= s.size()) {
        start = s.size();
        break;
      }
      const size_t len = Utf8CharLen(s, i);
      out.append(s, i, len);
      i += len;
      start = i;
    }
  } else {
    while (n != 0) {
      const size_t pos = s.find(from, start);
      if (pos == std::string::npos) break;
      out.append(s, start, pos - start);
      out += to;
      start = pos + from.size();
      if (n > 0) --n;
    }
  }
  out.append(s, start, std::string::npos);
  return Value::String(std::move(out));
}

// Go's strings.SplitN: n == 0 gives [], n < 0 all parts, else at most n
// parts, the last holding the rest; an empty separator splits into code
// points.
Value FnSplit(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, S}) && !Is(args, argc, {S, S, I})) return NoSuchOverload("split", args, argc);
  const std::string& s = args[0].str();
  const std::string& sep = args[1].str();
  const int64_t n = argc == 3 ? args[2].int_value() : -1;
  std::vector<Value> parts;
  if (n == 0) return Value::List(std::move(parts));
  size_t start = 0;
  if (sep.empty()) {
    while (start < s.size()) {
      if (n > 0 && static_cast<int64_t>(parts.size()) == n - 1) break;
      const size_t len = Utf8CharLen(s, start);
      parts.push_back(Value::String(s.substr(start, len)));
      start += len;
    }
    if (start < s.size()) parts.push_back(Value::String(s.substr(start)));
    return Value::List(std::move(parts));
  }
  while (n < 0 || static_cast<int64_t>(parts.size()) < n - 1) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string::npos) break;
    parts.push_back(Value::String(s.substr(start, pos - start)));
    start = pos + sep.size();
  }
  parts.push_back(Value::String(s.substr(start)));
  return Value::List(std::move(parts));
}

Value FnSubstring(const Value* args, size_t argc) {
  if (!Is(args, argc, {S, I}) && !Is(args, argc, {S, I, I})) return NoSuchOverload("substring", args, argc);
  const std::string& s = args[0].str();
  const std::vector<size_t> b = Boundaries(s);
  const int64_t n = static_cast<int64_t>(b.size()) - 1;
  const int64_t start = args[1].int_value();
  if (argc == 2 && (start < 0 || start > n)) return OutOfRange(start);
  const int64_t end = argc == 3 ? args[2].int_value() : n;
  if (start > end) {
    return Value::Error(absl::StrCat("invalid substring range. start: ", start, ", end: ", end));
  }
  if (start < 0 || start > n) return OutOfRange(start);
  if (end < 0 || end > n) return OutOfRange(end);
  return Value::String(s.substr(b[start], b[end] - b[start]));
}

Value FnTrim(const Value* args, size_t argc) {
  if (!Is(args, argc, {S})) return NoSuchOverload("trim", args, argc);
  const std::string& s = args[0].str();
  size_t begin = 0;
  while (begin < s.size()) {
    size_t len;
    if (!IsSpace(Decode(s, begin, &len))) break;
    begin += len;
  }
  // Trailing: walk forward, remembering where the last non-space ended.
  size_t end = begin;
  for (size_t i = begin; i < s.size();) {
    size_t len;
    const bool space = IsSpace(Decode(s, i, &len));
    i += len;
    if (!space) end = i;
  }
  return Value::String(s.substr(begin, end - begin));
}

Value FnJoin(const Value* args, size_t argc) {
  const bool ok = argc >= 1 && argc <= 2 && args[0].is_list() && (argc == 1 || args[1].is_string());
  if (!ok) return NoSuchOverload("join", args, argc);
  const std::string sep = argc == 2 ? args[1].str() : "";
  std::string out;
  bool first = true;
  for (const Value& e : args[0].list().elems) {
    if (!e.is_string()) {
      return Value::Error(absl::StrCat("join: the list holds a `", KindName(e.kind()), "`, not a string"));
    }
    if (!first) out += sep;
    out += e.str();
    first = false;
  }
  return Value::String(std::move(out));
}

}  // namespace gavel::builtins_internal
