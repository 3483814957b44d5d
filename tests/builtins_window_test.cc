// Tests for engine/builtins_window: window parsing, Contains (overnight
// ranges, day lists, date ranges, DST gaps and overlaps), and `within` end
// to end, including compile errors for bad literals.
#include "engine/builtins_window.h"

#include <catch2/catch.hpp>

#include <string>

#include "engine/expression.h"

namespace gavel {
namespace {

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err));
  return t;
}

bool In(const char* window, const char* ts, const char* zone) {
  absl::StatusOr<Window> w = ParseWindow(window);
  INFO(window);
  REQUIRE(w.ok());
  absl::StatusOr<absl::TimeZone> tz = ParseTimeZone(zone);
  REQUIRE(tz.ok());
  return w->Contains(At(ts), *tz);
}

TEST_CASE("Window::Contains", "[window]") {
  struct Case {
    const char* window;
    const char* ts;
    const char* zone;
    bool want;
  };
  const Case cases[] = {
      // 2026-11-26 is a Thursday.
      {"Mon-Fri 09:00-17:00", "2026-11-26T09:00:00+01:00", "Europe/Berlin", true},
      {"Mon-Fri 09:00-17:00", "2026-11-26T08:59:59+01:00", "Europe/Berlin", false},
      {"Mon-Fri 09:00-17:00", "2026-11-26T16:59:59.999+01:00", "Europe/Berlin", true},
      {"Mon-Fri 09:00-17:00", "2026-11-26T17:00:00+01:00", "Europe/Berlin", false},
      {"Mon-Fri 09:00-17:00", "2026-11-26T10:00:00Z", "Europe/Berlin", true},   // 11:00 local
      {"Mon-Fri 09:00-17:00", "2026-11-26T16:30:00Z", "Europe/Berlin", false},  // 17:30 local
      {"Mon-Fri 09:00-17:00", "2026-11-28T10:00:00+01:00", "Europe/Berlin", false},  // Saturday
      {"mon-fri 09:00-17:00", "2026-11-27T10:00:00+01:00", "Europe/Berlin", true},   // any case
      {"Sat,Sun 00:00-24:00", "2026-11-29T23:59:59+01:00", "Europe/Berlin", true},
      {"Sat,Sun 00:00-24:00", "2026-11-30T00:00:00+01:00", "Europe/Berlin", false},
      {"Mon,Wed-Thu 10:00-11:00", "2026-11-26T10:30:00Z", "UTC", true},
      {"Mon,Wed-Thu 10:00-11:00", "2026-11-24T10:30:00Z", "UTC", false},  // Tuesday
      {"Fri-Mon 10:00-11:00", "2026-11-29T10:30:00Z", "UTC", true},      // wrapping day range: Sunday
      {"Fri-Mon 10:00-11:00", "2026-11-25T10:30:00Z", "UTC", false},     // Wednesday
      // Overnight ranges belong to the day they start on.
      {"22:00-06:00", "2026-11-26T23:00:00Z", "UTC", true},
      {"22:00-06:00", "2026-11-26T05:59:59Z", "UTC", true},
      {"22:00-06:00", "2026-11-26T06:00:00Z", "UTC", false},
      {"22:00-06:00", "2026-11-26T21:59:59Z", "UTC", false},
      {"Fri 22:00-06:00", "2026-11-28T05:00:00Z", "UTC", true},   // Saturday morning
      {"Fri 22:00-06:00", "2026-11-27T05:00:00Z", "UTC", false},  // Friday morning
      {"Fri 22:00-06:00", "2026-11-27T22:00:00Z", "UTC", true},
      // Several ranges.
      {"Mon-Fri 09:00-12:00, Mon-Fri 13:00-17:00", "2026-11-26T12:30:00Z", "UTC", false},
      {"Mon-Fri 09:00-12:00, Mon-Fri 13:00-17:00", "2026-11-26T13:30:00Z", "UTC", true},
      {"Mon-Fri 09:00-12:00,13:00-14:00", "2026-11-28T13:30:00Z", "UTC", true},
      // Date ranges: inclusive, local days.
      {"2026-12-20..2027-01-05", "2026-12-20T00:00:00+01:00", "Europe/Berlin", true},
      {"2026-12-20..2027-01-05", "2027-01-05T23:59:59+01:00", "Europe/Berlin", true},
      {"2026-12-20..2027-01-05", "2027-01-06T00:00:00+01:00", "Europe/Berlin", false},
      {"2026-12-20..2027-01-05", "2026-12-19T23:30:00Z", "Europe/Berlin", true},  // 00:30 local on the 20th
      {"2026-12-20..2027-01-05", "2026-12-19T23:30:00Z", "UTC", false},
      {"2026-12-25", "2026-12-25T12:00:00Z", "UTC", true},
      {"2026-12-25, Sat 10:00-11:00", "2026-11-28T10:00:00Z", "UTC", true},
      // Fixed offsets.
      {"09:00-17:00", "2026-11-26T04:00:00Z", "+05:30", true},  // 09:30 local
      {"09:00-17:00", "2026-11-26T03:00:00Z", "+05:30", false},
  };
  for (const Case& c : cases) {
    INFO(c.window << " at " << c.ts << " in " << c.zone);
    CHECK(In(c.window, c.ts, c.zone) == c.want);
  }
}

// Europe/Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST (a gap);
// 2026-10-25 03:00 CEST falls back to 02:00 CET (an overlap).
TEST_CASE("Window::Contains on DST days uses the instant's wall-clock time", "[window][dst]") {
  // The gap: 00:59:59Z is 01:59:59 CET, 01:00:00Z is 03:00:00 CEST.
  CHECK(In("01:00-02:00", "2026-03-29T00:59:59Z", "Europe/Berlin"));
  CHECK_FALSE(In("02:00-03:00", "2026-03-29T00:59:59Z", "Europe/Berlin"));
  CHECK_FALSE(In("02:00-03:00", "2026-03-29T01:00:00Z", "Europe/Berlin"));  // 03:00 CEST
  CHECK(In("03:00-04:00", "2026-03-29T01:00:00Z", "Europe/Berlin"));
  // Scan the whole day at one-minute steps: 02:00-03:00 never holds, and
  // 01:00-04:00 holds for two real hours.
  {
    absl::StatusOr<Window> none = ParseWindow("02:00-03:00");
    absl::StatusOr<Window> wide = ParseWindow("01:00-04:00");
    REQUIRE(none.ok());
    REQUIRE(wide.ok());
    absl::TimeZone tz = *ParseTimeZone("Europe/Berlin");
    int none_minutes = 0, wide_minutes = 0;
    for (absl::Time t = At("2026-03-28T22:00:00Z"); t < At("2026-03-29T23:00:00Z"); t += absl::Minutes(1)) {
      none_minutes += none->Contains(t, tz) ? 1 : 0;
      wide_minutes += wide->Contains(t, tz) ? 1 : 0;
    }
    CHECK(none_minutes == 0);
    CHECK(wide_minutes == 120);
  }
  // The overlap: 02:30 local happens at 00:30Z (CEST) and at 01:30Z (CET).
  CHECK(In("02:00-03:00", "2026-10-25T00:30:00Z", "Europe/Berlin"));
  CHECK(In("02:00-03:00", "2026-10-25T01:30:00Z", "Europe/Berlin"));
  CHECK_FALSE(In("02:00-03:00", "2026-10-25T02:00:00Z", "Europe/Berlin"));  // 03:00 CET
  {
    absl::StatusOr<Window> w = ParseWindow("02:00-03:00");
    REQUIRE(w.ok());
    absl::TimeZone tz = *ParseTimeZone("Europe/Berlin");
    int minutes = 0;
    for (absl::Time t = At("2026-10-24T22:00:00Z"); t < At("2026-10-25T23:00:00Z"); t += absl::Minutes(1)) {
      minutes += w->Contains(t, tz) ? 1 : 0;
    }
    CHECK(minutes == 120);
  }
  // The day of the week is the local one across the change.
  CHECK(In("Sun 00:00-24:00", "2026-03-28T23:30:00Z", "Europe/Berlin"));
  CHECK_FALSE(In("Sun 00:00-24:00", "2026-03-28T22:30:00Z", "Europe/Berlin"));
}

TEST_CASE("ParseWindow errors", "[window]") {
  struct Case {
    const char* window;
    const char* want;  // part of the message
  };
  const Case cases[] = {
      {"", "empty window"},
      {"   ", "empty window"},
      {"Mon-Fry 09:00-17:00", "unknown day `Fry`"},
      {"Monday 09:00-17:00", "unknown day `Monday`"},
      {"Mon-Fri", "want a space and a time range after the days"},
      {"Mon-Fri 9:00-17:00", "want a time HH:MM"},
      {"09:00-17:60", "invalid time `17:60`"},
      {"25:00-26:00", "invalid time `25:00`"},
      {"24:00-06:00", "24:00 can only end a range"},
      {"24:30", "invalid time `24:30`"},
      {"09:00", "want `-`"},
      {"09:00-09:00", "different start and end"},
      {"09:00-17:00,", "trailing `,`"},
      {"09:00-17:00 x", "unexpected `x`"},
      {"2027-01-05..2026-12-20", "ends before it starts"},
      {"2026-02-30", "no such date `2026-02-30`"},
      {"2026-12-20..", "want a date YYYY-MM-DD"},
      {"2026-1-20", "want a date YYYY-MM-DD"},
      {"09:000-10:00", "want a time HH:MM"},
  };
  for (const Case& c : cases) {
    INFO(c.window);
    absl::StatusOr<Window> w = ParseWindow(c.window);
    REQUIRE_FALSE(w.ok());
    CHECK_THAT(std::string(w.status().message()), Catch::Contains(c.want));
    CHECK_THAT(std::string(w.status().message()), Catch::StartsWith(std::string("invalid window `") + c.window + "`"));
  }
}

TEST_CASE("ParseTimeZone", "[window]") {
  CHECK(ParseTimeZone("Europe/Berlin").ok());
  CHECK(ParseTimeZone("UTC").ok());
  CHECK(ParseTimeZone("-08:00").ok());
  for (const char* bad : {"Europe/Berln", "", "localtime", "/etc/localtime", "../x", "+25:00"}) {
    INFO(bad);
    absl::StatusOr<absl::TimeZone> tz = ParseTimeZone(bad);
    REQUIRE_FALSE(tz.ok());
    CHECK(std::string(tz.status().message()) == std::string("unknown time zone `") + bad + "`");
  }
}

TEST_CASE("within end to end", "[window]") {
  auto eval = [](const char* text) { return EvaluateExpression(text); };
  auto r = eval(R"(timestamp("2026-11-26T10:00:00Z").within("Mon-Fri 09:00-17:00", "Europe/Berlin"))");
  REQUIRE(r.ok());
  CHECK(r->is_true());
  r = eval(R"(timestamp("2026-11-28T10:00:00Z").within("Mon-Fri 09:00-17:00", "Europe/Berlin"))");
  REQUIRE(r.ok());
  CHECK(r->is_false());
  // Literals that do not parse are compile errors.
  r = eval(R"(timestamp("2026-11-26T10:00:00Z").within("Mon-Fry 09:00-17:00", "UTC"))");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("invalid window `Mon-Fry 09:00-17:00`"));
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("invalid_literal"));
  r = eval(R"(timestamp("2026-11-26T10:00:00Z").within("09:00-17:00", "Mars/Olympus"))");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("unknown time zone `Mars/Olympus`"));
  // Values computed at run time are runtime errors.
  r = eval(R"(timestamp("2026-11-26T10:00:00Z").within("09:00-" + "25:00", "UTC"))");
  REQUIRE(r.ok());
  REQUIRE(r->is_error());
  CHECK_THAT(r->error_message(), Catch::Contains("invalid time `25:00`"));
  r = eval(R"(timestamp("2026-11-26T10:00:00Z").within("09:00-17:00", "Mars/" + "Olympus"))");
  REQUIRE(r.ok());
  REQUIRE(r->is_error());
  CHECK(r->error_message() == "unknown time zone `Mars/Olympus`");
}

}  // namespace
}  // namespace gavel
