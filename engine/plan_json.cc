// JSON plans, parsed with simdjson's DOM API (which validates UTF-8 and
// bounds nesting without recursion), then built by the shared builder.
#include <simdjson.h>

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/plan.h"
#include "engine/plan_internal.h"

namespace gavel {
namespace {

using plan_internal::NodeKind;
using plan_internal::ScalarResult;
using simdjson::dom::element;
using simdjson::dom::element_type;

class JsonAdapter {
 public:
  using Node = element;
  using Key = std::string_view;
  static constexpr bool kTextTimes = true;

  const char* ObjectName() const { return "an object"; }
  const char* ArrayName() const { return "an array"; }
  size_t NodeBudget() const { return std::numeric_limits<size_t>::max(); }

  NodeKind Kind(const Node& n) const {
    switch (n.type()) {
      case element_type::ARRAY: return NodeKind::kArray;
      case element_type::OBJECT: return NodeKind::kObject;
      case element_type::INT64: return NodeKind::kInt;
      case element_type::UINT64:  // only past INT64_MAX: kept as a double
      case element_type::DOUBLE: return NodeKind::kDouble;
      case element_type::STRING: return NodeKind::kString;
      case element_type::BOOL: return NodeKind::kBool;
      case element_type::NULL_VALUE: return NodeKind::kNull;
    }
    return NodeKind::kNull;
  }
  NodeKind KeyKind(const Key&) const { return NodeKind::kString; }
  std::string Where(const Node&) const { return ""; }
  std::string Where(const Key&) const { return ""; }

  bool KeyText(const Key& k, std::string_view* out) const {
    *out = k;
    return true;
  }
  bool Text(const Node& n, std::string_view* out) const {
    if (n.type() != element_type::STRING) return false;
    *out = StringValue(n);
    return true;
  }
  ScalarResult Int(const Node& n, int64_t* out, std::string* shown) const {
    switch (n.type()) {
      case element_type::INT64: *out = IntValue(n); return ScalarResult::kOk;
      case element_type::UINT64: {
        uint64_t u = 0;
        if (n.get_uint64().get(u)) return ScalarResult::kWrongType;
        *shown = absl::StrCat(u);
        return ScalarResult::kOutOfRange;
      }
      case element_type::DOUBLE: *shown = plan_internal::FormatDouble(DoubleValue(n)); return ScalarResult::kBadValue;
      default: return ScalarResult::kWrongType;
    }
  }
  ScalarResult Bool(const Node& n, bool* out, std::string*) const {
    if (n.type() != element_type::BOOL) return ScalarResult::kWrongType;
    *out = BoolValue(n);
    return ScalarResult::kOk;
  }

  bool BoolValue(const Node& n) const {
    bool b = false;
    if (n.get_bool().get(b)) return {};
    return b;
  }
  int64_t IntValue(const Node& n) const {
    int64_t i = 0;
    if (n.get_int64().get(i)) return {};
    return i;
  }
  double DoubleValue(const Node& n) const {
    if (n.type() == element_type::UINT64) {
      uint64_t u = 0;
      if (n.get_uint64().get(u)) return {};
      return static_cast<double>(u);
    }
    double d = 0;
    if (n.get_double().get(d)) return {};
    return d;
  }
  std::string_view StringValue(const Node& n) const {
    std::string_view s;
    if (n.get_string().get(s)) return {};
    return s;
  }

  size_t Size(const Node& n) const {
    simdjson::dom::array a;
    if (n.get_array().get(a)) return 0;
    return a.size();  // saturates at 0xFFFFFF, far past any limit
  }
  template <class F>
  absl::Status Members(const Node& n, F&& f) const {
    simdjson::dom::object o;
    if (n.get_object().get(o)) return absl::InternalError("not an object");
    for (simdjson::dom::key_value_pair kv : o) {
      absl::Status st = f(kv.key, kv.value);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  template <class F>
  absl::Status Elements(const Node& n, F&& f) const {
    simdjson::dom::array a;
    if (n.get_array().get(a)) return absl::InternalError("not an array");
    size_t i = 0;
    for (element e : a) {
      absl::Status st = f(i++, e);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  absl::Status Time(const Node&, bool, TimeRep*) const { return absl::InternalError("unused"); }
};

}  // namespace

absl::StatusOr<Plan> DecodePlanJson(std::string_view json, const PlanLimits& limits) {
  try {
    simdjson::dom::parser parser;
    const size_t depth = static_cast<size_t>(std::max(limits.max_depth, 1));
    if (auto err = parser.allocate(json.size() + 64, depth); err) {
      return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(err)));
    }
    simdjson::padded_string padded(json.data(), json.size());
    element root;
    if (auto err = parser.parse(padded).get(root); err) {
      if (err == simdjson::DEPTH_ERROR) {
        return absl::InvalidArgumentError(absl::StrCat("json: nesting deeper than ", limits.max_depth, " levels"));
      }
      return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(err)));
    }
    JsonAdapter adapter;
    plan_internal::Builder<JsonAdapter> builder(adapter, limits);
    return builder.Build(root);
  } catch (const std::exception& e) {  // simdjson reports by error codes; allocation may still throw
    return absl::InvalidArgumentError(absl::StrCat("json: ", e.what()));
  }
}

}  // namespace gavel
