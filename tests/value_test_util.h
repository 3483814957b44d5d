// Shorthands for building runtime values in tests, and a strict comparison
// (same kind, doubles bit-for-bit, errors by message substring).
#ifndef GAVEL_TESTS_VALUE_TEST_UTIL_H_
#define GAVEL_TESTS_VALUE_TEST_UTIL_H_

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "engine/operators.h"
#include "engine/value.h"

namespace gavel::testing {

inline constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
inline constexpr uint64_t kMaxUint = std::numeric_limits<uint64_t>::max();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline Value I(int64_t v) { return Value::Int(v); }
inline Value U(uint64_t v) { return Value::Uint(v); }
inline Value D(double v) { return Value::Double(v); }
inline Value S(std::string s) { return Value::String(std::move(s)); }
inline Value By(std::string s) { return Value::Bytes(std::move(s)); }
inline Value L(std::vector<Value> e) { return Value::List(std::move(e)); }
inline Value M(std::vector<std::pair<Value, Value>> e) { return Value::Map(std::move(e)); }
inline Value Ts(int64_t s, int32_t n = 0) { return Value::Timestamp(TimeRep{s, n}); }
inline Value Du(int64_t s, int32_t n = 0) { return Value::Duration(TimeRep{s, n}); }
inline Value E(std::string msg) { return Value::Error(std::move(msg)); }

// Same kind and value; doubles bit-for-bit (NaN equals NaN here); for an
// expected error, the actual one must be an error containing its message.
inline bool Same(const Value& got, const Value& want) {
  if (want.is_error()) return got.is_error() && got.error_message().find(want.error_message()) != std::string::npos;
  if (got.kind() != want.kind()) return false;
  if (got.is_double()) {
    const double a = got.double_value(), b = want.double_value();
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
  }
  if (got.is_timestamp() || got.is_duration()) {
    return got.time_rep().seconds == want.time_rep().seconds && got.time_rep().nanos == want.time_rep().nanos;
  }
  return ValuesEqual(got, want);
}

}  // namespace gavel::testing

#endif  // GAVEL_TESTS_VALUE_TEST_UTIL_H_
