// YAML plans, parsed with yaml-cpp, then built by the shared builder.
//
// YAML scalars are untyped: a typed field reads the scalar's text (a string
// field takes any scalar, an int field one that reads as an integer), and in
// open maps plain scalars are resolved by the YAML 1.2 core schema (null,
// bool, int, float, else string); quoted scalars are always strings.
//
// yaml-cpp parses recursively, so the text is first scanned for nesting
// depth (flow brackets and block indentation) before yaml-cpp sees it.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/plan.h"
#include "engine/plan_internal.h"
#include "simdjson.h"

namespace gavel {
namespace {

using plan_internal::NodeKind;
using plan_internal::ScalarResult;

// YAML 1.2 core schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+.
ScalarResult ParseYamlInt(std::string_view s, int64_t* out, double* approx) {
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
  if (p == s.size()) return ScalarResult::kBadValue;
  uint64_t mag = 0;
  bool overflow = false;
  double d = 0;
  for (; p < s.size(); ++p) {
    int digit;
    char c = s[p];
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return ScalarResult::kBadValue;
    if (digit >= base) return ScalarResult::kBadValue;
    d = d * base + digit;
    if (mag > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      mag = mag * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    }
  }
  if (approx != nullptr) *approx = negative ? -d : d;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || mag > limit) return ScalarResult::kOutOfRange;
  *out = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return ScalarResult::kOk;
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
  return absl::SimpleAtod(plan_internal::AV(s), out);
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

class YamlAdapter {
 public:
  using Node = YAML::Node;
  using Key = YAML::Node;
  static constexpr bool kTextTimes = true;

  explicit YamlAdapter(size_t budget) : budget_(budget) {}

  const char* ObjectName() const { return "a mapping"; }
  const char* ArrayName() const { return "a sequence"; }
  size_t NodeBudget() const { return budget_; }

  NodeKind Kind(const Node& n) const {
    switch (n.Type()) {
      case YAML::NodeType::Sequence: return NodeKind::kArray;
      case YAML::NodeType::Map: return NodeKind::kObject;
      case YAML::NodeType::Scalar: break;
      default: return NodeKind::kNull;
    }
    const std::string& tag = n.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return NodeKind::kString;
    const std::string& s = n.Scalar();
    if (IsYamlNull(s)) return NodeKind::kNull;
    bool b;
    if (ParseYamlBool(s, &b)) return NodeKind::kBool;
    int64_t i;
    double d;
    switch (ParseYamlInt(s, &i, &d)) {
      case ScalarResult::kOk: return NodeKind::kInt;
      case ScalarResult::kOutOfRange: return NodeKind::kDouble;
      default: break;
    }
    if (ParseYamlFloat(s, &d)) return NodeKind::kDouble;
    return NodeKind::kString;
  }
  NodeKind KeyKind(const Key& k) const { return Kind(k); }

  std::string Where(const Node& n) const {
    YAML::Mark m = n.Mark();
    if (m.is_null()) return "";
    return absl::StrCat(" (line ", m.line + 1, ", column ", m.column + 1, ")");
  }

  bool KeyText(const Key& k, std::string_view* out) const {
    if (!k.IsScalar()) return false;
    *out = k.Scalar();
    return true;
  }
  bool Text(const Node& n, std::string_view* out) const {
    if (!n.IsScalar()) return false;
    *out = n.Scalar();
    return true;
  }
  ScalarResult Int(const Node& n, int64_t* out, std::string* shown) const {
    if (!n.IsScalar()) return ScalarResult::kWrongType;
    *shown = plan_internal::Quote(n.Scalar());
    return ParseYamlInt(n.Scalar(), out, nullptr);
  }
  ScalarResult Bool(const Node& n, bool* out, std::string* shown) const {
    if (!n.IsScalar()) return ScalarResult::kWrongType;
    if (ParseYamlBool(n.Scalar(), out)) return ScalarResult::kOk;
    *shown = plan_internal::Quote(n.Scalar());
    return ScalarResult::kBadValue;
  }

  bool BoolValue(const Node& n) const {
    bool b = false;
    ParseYamlBool(n.Scalar(), &b);
    return b;
  }
  int64_t IntValue(const Node& n) const {
    int64_t i = 0;
    ParseYamlInt(n.Scalar(), &i, nullptr);
    return i;
  }
  double DoubleValue(const Node& n) const {
    int64_t i;
    double d = 0;
    if (ParseYamlInt(n.Scalar(), &i, &d) == ScalarResult::kOutOfRange) return d;
    ParseYamlFloat(n.Scalar(), &d);
    return d;
  }
  std::string_view StringValue(const Node& n) const { return n.Scalar(); }

  size_t Size(const Node& n) const { return n.size(); }
  template <class F>
  absl::Status Members(const Node& n, F&& f) const {
    for (const auto& kv : n) {
      absl::Status st = f(kv.first, kv.second);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  template <class F>
  absl::Status Elements(const Node& n, F&& f) const {
    size_t i = 0;
    for (const auto& e : n) {
      absl::Status st = f(i++, e);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  absl::Status Time(const Node&, bool, TimeRep*) const { return absl::InternalError("unused"); }

 private:
  size_t budget_;
};

// A cheap scan for nesting yaml-cpp would have to recurse through: flow
// collections (`[`, `{`) outside quotes, comments and block scalars, and
// block indentation (each block level takes at least one more column). It
// only has to stop hostile input; the builder enforces the exact limit.
absl::Status PrescanYaml(std::string_view text, int max_depth) {
  const size_t max_column = static_cast<size_t>(std::max(max_depth, 1)) * 16;
  int flow = 0;             // open flow collections
  char quote = 0;           // inside a '...' or "..." scalar
  bool block_scalar = false;
  size_t block_indent = 0;  // indentation of the line that opened a block scalar
  size_t line = 0, pos = 0;
  auto fail = [&](size_t column) {
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

}  // namespace

absl::StatusOr<Plan> DecodePlanYaml(std::string_view yaml, const PlanLimits& limits) {
  if (!simdjson::validate_utf8(yaml.data(), yaml.size())) return absl::InvalidArgumentError("yaml: invalid UTF-8");
  if (absl::Status st = PrescanYaml(yaml, limits.max_depth); !st.ok()) return st;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    if (docs.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat("yaml: expected one document, got ", docs.size()));
    }
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    // Without aliases every node takes at least a byte of text; aliases may
    // multiply that (the "billion laughs"), so the walk has a budget.
    YamlAdapter adapter(4 * yaml.size() + 1024);
    plan_internal::Builder<YamlAdapter> builder(adapter, limits);
    return builder.Build(root);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own guard, past the pre-scan
    return absl::InvalidArgumentError(absl::StrCat("yaml: line ", e.mark.line + 1, ", column ", e.mark.column + 1,
                                                   ": nesting deeper than ", limits.max_depth, " levels"));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("yaml: line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("yaml: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("yaml: ", e.what()));
  }
}

}  // namespace gavel
