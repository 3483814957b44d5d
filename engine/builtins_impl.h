// Internal to the built-in library (operators.cc, builtins*.cc): the
// implementations the table in builtins.cc points at, and the text helpers
// they share (CEL's string() of doubles, timestamps and durations; parsing
// of RFC 3339 timestamps and Go-style durations; UTF-8 walking).
#ifndef GAVEL_ENGINE_BUILTINS_IMPL_H_
#define GAVEL_ENGINE_BUILTINS_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "engine/value.h"

namespace gavel::builtins_internal {

// ---------------------------------------------------------------------------
// Text helpers (operators.cc).

// CEL's string(double), as cel-go prints it (Go's %g with the shortest
// round-trip digits): 1.5, 100, 1e+06, 1.234567e+06, 0.0001, 1e-05, NaN, +Inf.
std::string FormatDouble(double d);
// RFC 3339 in UTC with as many fractional digits as needed:
// 2009-02-13T23:31:30Z, 1970-01-01T00:00:00.123Z.
std::string FormatTimestamp(TimeRep t);
// Seconds with as many fractional digits as needed: 300s, 1.5s, -0.000000001s.
std::string FormatDuration(TimeRep d);

// Timestamps: seconds (any int64) and nanos normalized, then range-checked.
Value MakeTimestampWide(int64_t seconds, int64_t nanos);
Value MakeDurationWide(int64_t seconds, int64_t nanos);

// ---------------------------------------------------------------------------
// UTF-8 (builtins_strings.cc).

// The length in bytes of the code point starting at s[i] (1 for a byte that
// does not start a valid sequence, so invalid text still advances).
size_t Utf8CharLen(std::string_view s, size_t i);
// The number of code points.
int64_t Utf8Length(std::string_view s);
// Whether s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// ---------------------------------------------------------------------------
// Time text (builtins_time.cc).

// RFC 3339: `2009-02-13T23:31:30Z`, `...30.123456789+05:30`; the range is
// checked. An error value if malformed.
Value ParseTimestampText(std::string_view text);
// Go durations: `300s`, `1h30m`, `-1.5s`, `250ms`, `1us`, `0`. An error
// value if malformed or out of range.
Value ParseDurationText(std::string_view text);
// A time zone as the accessors take it: an IANA name from the tz database
// ("Europe/Berlin", "UTC"; no paths, no "localtime") or a fixed offset
// "+05:30". nullopt if unknown (builtins_window.cc uses it too).
std::optional<absl::TimeZone> LoadTimeZoneName(std::string_view name);

// ---------------------------------------------------------------------------
// Implementations (argc and kinds are checked inside; NoSuchOverload else).

// builtins.cc
Value FnSize(const Value* args, size_t argc);

// builtins_strings.cc
Value FnContains(const Value* args, size_t argc);
Value FnStartsWith(const Value* args, size_t argc);
Value FnEndsWith(const Value* args, size_t argc);
Value FnMatches(const Value* args, size_t argc);
Value FnCharAt(const Value* args, size_t argc);
Value FnIndexOf(const Value* args, size_t argc);
Value FnLastIndexOf(const Value* args, size_t argc);
Value FnLowerAscii(const Value* args, size_t argc);
Value FnUpperAscii(const Value* args, size_t argc);
Value FnReplace(const Value* args, size_t argc);
Value FnSplit(const Value* args, size_t argc);
Value FnSubstring(const Value* args, size_t argc);
Value FnTrim(const Value* args, size_t argc);
Value FnJoin(const Value* args, size_t argc);
Value FnFormat(const Value* args, size_t argc);  // builtins_format.cc
Value FnQuote(const Value* args, size_t argc);

// builtins_conversions.cc
Value FnInt(const Value* args, size_t argc);
Value FnUint(const Value* args, size_t argc);
Value FnDouble(const Value* args, size_t argc);
Value FnString(const Value* args, size_t argc);
Value FnBytes(const Value* args, size_t argc);
Value FnBool(const Value* args, size_t argc);
Value FnDyn(const Value* args, size_t argc);
Value FnType(const Value* args, size_t argc);

// builtins_time.cc
Value FnTimestamp(const Value* args, size_t argc);
Value FnDuration(const Value* args, size_t argc);
Value FnGetFullYear(const Value* args, size_t argc);
Value FnGetMonth(const Value* args, size_t argc);
Value FnGetDayOfYear(const Value* args, size_t argc);
Value FnGetDayOfMonth(const Value* args, size_t argc);
Value FnGetDate(const Value* args, size_t argc);
Value FnGetDayOfWeek(const Value* args, size_t argc);
Value FnGetHours(const Value* args, size_t argc);
Value FnGetMinutes(const Value* args, size_t argc);
Value FnGetSeconds(const Value* args, size_t argc);
Value FnGetMilliseconds(const Value* args, size_t argc);

}  // namespace gavel::builtins_internal

#endif  // GAVEL_ENGINE_BUILTINS_IMPL_H_
