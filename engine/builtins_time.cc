// Timestamps and durations: timestamp(), duration(), and the accessors
// getFullYear ... getMilliseconds, as in CEL's standard definitions.
//
// Timestamp accessors take an optional time zone: an IANA name
// ("America/Los_Angeles", "UTC") from the system's tz database, or a fixed
// offset "+05:30" / "-08:00" (the sign may be left out). An unknown zone is
// the error "unknown time zone `X`". Duration accessors give whole units of
// the total, truncated toward zero: duration("90m").getHours() is 1.
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/builtins_impl.h"
#include "engine/operators.h"

namespace gavel::builtins_internal {

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Value BadTimestamp(std::string_view text, absl::string_view why) {
  return Value::Error(absl::StrCat("invalid timestamp `", std::string(text), "`: ", why,
                                   " (want RFC 3339, e.g. 2026-01-02T03:04:05Z)"));
}

// [+-]H[H]:MM, in seconds east of UTC.
std::optional<int> ParseOffset(std::string_view s) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return std::nullopt;
  int h = 0, m = 0;
  if (!Digits(s, 0, colon, &h) || !Digits(s, colon + 1, 2, &m) || h > 23 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

std::optional<absl::TimeZone> LoadZone(std::string_view name) {
  if (name.find(':') != std::string_view::npos) {
    std::optional<int> offset = ParseOffset(name);
    if (!offset.has_value()) return std::nullopt;
    return absl::FixedTimeZone(*offset);
  }
  // Only names that look like tz database entries: no paths, no "localtime"
  // (the machine's own zone would make decisions depend on the host).
  if (name.empty() || name[0] == '/' || name.find("..") != std::string_view::npos || name == "localtime") {
    return std::nullopt;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return std::nullopt;
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(name), &tz)) return std::nullopt;
  return tz;
}

enum class Field { kYear, kMonth, kDayOfYear, kDayOfMonth, kDate, kDayOfWeek, kHours, kMinutes, kSeconds, kMillis };

int64_t TimestampField(const absl::TimeZone::CivilInfo& ci, Field f) {
  const absl::CivilSecond cs = ci.cs;
  const absl::CivilDay day(cs);
  switch (f) {
    case Field::kYear: return cs.year();
    case Field::kMonth: return cs.month() - 1;
    case Field::kDayOfYear: return absl::GetYearDay(day) - 1;
    case Field::kDayOfMonth: return cs.day() - 1;
    case Field::kDate: return cs.day();
    case Field::kDayOfWeek:
      // absl counts from Monday = 0; CEL from Sunday = 0.
      return (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;
    case Field::kHours: return cs.hour();
    case Field::kMinutes: return cs.minute();
    case Field::kSeconds: return cs.second();
    case Field::kMillis: return absl::ToInt64Milliseconds(ci.subsecond);
  }
  return 0;
}

Value Accessor(const char* name, Field f, const Value* args, size_t argc) {
  if (argc >= 1 && argc <= 2 && args[0].is_timestamp() && (argc == 1 || args[1].is_string())) {
    absl::TimeZone tz = absl::UTCTimeZone();
    if (argc == 2) {
      std::optional<absl::TimeZone> z = LoadZone(args[1].str());
      if (!z.has_value()) return Value::Error(absl::StrCat("unknown time zone `", args[1].str(), "`"));
      tz = *z;
    }
    return Value::Int(TimestampField(tz.At(args[0].timestamp()), f));
  }
  if (argc == 1 && args[0].is_duration()) {
    const absl::Duration d = args[0].duration();
    switch (f) {
      case Field::kHours: return Value::Int(absl::ToInt64Hours(d));
      case Field::kMinutes: return Value::Int(absl::ToInt64Minutes(d));
      case Field::kSeconds: return Value::Int(absl::ToInt64Seconds(d));
      case Field::kMillis: return Value::Int(absl::ToInt64Milliseconds(d));
      default: break;
    }
  }
  return NoSuchOverload(name, args, argc);
}

}  // namespace

// ---------------------------------------------------------------------------
// Parsing.

Value ParseTimestampText(std::string_view text) {
  std::string_view s = text;
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) || s[7] != '-' ||
      !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &hour) || s[13] != ':' ||
      !Digits(s, 14, 2, &minute) || s[16] != ':' || !Digits(s, 17, 2, &second)) {
    return BadTimestamp(text, "malformed");
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos + n < s.size() && s[pos + n] >= '0' && s[pos + n] <= '9') ++n;
    if (n == 0 || n > 9) return BadTimestamp(text, "fractional seconds need 1 to 9 digits");
    for (size_t i = 0; i < 9; ++i) nanos = nanos * 10 + (i < n ? s[pos + i] - '0' : 0);
    pos += n;
  }
  int offset = 0;
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    std::optional<int> o = ParseOffset(zone);
    if (!o.has_value()) return BadTimestamp(text, "bad UTC offset");
    offset = *o;
  } else {
    return BadTimestamp(text, "missing or malformed UTC offset (Z or +hh:mm)");
  }
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return BadTimestamp(text, "field out of range");
  }
  const absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.day() != day || cs.month() != month) return BadTimestamp(text, "no such day");
  const int64_t secs = absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone())) - offset;
  return MakeTimestampWide(secs, nanos);
}

Value ParseDurationText(std::string_view text) {
  const Value bad = Value::Error(
      absl::StrCat("invalid duration `", std::string(text), "` (want e.g. \"1h30m\", \"300s\", \"-1.5s\", \"250ms\")"));
  // Go spells microseconds "us", "µs" (U+00B5) or "μs" (U+03BC).
  std::string s = absl::StrReplaceAll(absl::string_view(text.data(), text.size()), {{"\xC2\xB5s", "us"}, {"\xCE\xBCs", "us"}});
  if (s.find("inf") != std::string::npos) return bad;
  absl::Duration d;
  if (!absl::ParseDuration(s, &d)) return bad;
  if (d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) return Value::Error("duration out of range");
  absl::Duration rem = d;
  const int64_t secs = absl::IDivDuration(rem, absl::Seconds(1), &rem);
  const int64_t nanos = absl::IDivDuration(rem, absl::Nanoseconds(1), &rem);
  return MakeDurationWide(secs, nanos);
}

// ---------------------------------------------------------------------------
// timestamp(), duration().

Value FnTimestamp(const Value* args, size_t argc) {
  if (argc == 1) {
    switch (args[0].kind()) {
      case ValueKind::kString: return ParseTimestampText(args[0].str());
      case ValueKind::kTimestamp: return args[0];
      case ValueKind::kInt: return MakeTimestampWide(args[0].int_value(), 0);
      default: break;
    }
  }
  return NoSuchOverload("timestamp", args, argc);
}

Value FnDuration(const Value* args, size_t argc) {
  if (argc == 1) {
    if (args[0].is_string()) return ParseDurationText(args[0].str());
    if (args[0].is_duration()) return args[0];
  }
  return NoSuchOverload("duration", args, argc);
}

// ---------------------------------------------------------------------------
// Accessors.

Value FnGetFullYear(const Value* a, size_t n) { return Accessor("getFullYear", Field::kYear, a, n); }
Value FnGetMonth(const Value* a, size_t n) { return Accessor("getMonth", Field::kMonth, a, n); }
Value FnGetDayOfYear(const Value* a, size_t n) { return Accessor("getDayOfYear", Field::kDayOfYear, a, n); }
Value FnGetDayOfMonth(const Value* a, size_t n) { return Accessor("getDayOfMonth", Field::kDayOfMonth, a, n); }
Value FnGetDate(const Value* a, size_t n) { return Accessor("getDate", Field::kDate, a, n); }
Value FnGetDayOfWeek(const Value* a, size_t n) { return Accessor("getDayOfWeek", Field::kDayOfWeek, a, n); }
Value FnGetHours(const Value* a, size_t n) { return Accessor("getHours", Field::kHours, a, n); }
Value FnGetMinutes(const Value* a, size_t n) { return Accessor("getMinutes", Field::kMinutes, a, n); }
Value FnGetSeconds(const Value* a, size_t n) { return Accessor("getSeconds", Field::kSeconds, a, n); }
Value FnGetMilliseconds(const Value* a, size_t n) { return Accessor("getMilliseconds", Field::kMillis, a, n); }

std::optional<absl::TimeZone> LoadTimeZoneName(std::string_view name) { return LoadZone(name); }

}  // namespace gavel::builtins_internal
