// JSON plans, parsed with simdjson's DOM API (which validates UTF-8 and
// bounds nesting without recursion) by a parser each thread keeps, then
// built by the shared builder; simdjson's structural index (or, failing
// that, a second pass over the text) finds where each step starts.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <memory>
#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/json_syntax.h"
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

// Whether the raw text of a JSON string (between its quotes, escapes not
// decoded) reads `want`, an ASCII word: `"st\u0065ps"` is `steps` too.
bool KeyIs(std::string_view raw, std::string_view want) {
  size_t j = 0;
  for (size_t i = 0; i < raw.size(); ++j) {
    if (j == want.size()) return false;
    char c = raw[i];
    if (c == '\\') {
      // Only \u00XX can spell an ASCII letter; any other escape is not one.
      if (i + 6 > raw.size() || raw[i + 1] != 'u') return false;
      unsigned code = 0;
      for (size_t k = i + 2; k < i + 6; ++k) {
        char h = raw[k];
        code = code * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
      }
      if (code != static_cast<unsigned char>(want[j])) return false;
      i += 6;
    } else {
      if (c != want[j]) return false;
      ++i;
    }
  }
  return j == want.size();
}

// The JSON structure both step-position walks follow: the root object's
// keys, and the elements of its `steps` array, from the tokens they meet.
struct StepsWalk {
  int depth = 0;
  bool expect_key = false;  // depth 1: the next string is a key of the root
  bool steps_key = false;   // the last key of the root was `steps`
  bool in_steps = false;    // inside the steps array (depth 2)
  bool want_elem = false;   // in it: the next token starts an element

  bool WantsKey() const { return depth == 1 && expect_key; }
  void Key(std::string_view raw) {
    steps_key = KeyIs(raw, "steps");
    expect_key = false;
  }
  void Open(char c) {
    ++depth;
    if (depth == 1) expect_key = c == '{';
    if (depth == 2 && c == '[' && steps_key) in_steps = want_elem = true;
  }
  // Whether this closes the steps array (the walk is over).
  bool Close() {
    if (in_steps && depth == 2) return true;
    --depth;
    return false;
  }
  void Comma() {
    if (depth == 1) expect_key = true;
    if (in_steps && depth == 2) want_elem = true;
  }
};

// Where each element of the root object's `steps` array starts (its `{`),
// for Plan::step_positions. simdjson's DOM keeps no source offsets, so this
// rescans the text simdjson has already validated: one linear pass that
// tracks nesting, skips strings and counts lines (a valid JSON string holds
// no raw line break), allocating only the result.
std::vector<PlanPosition> ScanStepPositions(std::string_view text) {
  std::vector<PlanPosition> out;
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* line_start = p;
  int line = 1;
  StepsWalk w;
  while (p < end) {
    const char c = *p;
    if (c == '\n') {
      ++line;
      line_start = ++p;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++p;
      continue;
    }
    if (w.want_elem && c != ']') {
      out.push_back(PlanPosition{line, static_cast<int>(p - line_start) + 1});
      w.want_elem = false;
    }
    switch (c) {
      case '"': {
        const char* s = ++p;
        // The closing quote is the first one preceded by an even run of backslashes.
        for (;;) {
          const void* q = std::memchr(p, '"', static_cast<size_t>(end - p));
          if (q == nullptr) return {};  // not validated JSON after all
          p = static_cast<const char*>(q);
          size_t slashes = 0;
          while (p - slashes > s && p[-1 - static_cast<std::ptrdiff_t>(slashes)] == '\\') ++slashes;
          if (slashes % 2 == 0) break;
          ++p;
        }
        if (w.WantsKey()) w.Key(std::string_view(s, static_cast<size_t>(p - s)));
        ++p;
        break;
      }
      case '{':
      case '[':
        w.Open(c);
        ++p;
        break;
      case '}':
      case ']':
        if (w.Close()) return out;  // the end of the steps
        ++p;
        break;
      case ',':
        w.Comma();
        ++p;
        break;
      default: ++p;  // `:` and the characters of numbers and literals
    }
  }
  return out;
}

// The same positions from the offsets of the tokens simdjson's first stage
// has just found (brackets, commas, colons, the starts of strings and
// scalars): the walk above over tokens instead of bytes, counting lines only
// in the gaps before steps. Empty when the index is not there or does not
// read as expected (the caller then scans the text).
std::vector<PlanPosition> StructuralStepPositions(std::string_view text, const simdjson::dom::parser& parser,
                                                  size_t steps) {
  std::vector<PlanPosition> out;
  out.reserve(steps);
  if (parser.implementation == nullptr || parser.implementation->structural_indexes == nullptr) return out;
  const uint32_t* idx = parser.implementation->structural_indexes.get();
  const size_t n = parser.implementation->n_structural_indexes;
  const char* const base = text.data();
  size_t counted = 0, line_start = 0;  // newlines are counted up to `counted`
  int line = 1;
  StepsWalk w;
  // Bracket tokens change the depth; below the steps' own level nothing else matters.
  static constexpr auto kDelta = [] {
    std::array<signed char, 256> d{};
    d['{'] = d['['] = 1;
    d['}'] = d[']'] = -1;
    return d;
  }();
  for (size_t k = 0; k < n; ++k) {
    const size_t pos = idx[k];
    if (pos >= text.size()) return {};
    const char c = base[pos];
    if (w.depth > 2) {
      w.depth += kDelta[static_cast<unsigned char>(c)];
      continue;
    }
    if (w.want_elem && c != ']') {
      if (c != '{') return {};
      for (const char* p = base + counted;;) {
        const void* q = std::memchr(p, '\n', static_cast<size_t>(base + pos - p));
        if (q == nullptr) break;
        ++line;
        p = static_cast<const char*>(q) + 1;
        line_start = static_cast<size_t>(p - base);
      }
      counted = pos;
      out.push_back(PlanPosition{line, static_cast<int>(pos - line_start) + 1});
      w.want_elem = false;
    }
    switch (c) {
      case '"':
        if (w.WantsKey()) {
          // The key's raw text ends at the last quote before the next token (its `:`).
          const size_t end = k + 1 < n ? std::min<size_t>(idx[k + 1], text.size()) : text.size();
          const size_t close = text.rfind('"', end - 1);
          if (close == std::string_view::npos || close <= pos) return {};
          w.Key(text.substr(pos + 1, close - pos - 1));
        }
        break;
      case '{':
      case '[':
        w.Open(c);
        break;
      case '}':
      case ']':
        if (w.Close()) return out;
        break;
      case ',':
        w.Comma();
        break;
      default: break;
    }
  }
  return out;
}

// Documents up to this size reuse their thread's parser (its buffers take
// about 15 bytes per byte of capacity); bigger ones get a parser of their own.
constexpr size_t kReusedParserBytes = size_t{128} << 10;

}  // namespace

absl::StatusOr<Plan> DecodePlanJson(std::string_view json, const PlanLimits& limits) {
  if (absl::Status st = CheckPlanSize(json, limits); !st.ok()) return st;
  try {
    const size_t depth = static_cast<size_t>(std::max(limits.max_depth, 1));
    const size_t capacity = json.size() + 64;
    // Allocating a parser's buffers costs more than parsing a small plan.
    std::unique_ptr<simdjson::dom::parser> own;
    simdjson::dom::parser* parser;
    if (json.size() <= kReusedParserBytes) {
      thread_local simdjson::dom::parser reused;
      parser = &reused;
      if (parser->capacity() < capacity || parser->max_depth() != depth) {
        // Grows by doubling, so that a thread decoding ever larger plans reallocates rarely.
        size_t grown = 4096;
        while (grown < capacity) grown *= 2;
        if (auto err = parser->allocate(std::max(grown, parser->capacity()), depth); err) {
          return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(err)));
        }
      }
    } else {
      own = std::make_unique<simdjson::dom::parser>();
      parser = own.get();
      if (auto err = parser->allocate(capacity, depth); err) {
        return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(err)));
      }
    }
    element root;
    // realloc_if_needed: simdjson copies the text into its padded buffer (reused too).
    if (auto err = parser->parse(json.data(), json.size(), true).get(root); err) {
      // simdjson gives no position: the scanner finds it (and says why).
      if (auto at = FindJsonSyntaxError(json, limits.max_depth)) {
        return absl::InvalidArgumentError(
            absl::StrCat("json: line ", at->line, ", column ", at->column, ": ", at->message));
      }
      if (err == simdjson::DEPTH_ERROR) {
        return absl::InvalidArgumentError(absl::StrCat("json: nesting deeper than ", limits.max_depth, " levels"));
      }
      return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(err)));
    }
    JsonAdapter adapter;
    plan_internal::Builder<JsonAdapter> builder(adapter, limits);
    absl::StatusOr<Plan> plan = builder.Build(root);
    if (plan.ok() && limits.step_positions) {
      plan->step_positions = StructuralStepPositions(json, *parser, plan->steps().size());
      if (plan->step_positions.size() != plan->steps().size()) plan->step_positions = ScanStepPositions(json);
      if (plan->step_positions.size() != plan->steps().size()) plan->step_positions.clear();  // never wrong, at worst absent
    }
    return plan;
  } catch (const std::exception& e) {  // simdjson reports by error codes; allocation may still throw
    return absl::InvalidArgumentError(absl::StrCat("json: ", e.what()));
  }
}

}  // namespace gavel
