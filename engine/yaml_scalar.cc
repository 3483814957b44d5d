// YAML 1.2 core schema scalars and the nesting pre-scan. See yaml_scalar.h.
#include "engine/yaml_scalar.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <sstream>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gavel {

// YAML 1.2 core schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+.
YamlInt ParseYamlInt(std::string_view s, int64_t* out, double* approx) {
  size_t p = 0;
  bool negative = false;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    base = s[1] == 'o' ? 8 : 16;
    p = 2;
  } else if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    p = 1;
  }
  if (p == s.size()) return YamlInt::kNotInt;
  uint64_t mag = 0;
  bool overflow = false;
  double d = 0;
  for (; p < s.size(); ++p) {
    int digit;
    char c = s[p];
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return YamlInt::kNotInt;
    if (digit >= base) return YamlInt::kNotInt;
    d = d * base + digit;
    if (mag > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      mag = mag * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    }
  }
  if (approx != nullptr) *approx = negative ? -d : d;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || mag > limit) return YamlInt::kOutOfRange;
  *out = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return YamlInt::kOk;
}

// YAML 1.2 core schema floats.
bool ParseYamlFloat(std::string_view s, double* out) {
  std::string_view body = s;
  double sign = 1;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    *out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // [0-9]* (\.[0-9]*)? ([eE][-+]?[0-9]+)? with at least one mantissa digit.
  size_t p = 0, mantissa = 0;
  while (p < body.size() && body[p] >= '0' && body[p] <= '9') ++p, ++mantissa;
  if (p < body.size() && body[p] == '.') {
    ++p;
    while (p < body.size() && body[p] >= '0' && body[p] <= '9') ++p, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (p < body.size() && (body[p] == 'e' || body[p] == 'E')) {
    ++p;
    if (p < body.size() && (body[p] == '-' || body[p] == '+')) ++p;
    size_t exp = 0;
    while (p < body.size() && body[p] >= '0' && body[p] <= '9') ++p, ++exp;
    if (exp == 0) return false;
  }
  if (p != body.size()) return false;
  return absl::SimpleAtod(absl::string_view(s.data(), s.size()), out);
}

bool ParseYamlBool(std::string_view s, bool* out) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *out = false;
    return true;
  }
  return false;
}

bool IsYamlNull(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// A cheap scan for nesting yaml-cpp would have to recurse through: flow
// collections (`[`, `{`) outside quotes, comments and block scalars, and
// block indentation (each block level takes at least one more column). It
// only has to stop hostile input; the builder enforces the exact limit.
absl::Status PrescanYaml(std::string_view text, int max_depth, size_t* error_offset) {
  const size_t max_column = static_cast<size_t>(std::max(max_depth, 1)) * 16;
  int flow = 0;             // open flow collections
  char quote = 0;           // inside a '...' or "..." scalar
  bool block_scalar = false;
  size_t block_indent = 0;  // indentation of the line that opened a block scalar
  size_t line = 0, pos = 0;
  auto fail = [&](size_t column) {
    if (error_offset != nullptr) *error_offset = pos + column;
    return absl::InvalidArgumentError(absl::StrCat("yaml: line ", line + 1, ", column ", column + 1,
                                                   ": nesting deeper than ", max_depth, " levels"));
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    size_t indent = 0;
    while (indent < l.size() && l[indent] == ' ') ++indent;
    size_t i = 0;
    if (block_scalar) {
      if (indent == l.size() || indent > block_indent || (indent == l.size() - 1 && l.back() == '\r')) {
        ++line;
        pos = end + 1;
        continue;
      }
      block_scalar = false;
    }
    bool value_start = quote == 0;  // where a node may begin
    if (quote == 0 && flow == 0) {
      // Block indicators (`- `, `? `, `: `) open nested levels on one line.
      i = indent;
      while (i < l.size()) {
        char c = l[i];
        if (c == ' ' || c == '\t') {
          ++i;
        } else if ((c == '-' || c == '?' || c == ':') && (i + 1 == l.size() || l[i + 1] == ' ' || l[i + 1] == '\t')) {
          ++i;
        } else {
          break;
        }
      }
      if (i > max_column) return fail(i);
    }
    char prev = ' ';
    for (; i < l.size(); ++i) {
      char c = l[i];
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < l.size() && l[i + 1] == '\'') {
            ++i;
          } else {
            quote = 0;
            value_start = false;
          }
        }
        prev = c;
        continue;
      }
      if (c == '#' && (prev == ' ' || prev == '\t' || i == 0)) break;  // a comment
      if (c == ' ' || c == '\t') {
        prev = c;
        continue;
      }
      if ((c == '[' || c == '{') && (value_start || flow > 0)) {
        if (++flow > max_depth) return fail(i);
        value_start = true;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
        value_start = false;
      } else if (c == ',' && flow > 0) {
        value_start = true;
      } else if ((c == '"' || c == '\'') && value_start) {
        quote = c;
      } else if ((c == '|' || c == '>') && value_start && flow == 0) {
        block_scalar = true;
        block_indent = indent;
        break;
      } else if ((c == ':' || c == '-' || c == '?') &&
                 (flow > 0 || i + 1 == l.size() || l[i + 1] == ' ' || l[i + 1] == '\t')) {
        value_start = true;
      } else if ((c == '&' || c == '!') && value_start) {
        while (i + 1 < l.size() && l[i + 1] != ' ' && l[i + 1] != '\t') ++i;  // anchor or tag
      } else {
        value_start = false;
      }
      prev = c;
    }
    ++line;
    pos = end + 1;
  }
  return absl::OkStatus();
}


namespace {

// Records where a document starts and ignores the rest.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  YAML::Mark start = YAML::Mark::null_mark();
};

}  // namespace

YAML::Node LoadFirstYamlDocument(const std::string& text, bool* has_second, YAML::Mark* second) {
  YAML::Node root = YAML::Load(text);  // one document: one bounded pass
  // A second pass over the events of at most two documents.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  *has_second = parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts);
  if (*has_second) *second = starts.start;
  return root;
}

}  // namespace gavel
