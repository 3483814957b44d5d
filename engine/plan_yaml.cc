// YAML plans, parsed with yaml-cpp, then built by the shared builder; each
// step's position comes from yaml-cpp's marks.
//
// YAML scalars are untyped: a typed field reads the scalar's text (a string
// field takes any scalar, an int field one that reads as an integer), and in
// open maps plain scalars are resolved by the YAML 1.2 core schema (null,
// bool, int, float, else string); quoted scalars are always strings.
//
// yaml-cpp parses recursively, so the text is first scanned for nesting
// depth (flow brackets and block indentation) before yaml-cpp sees it
// (yaml_scalar.h, with the scalar resolution).
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/json_syntax.h"
#include "engine/plan.h"
#include "engine/plan_internal.h"
#include "engine/yaml_reader.h"
#include "engine/yaml_scalar.h"
#include "simdjson.h"

namespace gavel {
namespace {

using plan_internal::NodeKind;
using plan_internal::ScalarResult;

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
    if (IsQuoted(n)) return NodeKind::kString;
    const std::string& s = n.Scalar();
    if (IsYamlNull(s)) return NodeKind::kNull;
    bool b;
    if (ParseYamlBool(s, &b)) return NodeKind::kBool;
    int64_t i;
    double d;
    switch (ParseYamlInt(s, &i, &d)) {
      case YamlInt::kOk: return NodeKind::kInt;
      case YamlInt::kOutOfRange: return NodeKind::kDouble;
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
    switch (ParseYamlInt(n.Scalar(), out, nullptr)) {
      case YamlInt::kOk: return ScalarResult::kOk;
      case YamlInt::kOutOfRange: return ScalarResult::kOutOfRange;
      case YamlInt::kNotInt: break;
    }
    return ScalarResult::kBadValue;
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
    if (ParseYamlInt(n.Scalar(), &i, &d) == YamlInt::kOutOfRange) return d;
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

// Where a step starts: the `- ` of its entry in a block sequence, its own
// node (the `{` of a flow mapping) otherwise. yaml-cpp marks a block
// mapping at its first key, so the entry's dash is found by looking back
// over blanks and line breaks (not comments: then the first key it is).
PlanPosition StepPosition(std::string_view text, const YAML::Node& step) {
  const YAML::Mark m = step.Mark();
  if (m.is_null() || m.pos < 0) return {};
  PlanPosition at{m.line + 1, m.column + 1};
  const size_t pos = static_cast<size_t>(m.pos);
  // Trust the byte offset only where it agrees with the line and column.
  const size_t col = static_cast<size_t>(m.column);
  if (pos > text.size() || pos < col || (pos != col && text[pos - col - 1] != '\n')) return at;
  size_t i = pos;
  int line = m.line;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\r' || text[i - 1] == '\n')) {
    if (text[--i] == '\n') --line;
  }
  if (i == 0 || i == pos || text[i - 1] != '-') return at;
  const size_t dash = i - 1;
  const size_t nl = text.rfind('\n', dash);
  const size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
  return PlanPosition{line + 1, static_cast<int>(dash - line_start) + 1};
}

// The positions of the steps of a decoded plan (its root is a mapping with
// string keys, the steps a sequence: the builder has checked).
std::vector<PlanPosition> StepPositions(std::string_view text, const YAML::Node& root) {
  std::vector<PlanPosition> out;
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "steps" || !kv.second.IsSequence()) continue;
    out.reserve(kv.second.size());
    for (const auto& step : kv.second) out.push_back(StepPosition(text, step));
  }
  return out;
}

}  // namespace

absl::StatusOr<Plan> DecodePlanYaml(std::string_view yaml, const PlanLimits& limits) {
  if (absl::Status st = CheckPlanSize(yaml, limits); !st.ok()) return st;
  if (!simdjson::validate_utf8(yaml.data(), yaml.size())) {
    if (auto at = FindInvalidUtf8(yaml)) {
      return absl::InvalidArgumentError(absl::StrCat("yaml: line ", at->line, ", column ", at->column, ": invalid UTF-8"));
    }
    return absl::InvalidArgumentError("yaml: invalid UTF-8");
  }
  if (absl::Status st = PrescanYaml(yaml, limits.max_depth); !st.ok()) return st;
  try {
    bool has_second = false;
    YAML::Mark second;
    YAML::Node root = LoadFirstYamlDocument(std::string(yaml), &has_second, &second);
    if (has_second) {
      return absl::InvalidArgumentError(absl::StrCat("yaml: line ", second.line + 1, ", column ", second.column + 1,
                                                     ": expected one document, found another"));
    }
    // Without aliases every node takes at least a byte of text; aliases may
    // multiply that (the "billion laughs"), so the walk has a budget.
    YamlAdapter adapter(4 * yaml.size() + 1024);
    plan_internal::Builder<YamlAdapter> builder(adapter, limits);
    absl::StatusOr<Plan> plan = builder.Build(root);
    if (plan.ok() && limits.step_positions) {
      plan->step_positions = StepPositions(yaml, root);
      if (plan->step_positions.size() != plan->steps().size()) plan->step_positions.clear();
    }
    return plan;
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
