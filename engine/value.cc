// Value factories, map lookup and debug rendering.
#include "engine/value.h"

#include <cmath>
#include <cstdlib>
#include <new>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/schema.h"

namespace gavel {

const char* KindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull: return "null_type";
    case ValueKind::kBool: return "bool";
    case ValueKind::kInt: return "int";
    case ValueKind::kUint: return "uint";
    case ValueKind::kDouble: return "double";
    case ValueKind::kString: return "string";
    case ValueKind::kBytes: return "bytes";
    case ValueKind::kList: return "list";
    case ValueKind::kMap: return "map";
    case ValueKind::kTimestamp: return "google.protobuf.Timestamp";
    case ValueKind::kDuration: return "google.protobuf.Duration";
    case ValueKind::kType: return "type";
    case ValueKind::kMessage: return "message";
    case ValueKind::kError: return "error";
  }
  return "?";
}

void Value::Delete(ValueKind k, HeapObject* p) {
  if (k == ValueKind::kMessage) {
    MessageData::Destroy(static_cast<MessageData*>(p));
  } else {
    delete p;
  }
}

Value Value::String(std::string s) { return FromHeap(ValueKind::kString, new StringData(std::move(s))); }
Value Value::CopyString(std::string_view s) { return FromHeap(ValueKind::kString, new StringData(s)); }
Value Value::Bytes(std::string s) { return FromHeap(ValueKind::kBytes, new StringData(std::move(s))); }
Value Value::TypeValue(std::string name) { return FromHeap(ValueKind::kType, new StringData(std::move(name))); }
Value Value::Error(std::string message) { return FromHeap(ValueKind::kError, new StringData(std::move(message))); }
Value Value::List(std::vector<Value> elems) { return FromHeap(ValueKind::kList, new ListData(std::move(elems))); }
Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  return FromHeap(ValueKind::kMap, new MapData(std::move(entries)));
}
Value Value::Message(const MessageType* type, std::vector<Value> fields, uint64_t present) {
  return Message(type, fields.data(), fields.size(), present);
}
Value Value::Message(const MessageType* type, Value* fields, size_t n, uint64_t present, uint64_t immortal) {
  return FromHeap(ValueKind::kMessage, MessageData::Make(type, fields, n, present, immortal));
}

MessageData* MessageData::Make(const MessageType* t, Value* fields, size_t n, uint64_t present, uint64_t immortal) {
  void* memory = HeapCacheAllocate(sizeof(MessageData) + n * sizeof(Value));
  MessageData* m = ::new (memory) MessageData(t, present, n);
  // MessageFields::data() finds the values right past the object.
  if (reinterpret_cast<char*>(m->fields.data()) != reinterpret_cast<char*>(m) + sizeof(MessageData)) std::abort();
  Value* out = m->fields.data();
  for (size_t i = 0; i < n; ++i) {
    new (out + i) Value(std::move(fields[i]));
    if (!((immortal >> i) & 1)) out[i].Own();
  }
  return m;
}

void MessageData::Destroy(MessageData* m) {
  const size_t bytes = sizeof(MessageData) + m->fields.size() * sizeof(Value);
  m->~MessageData();
  HeapCacheFree(m, bytes);
}

MessageData::~MessageData() {
  Value* v = fields.data();
  for (size_t i = 0; i < fields.size(); ++i) v[i].~Value();
}

Value Value::Timestamp(absl::Time t) {
  absl::Duration since = t - absl::UnixEpoch();
  int64_t secs = absl::IDivDuration(since, absl::Seconds(1), &since);
  int64_t nanos = absl::IDivDuration(since, absl::Nanoseconds(1), &since);
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  return Timestamp(TimeRep{secs, static_cast<int32_t>(nanos)});
}

Value Value::Duration(absl::Duration d) {
  absl::Duration rem = d;
  int64_t secs = absl::IDivDuration(rem, absl::Seconds(1), &rem);
  int64_t nanos = absl::IDivDuration(rem, absl::Nanoseconds(1), &rem);
  return Duration(TimeRep{secs, static_cast<int32_t>(nanos)});
}

absl::Time Value::timestamp() const {
  return absl::FromUnixSeconds(u_.t.seconds) + absl::Nanoseconds(u_.t.nanos);
}

absl::Duration Value::duration() const {
  return absl::Seconds(u_.t.seconds) + absl::Nanoseconds(u_.t.nanos);
}

namespace {

// Map keys compare by value across int and uint (and integral doubles).
bool KeyEquals(const Value& a, const Value& b) {
  auto numeric = [](const Value& v, long double* out) {
    switch (v.kind()) {
      case ValueKind::kInt: *out = static_cast<long double>(v.int_value()); return true;
      case ValueKind::kUint: *out = static_cast<long double>(v.uint_value()); return true;
      case ValueKind::kDouble: *out = v.double_value(); return true;
      default: return false;
    }
  };
  long double x, y;
  if (numeric(a, &x) && numeric(b, &y)) {
    if (a.kind() == b.kind() && a.kind() == ValueKind::kInt) return a.int_value() == b.int_value();
    if (a.kind() == b.kind() && a.kind() == ValueKind::kUint) return a.uint_value() == b.uint_value();
    return x == y;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kNull: return true;
    case ValueKind::kBool: return a.bool_value() == b.bool_value();
    case ValueKind::kString: return a.str() == b.str();
    default: return false;
  }
}

}  // namespace

const Value* MapData::Find(const Value& key) const {
  if (key.is_string()) return FindString(key.str());
  for (const auto& [k, v] : entries) {
    if (KeyEquals(k, key)) return &v;
  }
  return nullptr;
}

const Value* MapData::FindString(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

std::string Value::DebugString() const {
  switch (kind_) {
    case ValueKind::kNull: return "null";
    case ValueKind::kBool: return bool_value() ? "true" : "false";
    case ValueKind::kInt: return absl::StrCat(u_.i);
    case ValueKind::kUint: return absl::StrCat(u_.u, "u");
    case ValueKind::kDouble: {
      if (std::isnan(u_.d)) return "NaN";
      if (std::isinf(u_.d)) return u_.d > 0 ? "+infinity" : "-infinity";
      std::string s = absl::StrCat(u_.d);
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    case ValueKind::kString: return absl::StrCat("\"", absl::CEscape(str()), "\"");
    case ValueKind::kBytes: return absl::StrCat("b\"", absl::CHexEscape(str()), "\"");
    case ValueKind::kList: {
      std::vector<std::string> parts;
      for (const auto& e : list().elems) parts.push_back(e.DebugString());
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
    case ValueKind::kMap: {
      std::vector<std::string> parts;
      for (const auto& [k, v] : map().entries) parts.push_back(absl::StrCat(k.DebugString(), ": ", v.DebugString()));
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    }
    case ValueKind::kTimestamp:
      return absl::StrCat("timestamp(\"", absl::FormatTime(absl::RFC3339_full, timestamp(), absl::UTCTimeZone()), "\")");
    case ValueKind::kDuration: return absl::StrCat("duration(\"", absl::FormatDuration(duration()), "\")");
    case ValueKind::kType: return str();
    case ValueKind::kMessage: {
      const MessageData& m = message();
      std::vector<std::string> parts;
      for (size_t i = 0; i < m.fields.size(); ++i) {
        if (m.has(static_cast<int>(i))) parts.push_back(absl::StrCat(m.type->fields[i].name, ": ", m.fields[i].DebugString()));
      }
      return absl::StrCat(m.type->full_name, "{", absl::StrJoin(parts, ", "), "}");
    }
    case ValueKind::kError: return absl::StrCat("error(", str(), ")");
  }
  return "?";
}

}  // namespace gavel
