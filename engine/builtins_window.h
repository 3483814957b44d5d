// Time windows: `ts.within(window, zone)`, and the parser and matcher behind
// it, exposed for unit tests and for the checker (a constant window or zone
// that does not parse is a compile error). The syntax and the DST rules are
// documented at the top of builtins_window.cc and in docs/language.md.
#ifndef GAVEL_ENGINE_BUILTINS_WINDOW_H_
#define GAVEL_ENGINE_BUILTINS_WINDOW_H_

#include <bitset>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/builtins.h"

namespace gavel {

// Appends the `within` entry to the built-in table.
void AddWindowBuiltins(std::vector<Builtin>* table);

// One range of a window: either a daily time range on some days of the week
// or an inclusive range of local dates.
struct WindowRange {
  bool is_dates = false;
  // Time ranges: days[d] for d = 0 (Monday) .. 6 (Sunday); all set when the
  // range names no days. [start, end) in minutes since local midnight,
  // 0 <= start < 1440, 0 < end <= 1440, start != end; start > end crosses
  // midnight and then belongs to the day it starts on.
  std::bitset<7> days;
  int start_minute = 0;
  int end_minute = 0;
  // Date ranges: first and last local day, inclusive.
  absl::CivilDay first_day;
  absl::CivilDay last_day;
};

class Window {
 public:
  // Whether the local wall-clock time of `t` in `tz` is inside any range.
  bool Contains(absl::Time t, const absl::TimeZone& tz) const;

  const std::vector<WindowRange>& ranges() const { return ranges_; }

 private:
  friend absl::StatusOr<Window> ParseWindow(std::string_view text);
  std::vector<WindowRange> ranges_;
};

// Errors (InvalidArgument) read like
// "invalid window `Mon-Fry 09:00-17:00`: unknown day `Fry` (want Mon, Tue, ...)".
absl::StatusOr<Window> ParseWindow(std::string_view text);

// An IANA zone name ("Europe/Berlin", "UTC") or a fixed offset ("+05:30"),
// as the timestamp accessors take them; else InvalidArgument
// "unknown time zone `X`".
absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view name);

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUILTINS_WINDOW_H_
