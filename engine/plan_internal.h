// Internals of the plan decoders (plan.cc, plan_json.cc, plan_yaml.cc,
// plan_proto.cc): one schema-driven builder, templated over an adapter that
// reads the input's nodes, so that every format gets the same defaults, the
// same checks and the same error wording. Not part of the engine's API.
//
// An adapter `A` provides:
//   using Node = ...; using Key = ...;        // cheap handles
//   static constexpr bool kTextTimes;         // timestamps/durations as strings
//   const char* ObjectName() / ArrayName();   // "an object" / "a mapping"
//   NodeKind Kind(const Node&);               // for open-map values and errors
//   NodeKind KeyKind(const Key&);
//   std::string Where(const Node&), Where(const Key&);  // "" or " (line 3, column 5)"
//   bool KeyText(const Key&, std::string_view*);        // false: not a string key
//   bool Text(const Node&, std::string_view*);          // typed string fields
//   ScalarResult Int(const Node&, int64_t*, std::string* shown);
//   ScalarResult Bool(const Node&, bool*, std::string* shown);
//   bool BoolValue / int64_t IntValue / double DoubleValue / std::string_view StringValue (open maps)
//   size_t Size(const Node&);                 // of an array
//   absl::Status Members(const Node&, F f);   // f(const Key&, const Node&) -> absl::Status
//   absl::Status Elements(const Node&, F f);  // f(size_t i, const Node&) -> absl::Status
//   size_t NodeBudget();                      // most nodes a walk may visit
//   absl::Status Time(const Node&, bool duration, TimeRep*);  // when !kTextTimes
#ifndef GAVEL_ENGINE_PLAN_INTERNAL_H_
#define GAVEL_ENGINE_PLAN_INTERNAL_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/plan.h"
#include "engine/schema.h"
#include "engine/thread_lease.h"
#include "engine/value.h"

namespace gavel::plan_internal {

// Debian's abseil has its own string_view, distinct from std::string_view.
inline absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

enum class NodeKind { kNull, kBool, kInt, kDouble, kString, kObject, kArray };
enum class ScalarResult { kOk, kWrongType, kBadValue, kOutOfRange };

// Where a node lies in the plan: `steps[3].resource.namespace`. Segments
// point into the schema or the input, which outlive the walk.
class Path {
 public:
  void PushField(std::string_view name) { segs_.push_back({0, name, 0}); }
  void PushIndex(size_t i) { segs_.push_back({1, {}, i}); }
  void PushKey(std::string_view key) { segs_.push_back({2, key, 0}); }
  void Pop() { segs_.pop_back(); }
  std::string ToString() const;  // "plan" at the root

 private:
  struct Seg {
    int kind;  // 0 field, 1 index, 2 open-map key
    std::string_view text;
    size_t index;
  };
  std::vector<Seg> segs_;
};

// `<path><where>: <message>` as an InvalidArgument error.
absl::Status PathError(const Path& path, std::string_view where, std::string_view message);
absl::Status PathError(std::string_view path, std::string_view message);

// "a string", "an object"/"a mapping", ...
std::string DescribeKind(NodeKind kind, const char* object_name, const char* array_name);
// "unknown field `x`" plus " (did you mean `y`?)" when a field is close.
std::string UnknownField(const MessageType& type, std::string_view name);
// All defaults of a message type (a shared, immutable vector).
const std::vector<Value>& DefaultFields(const MessageType& type);
// `x` quoted for messages, cut short when long.
std::string Quote(std::string_view text);
// Formats a double for messages: 1.5, 1.0, 1e+300.
std::string FormatDouble(double d);

// Checks a built step (position `i`): fills in `index` and `id`.
absl::Status FinishStep(size_t i, std::vector<Value>& fields, uint64_t present, const std::string& index_where);
// Unique ids, references to known steps, no cycles; the references
// resolved into *refs.
absl::Status ValidateSteps(const std::vector<Value>& steps, StepRefs* refs);

// Per nesting depth: the fields of the message being built there, reused from message to message and, per
// thread, from plan to plan.
struct FieldScratch {
  std::deque<std::vector<Value>> by_depth;  // grows without moving the levels in use
};

template <class A>
class Builder {
 public:
  using Node = typename A::Node;
  using Key = typename A::Key;

  Builder(const A& adapter, const PlanLimits& limits) : a_(adapter), limits_(limits), budget_(adapter.NodeBudget()) {}
  ~Builder() {
    // A failed build leaves values behind; a finished one, moved-from nulls.
    for (std::vector<Value>& fields : scratch_->by_depth) fields.clear();
  }
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  absl::StatusOr<Plan> Build(const Node& root) {
    const Schema& schema = Schema::Get();
    NodeKind kind = a_.Kind(root);
    if (kind != NodeKind::kObject) {
      return PathError(path_, a_.Where(root), absl::StrCat("expected ", a_.ObjectName(), ", got ", Describe(kind)));
    }
    Plan plan;
    absl::Status st = BuildMessage(schema.plan, root, 1, -1, &plan.root);
    if (!st.ok()) return st;
    st = ValidateSteps(plan.steps(), &plan.refs);
    if (!st.ok()) return st;
    return plan;
  }

 private:
  std::string Describe(NodeKind kind) const { return DescribeKind(kind, a_.ObjectName(), a_.ArrayName()); }

  absl::Status Fail(const std::string& where, std::string_view message) const { return PathError(path_, where, message); }

  // Counts every node reached (YAML aliases can make a small text a huge tree).
  absl::Status Tick(const Node& n) {
    if (++visited_ > budget_) {
      return Fail(a_.Where(n), absl::StrCat("the document expands to more than ", budget_, " nodes (through aliases?)"));
    }
    return absl::OkStatus();
  }

  absl::Status Enter(int depth, const Node& n) {
    if (depth > limits_.max_depth) {
      return Fail(a_.Where(n), absl::StrCat("nesting deeper than ", limits_.max_depth, " levels"));
    }
    return absl::OkStatus();
  }

  // `at` (a node or key) places the error; its position is only looked up on failure.
  template <class At>
  absl::Status CheckString(std::string_view s, const At& at) const {
    if (s.size() > limits_.max_string_bytes) {
      return Fail(a_.Where(at), absl::StrCat("string of ", s.size(), " bytes is longer than the limit of ",
                                      limits_.max_string_bytes, " bytes"));
    }
    return absl::OkStatus();
  }

  // `n` is an object; `position` >= 0 for the steps of the plan.
  absl::Status BuildMessage(const MessageType& type, const Node& n, int depth, int64_t position, Value* out) {
    if (absl::Status st = Enter(depth, n); !st.ok()) return st;
    // Fields start null and only the absent ones get their (shared) default
    // afterwards: copying a default and then overwriting it would cost two
    // atomic reference-count updates per present field.
    // The builder's vector for this depth: no allocation per message.
    if (scratch_->by_depth.size() <= static_cast<size_t>(depth)) scratch_->by_depth.resize(depth + 1);
    std::vector<Value>& fields = scratch_->by_depth[static_cast<size_t>(depth)];
    fields.clear();
    fields.resize(type.fields.size());
    uint64_t present = 0, seen = 0;
    std::string index_where;
    absl::Status st = a_.Members(n, [&](const Key& key, const Node& value) -> absl::Status {
      if (absl::Status tst = Tick(value); !tst.ok()) return tst;
      std::string_view name;
      if (!a_.KeyText(key, &name)) {
        return Fail(a_.Where(key), absl::StrCat("a key must be a string, got ", Describe(a_.KeyKind(key))));
      }
      const FieldDesc* f = type.Find(name);
      if (f == nullptr) return Fail(a_.Where(key), UnknownField(type, name));
      const uint64_t bit = uint64_t{1} << f->index;
      if (seen & bit) return Fail(a_.Where(key), absl::StrCat("duplicate key ", Quote(name)));
      seen |= bit;
      if (a_.Kind(value) == NodeKind::kNull) return absl::OkStatus();  // null: unset
      path_.PushField(f->name);
      if (position >= 0 && f->index == kStepIndex) index_where = a_.Where(value);
      absl::Status fst = BuildField(type, *f, value, depth, &fields[f->index]);
      path_.Pop();
      if (!fst.ok()) return fst;
      present |= bit;
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    // The defaults are never freed: borrowed, they cost no atomic
    // reference-count update here, when read, or when the plan is freed.
    const std::vector<Value>& defaults = DefaultFields(type);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!((present >> i) & 1)) fields[i].AssignBorrowed(defaults[i]);
    }
    const uint64_t immortal = ~present;  // FinishStep's index and id are owned or not on the heap
    if (position >= 0) {
      st = FinishStep(static_cast<size_t>(position), fields, present, index_where);
      if (!st.ok()) return st;
    }
    *out = Value::Message(&type, fields.data(), fields.size(), present, immortal);
    return absl::OkStatus();
  }

  absl::Status BuildField(const MessageType& type, const FieldDesc& f, const Node& value, int depth, Value* out) {
    const Schema& schema = Schema::Get();
    switch (f.type.kind()) {
      case TypeKind::kString: return BuildString(value, out);
      case TypeKind::kInt: {
        int64_t i = 0;
        if (absl::Status st = BuildInt(value, &i); !st.ok()) return st;
        if (&type == &schema.network && f.index == kNetworkPort && (i < 0 || i > 65535)) {
          return Fail(a_.Where(value), absl::StrCat("port ", i, " is out of range 0..65535"));
        }
        if (&type == &schema.step && f.index == kStepIndex && i < 0) {
          return Fail(a_.Where(value), absl::StrCat("must not be negative, got ", i));
        }
        *out = Value::Int(i);
        return absl::OkStatus();
      }
      case TypeKind::kBool: {
        bool b = false;
        std::string shown;
        switch (a_.Bool(value, &b, &shown)) {
          case ScalarResult::kOk: *out = Value::Bool(b); return absl::OkStatus();
          case ScalarResult::kWrongType:
            return Fail(a_.Where(value), absl::StrCat("expected a boolean, got ", Describe(a_.Kind(value))));
          default: return Fail(a_.Where(value), absl::StrCat("expected a boolean, got ", shown));
        }
      }
      case TypeKind::kTimestamp:
      case TypeKind::kDuration: {
        const bool duration = f.type.kind() == TypeKind::kDuration;
        TimeRep t;
        if constexpr (A::kTextTimes) {
          std::string_view text;
          NodeKind kind = a_.Kind(value);
          if (kind == NodeKind::kObject || kind == NodeKind::kArray || !a_.Text(value, &text)) {
            return Fail(a_.Where(value), absl::StrCat("expected a ", duration ? "duration" : "timestamp",
                                                      " string, got ", Describe(kind)));
          }
          absl::StatusOr<TimeRep> parsed = duration ? ParseDuration(text) : ParseTimestamp(text);
          if (!parsed.ok()) return Fail(a_.Where(value), SV(parsed.status().message()));
          t = *parsed;
        } else {
          absl::Status st = a_.Time(value, duration, &t);
          if (!st.ok()) return Fail(a_.Where(value), SV(st.message()));
        }
        *out = duration ? Value::Duration(t) : Value::Timestamp(t);
        return absl::OkStatus();
      }
      case TypeKind::kMessage: {
        if (a_.Kind(value) != NodeKind::kObject) {
          return Fail(a_.Where(value), absl::StrCat("expected ", a_.ObjectName(), ", got ", Describe(a_.Kind(value))));
        }
        return BuildMessage(*f.type.message(), value, depth + 1, -1, out);
      }
      case TypeKind::kMap: {
        if (a_.Kind(value) != NodeKind::kObject) {
          return Fail(a_.Where(value), absl::StrCat("expected ", a_.ObjectName(), ", got ", Describe(a_.Kind(value))));
        }
        return BuildDynamic(value, depth + 1, out);
      }
      case TypeKind::kList: return BuildList(type, f, value, depth + 1, out);
      default: return Fail(a_.Where(value), "unsupported field type");  // not in the schema
    }
  }

  absl::Status BuildString(const Node& value, Value* out) {
    std::string_view text;
    NodeKind kind = a_.Kind(value);
    if (kind == NodeKind::kObject || kind == NodeKind::kArray || !a_.Text(value, &text)) {
      return Fail(a_.Where(value), absl::StrCat("expected a string, got ", Describe(kind)));
    }
    if (absl::Status st = CheckString(text, value); !st.ok()) return st;
    *out = Value::CopyString(text);
    return absl::OkStatus();
  }

  absl::Status BuildInt(const Node& value, int64_t* i) {
    std::string shown;
    switch (a_.Int(value, i, &shown)) {
      case ScalarResult::kOk: return absl::OkStatus();
      case ScalarResult::kWrongType:
        return Fail(a_.Where(value), absl::StrCat("expected an integer, got ", Describe(a_.Kind(value))));
      case ScalarResult::kBadValue: return Fail(a_.Where(value), absl::StrCat("expected an integer, got ", shown));
      case ScalarResult::kOutOfRange:
        return Fail(a_.Where(value), absl::StrCat("integer ", shown, " does not fit in int64"));
    }
    return absl::OkStatus();
  }

  absl::Status BuildList(const MessageType& type, const FieldDesc& f, const Node& value, int depth, Value* out) {
    NodeKind kind = a_.Kind(value);
    if (kind != NodeKind::kArray) {
      return Fail(a_.Where(value), absl::StrCat("expected ", a_.ArrayName(), ", got ", Describe(kind)));
    }
    if (absl::Status st = Enter(depth, value); !st.ok()) return st;
    const bool steps = &type == &Schema::Get().plan && f.index == kPlanSteps;
    const size_t size = a_.Size(value);
    if (steps && size > limits_.max_steps) {
      return Fail(a_.Where(value), absl::StrCat(size, " steps, more than the limit of ", limits_.max_steps));
    }
    const Type& elem = f.type.elem();
    return BuildElements(value, [&](size_t i, const Node& e, Value* v) -> absl::Status {
      if (steps && i >= limits_.max_steps) {
        return Fail(a_.Where(value), absl::StrCat("more than the limit of ", limits_.max_steps, " steps"));
      }
      if (elem.kind() == TypeKind::kMessage) {
        NodeKind ek = a_.Kind(e);
        if (ek != NodeKind::kObject) {
          return Fail(a_.Where(e), absl::StrCat("expected ", a_.ObjectName(), ", got ", Describe(ek)));
        }
        return BuildMessage(*elem.message(), e, depth + 1, steps ? static_cast<int64_t>(i) : -1, v);
      }
      if (a_.Kind(e) == NodeKind::kNull) return Fail(a_.Where(e), "expected a string, got null");
      return BuildString(e, v);
    }, out);
  }

  // The elements of array `n`, each made by `build(i, element, &value)` with
  // its index on the path (so errors name `steps[3]`).
  template <typename F>
  absl::Status BuildElements(const Node& n, F build, Value* out) {
    std::vector<Value> elems;
    elems.reserve(a_.Size(n));
    absl::Status st = a_.Elements(n, [&](size_t i, const Node& e) -> absl::Status {
      if (absl::Status tst = Tick(e); !tst.ok()) return tst;
      path_.PushIndex(i);
      Value v;
      absl::Status est = build(i, e, &v);
      path_.Pop();
      if (!est.ok()) return est;
      elems.push_back(std::move(v));
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    *out = Value::List(std::move(elems));
    return absl::OkStatus();
  }

  // Any value of an open map (`args`, `attrs`, `labels`), at `depth` when a container.
  absl::Status BuildDynamic(const Node& n, int depth, Value* out) {
    switch (a_.Kind(n)) {
      case NodeKind::kNull: *out = Value::Null(); return absl::OkStatus();
      case NodeKind::kBool: *out = Value::Bool(a_.BoolValue(n)); return absl::OkStatus();
      case NodeKind::kInt: *out = Value::Int(a_.IntValue(n)); return absl::OkStatus();
      case NodeKind::kDouble: *out = Value::Double(a_.DoubleValue(n)); return absl::OkStatus();
      case NodeKind::kString: {
        std::string_view s = a_.StringValue(n);
        if (absl::Status st = CheckString(s, n); !st.ok()) return st;
        *out = Value::CopyString(s);
        return absl::OkStatus();
      }
      case NodeKind::kArray: {
        if (absl::Status st = Enter(depth, n); !st.ok()) return st;
        return BuildElements(
            n, [&](size_t, const Node& e, Value* v) { return BuildDynamic(e, depth + 1, v); }, out);
      }
      case NodeKind::kObject: {
        if (absl::Status st = Enter(depth, n); !st.ok()) return st;
        std::vector<std::pair<Value, Value>> entries;
        absl::flat_hash_set<std::string_view> keys;
        absl::Status st = a_.Members(n, [&](const Key& key, const Node& value) -> absl::Status {
          if (absl::Status tst = Tick(value); !tst.ok()) return tst;
          std::string_view k;
          if (!a_.KeyText(key, &k)) {
            return Fail(a_.Where(key), absl::StrCat("a key must be a string, got ", Describe(a_.KeyKind(key))));
          }
          if (absl::Status kst = CheckString(k, key); !kst.ok()) return kst;
          if (!keys.insert(k).second) return Fail(a_.Where(key), absl::StrCat("duplicate key ", Quote(k)));
          path_.PushKey(k);
          Value v;
          absl::Status est = BuildDynamic(value, depth + 1, &v);
          path_.Pop();
          if (!est.ok()) return est;
          entries.emplace_back(Value::CopyString(k), std::move(v));
          return absl::OkStatus();
        });
        if (!st.ok()) return st;
        *out = Value::Map(std::move(entries));
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  const A& a_;
  const PlanLimits& limits_;
  const size_t budget_;
  size_t visited_ = 0;
  Path path_;
  ThreadLease<FieldScratch> scratch_;  // a fresh one only if decoders ever nest
};

}  // namespace gavel::plan_internal

#endif  // GAVEL_ENGINE_PLAN_INTERNAL_H_
