// Runtime values of the VM: CEL's values plus plan messages.
//
// A Value is 24 bytes: a kind and either an inline scalar (bool, int, uint,
// double, timestamp, duration) or a pointer to an immutable, reference-counted
// heap object (string, bytes, list, map, message, type, error). Heap objects
// never change after construction, so values built into a compiled policy
// (constants) are shared by every thread that evaluates it.
//
// Errors are values: an operation on an error yields that error, and the
// logical operators absorb them as CEL says (`false && error` is false).
//
// A borrowed Value points at a heap object without holding a reference:
// the VM borrows the compiled policy's constants and the plan's values,
// which outlive the evaluation, so that copying them on the value stack
// costs no atomic operations (and two threads sharing a policy do not
// fight over its reference counts). Copies of a borrowed value are
// borrowed; heap objects never hold borrowed values (the List, Map and
// Message factories and Own() take references), so only the VM's stack,
// frames and lets do, and a value that leaves an evaluation is Own()ed.
// Two exceptions, each keeping alive what it borrows: a message's
// `immortal` fields (objects never freed) and a list with an `owner`
// (ListData: elements borrowed from a value the list holds a reference to).
#ifndef GAVEL_ENGINE_VALUE_H_
#define GAVEL_ENGINE_VALUE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "engine/heap_cache.h"

namespace gavel {

struct MessageType;

enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kList,
  kMap,
  kTimestamp,
  kDuration,
  kType,     // a type value: its name is the payload (`int`, `list`, `gavel.v1.Step`)
  kMessage,  // a plan message (Plan, Step, ...)
  kError,
};

const char* KindName(ValueKind kind);  // "int", "string", "list", ...

class Value;

// Heap objects live in blocks of the per-thread cache (heap_cache.h).
struct HeapObject {
  mutable std::atomic<int32_t> refs{1};
  virtual ~HeapObject() = default;
  static void* operator new(size_t bytes) { return HeapCacheAllocate(bytes); }
  static void operator delete(void* p, size_t bytes) { HeapCacheFree(p, bytes); }
};

struct StringData final : HeapObject {  // strings (UTF-8), bytes, type names, errors
  explicit StringData(std::string s) : value(std::move(s)) {}
  explicit StringData(std::string_view s) : value(s) {}
  std::string value;
};

struct ListData;
struct MapData;
struct MessageData;

// Seconds and nanoseconds, as google.protobuf.Timestamp/Duration: covers
// CEL's full range (years 1 to 9999, durations of +-10000 years).
struct TimeRep {
  int64_t seconds = 0;
  int32_t nanos = 0;  // for durations, same sign as seconds
};

class Value {
 public:
  Value() : kind_(ValueKind::kNull) { u_.i = 0; }
  ~Value() { Release(); }
  Value(const Value& o) : kind_(o.kind_), owned_(o.owned_) {
    CopyPayload(o);
    Retain();
  }
  Value(Value&& o) noexcept : kind_(o.kind_), owned_(o.owned_) {
    CopyPayload(o);
    o.kind_ = ValueKind::kNull;
    o.owned_ = false;
  }
  Value& operator=(const Value& o) {
    if (this != &o) {
      o.Retain();
      Release();
      kind_ = o.kind_;
      owned_ = o.owned_;
      CopyPayload(o);
    }
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      Release();
      kind_ = o.kind_;
      owned_ = o.owned_;
      CopyPayload(o);
      o.kind_ = ValueKind::kNull;
      o.owned_ = false;
    }
    return *this;
  }

  // A borrowed copy of `v` (see the top of the file): valid while the value
  // it was copied from lives.
  static Value Borrow(const Value& v) {
    Value b;
    b.kind_ = v.kind_;
    b.CopyPayload(v);
    return b;
  }
  // `*this = Value()` in place (no temporary: see below).
  void Clear() {
    Release();
    kind_ = ValueKind::kNull;
    owned_ = false;
  }
  // `*this = Borrow(v)` and `*this = borrow ? Borrow(v) : v`, in place:
  // the VM's hottest assignments, without a temporary Value (whose partial
  // writes and full reads stall store forwarding). `v` must not be *this.
  void AssignBorrowed(const Value& v) {
    Release();
    kind_ = v.kind_;
    owned_ = false;
    CopyPayload(v);
  }
  void AssignFrom(const Value& v, bool borrow) {
    if (borrow) {
      AssignBorrowed(v);
    } else {
      *this = v;
    }
  }
  // `*this = Int(i)` in place (loop counters).
  void SetInt(int64_t i) {
    Release();
    kind_ = ValueKind::kInt;
    owned_ = false;
    u_.i = i;
  }
  // Turns a borrowed value into one that holds its reference.
  void Own() {
    if (on_heap() && !owned_) {
      owned_ = true;
      u_.p->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  bool borrowed() const { return on_heap() && !owned_; }
  // Whether both are the same heap object (not just equal values).
  bool SameObject(const Value& o) const { return on_heap() && kind_ == o.kind_ && u_.p == o.u_.p; }
  // Whether this value holds the only reference to its heap object, so that
  // the VM may change the object in place (accumulators).
  bool unique() const { return owned_ && u_.p->refs.load(std::memory_order_acquire) == 1; }

  // Factories.
  static Value Null() { return Value(); }
  static Value Bool(bool b) { Value v(ValueKind::kBool); v.u_.i = b; return v; }
  static Value Int(int64_t i) { Value v(ValueKind::kInt); v.u_.i = i; return v; }
  static Value Uint(uint64_t u) { Value v(ValueKind::kUint); v.u_.u = u; return v; }
  static Value Double(double d) { Value v(ValueKind::kDouble); v.u_.d = d; return v; }
  static Value String(std::string s);
  // String(std::string(s)) without the temporary: the bytes are copied once.
  static Value CopyString(std::string_view s);
  static Value Bytes(std::string s);
  static Value TypeValue(std::string name);
  static Value Error(std::string message);
  static Value List(std::vector<Value> elems);
  // Entries must have distinct keys (see MapData::Make for the checked form).
  static Value Map(std::vector<std::pair<Value, Value>> entries);
  static Value Message(const MessageType* type, std::vector<Value> fields, uint64_t present);
  // The same, taking (moving) the values of fields[0..n). A field whose bit
  // is set in `immortal` holds a borrowed value of an object never freed
  // (the schema's defaults, plan_internal.h) and stays borrowed: no
  // reference-count update when the message is made, copied from or freed.
  static Value Message(const MessageType* type, Value* fields, size_t n, uint64_t present, uint64_t immortal = 0);
  // Timestamps and durations must be in CEL's range; the factories that
  // check it live in operators.h (MakeTimestamp, MakeDuration).
  static Value Timestamp(TimeRep t) { Value v(ValueKind::kTimestamp); v.u_.t = t; return v; }
  static Value Duration(TimeRep d) { Value v(ValueKind::kDuration); v.u_.t = d; return v; }
  static Value Timestamp(absl::Time t);
  static Value Duration(absl::Duration d);

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind_ == ValueKind::kNull; }
  bool is_bool() const { return kind_ == ValueKind::kBool; }
  bool is_int() const { return kind_ == ValueKind::kInt; }
  bool is_uint() const { return kind_ == ValueKind::kUint; }
  bool is_double() const { return kind_ == ValueKind::kDouble; }
  bool is_string() const { return kind_ == ValueKind::kString; }
  bool is_bytes() const { return kind_ == ValueKind::kBytes; }
  bool is_list() const { return kind_ == ValueKind::kList; }
  bool is_map() const { return kind_ == ValueKind::kMap; }
  bool is_timestamp() const { return kind_ == ValueKind::kTimestamp; }
  bool is_duration() const { return kind_ == ValueKind::kDuration; }
  bool is_type() const { return kind_ == ValueKind::kType; }
  bool is_message() const { return kind_ == ValueKind::kMessage; }
  bool is_error() const { return kind_ == ValueKind::kError; }
  bool is_true() const { return kind_ == ValueKind::kBool && u_.i != 0; }
  bool is_false() const { return kind_ == ValueKind::kBool && u_.i == 0; }

  bool bool_value() const { return u_.i != 0; }
  int64_t int_value() const { return u_.i; }
  uint64_t uint_value() const { return u_.u; }
  double double_value() const { return u_.d; }
  // String, bytes, type name or error message.
  const std::string& str() const { return static_cast<const StringData*>(u_.p)->value; }
  const std::string& error_message() const { return str(); }
  const ListData& list() const;
  const MapData& map() const;
  const MessageData& message() const;
  TimeRep time_rep() const { return u_.t; }
  absl::Time timestamp() const;
  absl::Duration duration() const;

  // A short rendering for messages and debugging: `"a"`, `[1, 2]`, `{"k": 1}`.
  std::string DebugString() const;

 private:
  explicit Value(ValueKind k) : kind_(k) { u_.i = 0; }
  static Value FromHeap(ValueKind k, HeapObject* p) {
    Value v(k);
    v.u_.p = p;
    v.owned_ = true;
    return v;
  }
  bool on_heap() const { return kind_ >= ValueKind::kString && kind_ != ValueKind::kTimestamp && kind_ != ValueKind::kDuration; }
  void Retain() const {
    if (owned_) u_.p->refs.fetch_add(1, std::memory_order_relaxed);
  }
  // The last reference (most of a plan's values when it is freed) is seen
  // with a load and skips the atomic read-modify-write: no other thread
  // can take a reference from one it does not hold (as libstdc++'s
  // shared_ptr does).
  void Release() {
    if (owned_ && (u_.p->refs.load(std::memory_order_acquire) == 1 ||
                   u_.p->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)) {
      Delete(kind_, u_.p);
    }
  }

  ValueKind kind_;
  // Holds a reference to u_.p (an on_heap() value that is not borrowed):
  // the one flag copies and releases test.
  bool owned_ = false;
  static void Delete(ValueKind k, HeapObject* p);  // out of line: keeps copies small
  // Copies what `o` holds: 8 bytes, 16 only for a time. A value is often
  // copied right after it was built, and a 16-byte load of a payload just
  // written with 8 bytes waits for the store (no store forwarding).
  void CopyPayload(const Value& o) {
    if (o.kind_ == ValueKind::kTimestamp || o.kind_ == ValueKind::kDuration) {
      u_.t = o.u_.t;
    } else {
      u_.i = o.u_.i;
    }
  }

  union Payload {
    Payload() : i(0) {}
    // Bools are stored as i (0 or 1): every kind but times is 8 bytes.
    int64_t i;
    uint64_t u;
    double d;
    TimeRep t;
    HeapObject* p;
  } u_;
};

struct ListData final : HeapObject {
  explicit ListData(std::vector<Value> e) : elems(std::move(e)) {
    for (Value& v : elems) v.Own();
  }
  std::vector<Value> elems;
  // Null, or a value the list holds a reference to whose (transitive)
  // contents include every element that `elems` holds borrowed: the plan
  // functions' step lists (`step.before()`, `step.upstream()`...) keep the
  // plan's root instead of one reference per step (EvalScope::NewStepList).
  Value owner;
};

struct MapData final : HeapObject {
  explicit MapData(std::vector<std::pair<Value, Value>> e) : entries(std::move(e)) {
    for (auto& [k, v] : entries) {
      k.Own();
      v.Own();
    }
  }
  // Keys are null, bool, int, uint or string; numeric keys compare across
  // int and uint (and doubles with integral values), as CEL says.
  const Value* Find(const Value& key) const;
  const Value* FindString(std::string_view key) const;
  std::vector<std::pair<Value, Value>> entries;  // in insertion order
};

// A message's fields, stored right after the MessageData that holds them:
// one allocation per message, and a field read is one load from the
// message's own memory instead of two (its vector's buffer, then the value).
class MessageFields {
 public:
  size_t size() const { return size_; }
  const Value& operator[](size_t i) const { return data()[i]; }
  const Value* begin() const { return data(); }
  const Value* end() const { return data() + size_; }
  std::vector<Value> ToVector() const { return std::vector<Value>(begin(), end()); }

 private:
  friend struct MessageData;
  explicit MessageFields(size_t n) : size_(n) {}
  // The member is the last of MessageData, which has no tail padding
  // (checked when one is made): the values start right past it.
  const Value* data() const { return reinterpret_cast<const Value*>(this + 1); }
  Value* data() { return reinterpret_cast<Value*>(this + 1); }
  uint64_t size_;
};

struct MessageData final : HeapObject {
  // Takes the values of fields[0..n) (by FieldDesc::index; defaults where
  // unset); see Value::Message for `immortal`.
  static MessageData* Make(const MessageType* t, Value* fields, size_t n, uint64_t present, uint64_t immortal = 0);
  // Destroys `m` and frees what Make allocated (its size is known only
  // before the destructor runs; Value::Delete calls this for messages).
  static void Destroy(MessageData* m);
  ~MessageData() override;
  // Only for the deleting destructor, which nothing calls (see Destroy):
  // the block is an ordinary heap block whatever its size (heap_cache.h).
  static void operator delete(void* p) { ::operator delete(p); }

  const MessageType* type;
  uint64_t present;  // bit i: field i was set in the plan (for has())
  bool has(int index) const { return (present >> index) & 1; }
  MessageFields fields;  // last: the values follow it

 private:
  MessageData(const MessageType* t, uint64_t p, size_t n) : type(t), present(p), fields(n) {}
};

inline const ListData& Value::list() const { return *static_cast<const ListData*>(u_.p); }
inline const MapData& Value::map() const { return *static_cast<const MapData*>(u_.p); }
inline const MessageData& Value::message() const { return *static_cast<const MessageData*>(u_.p); }

}  // namespace gavel

#endif  // GAVEL_ENGINE_VALUE_H_
