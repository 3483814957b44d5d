// `ts.within(window, zone)`: whether the timestamp ts, read as a local
// wall-clock time in the time zone `zone`, lies inside the window.
//
//   step.starts_at.within("Mon-Fri 09:00-17:00", "Europe/Berlin")
//   step.starts_at.within("Mon-Fri 09:00-12:00, Mon-Fri 13:00-17:00", "UTC")
//   step.starts_at.within("Sat,Sun 00:00-24:00, 22:00-06:00", "Europe/Berlin")
//   context.now.within("2026-12-20..2027-01-05", "Europe/Berlin")
//
// Syntax. A window is one or more ranges separated by `,`:
//   range      := dates | [days ' '+] time '-' time
//   dates      := YYYY-MM-DD '..' YYYY-MM-DD | YYYY-MM-DD
//   days       := day-item (',' day-item)*     e.g. `Mon-Fri`, `Sat,Sun`, `Mon,Wed-Fri`
//   day-item   := day | day '-' day            a range may wrap: `Fri-Mon` is Fri, Sat, Sun, Mon
//   day        := Mon | Tue | Wed | Thu | Fri | Sat | Sun   (any case)
//   time       := HH:MM, 00:00 .. 23:59, and 24:00 as an end
// Spaces are allowed around `,`, `-` and `..`. A `,` followed by a day name
// continues the day list; followed by a digit it starts a new range.
//
// Semantics. A time range is half-open, [start, end): 09:00-17:00 holds
// 16:59:59.999 but not 17:00:00. Without days it holds every day. A range
// whose end is before its start crosses midnight and belongs to the day it
// starts on: `Fri 22:00-06:00` holds Friday 22:00 to Saturday 06:00, not
// Friday 00:00-06:00. 00:00-24:00 is the whole day; a range with equal ends
// is an error. A date range holds the local days from its first to its last
// day inclusive (a single date is one day); a reversed range is an error.
//
// Time zones and DST. The instant is converted to the zone's local wall-clock
// time (absl::TimeZone::At) and that wall-clock time is compared with the
// window; nothing else. So on a day with a DST gap (Europe/Berlin,
// 2026-03-29, 02:00 -> 03:00) the skipped local times never occur: a window
// 02:00-03:00 holds no instant that day, and 01:00-04:00 lasts two real
// hours. On a day with an overlap (2026-10-25, 03:00 -> 02:00) the repeated
// local times occur twice and both instants count: 02:00-03:00 holds two real
// hours. Zones are IANA names or fixed offsets, as for getHours(tz).
//
// Errors. A malformed window is "invalid window `...`: why"; an unknown zone
// is "unknown time zone `X`". With literal arguments both are compile errors
// (invalid_literal); with values from the plan they are runtime errors, so
// the rule fails closed.
#include "engine/builtins_window.h"

#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"

namespace gavel {
namespace {

class WindowParser {
 public:
  explicit WindowParser(std::string_view text) : text_(text) {}

  absl::StatusOr<Window> Parse(std::vector<WindowRange>* ranges) {
    SkipSpaces();
    if (AtEnd()) return Fail("empty window");
    while (true) {
      WindowRange r;
      absl::Status s = ParseRange(&r);
      if (!s.ok()) return s;
      ranges->push_back(r);
      SkipSpaces();
      if (AtEnd()) break;
      if (Peek() != ',') return Fail(absl::StrCat("unexpected `", std::string(1, Peek()), "`"));
      ++pos_;
      SkipSpaces();
      if (AtEnd()) return Fail("trailing `,`");
    }
    return Window();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  void SkipSpaces() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  absl::Status Fail(std::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid window `", std::string(text_), "`: ", std::string(why)));
  }

  absl::Status ParseRange(WindowRange* r) {
    if (IsDigit(Peek()) && IsDigit(Peek(1)) && IsDigit(Peek(2)) && IsDigit(Peek(3)) && Peek(4) == '-') {
      return ParseDates(r);
    }
    if (IsAlpha(Peek())) {
      absl::Status s = ParseDays(r);
      if (!s.ok()) return s;
      if (AtEnd() || (Peek() != ' ' && Peek() != '\t')) return Fail("want a space and a time range after the days");
      SkipSpaces();
    } else {
      r->days.set();
    }
    return ParseTimes(r);
  }

  absl::Status ParseDay(int* day) {
    size_t n = 0;
    while (IsAlpha(Peek(n))) ++n;
    std::string name(text_.substr(pos_, n));
    static const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int d = 0; d < 7; ++d) {
      if (lower == kDays[d]) {
        *day = d;
        pos_ += n;
        return absl::OkStatus();
      }
    }
    if (name.empty()) return Fail("want a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    return Fail(absl::StrCat("unknown day `", name, "` (want Mon, Tue, Wed, Thu, Fri, Sat, Sun)"));
  }

  absl::Status ParseDays(WindowRange* r) {
    while (true) {
      int first = 0;
      absl::Status s = ParseDay(&first);
      if (!s.ok()) return s;
      int last = first;
      size_t save = pos_;
      SkipSpaces();
      if (Peek() == '-') {
        ++pos_;
        SkipSpaces();
        s = ParseDay(&last);
        if (!s.ok()) return s;
      } else {
        pos_ = save;
      }
      for (int d = first;; d = (d + 1) % 7) {
        r->days.set(d);
        if (d == last) break;
      }
      // `,` then a day name continues the list.
      save = pos_;
      SkipSpaces();
      if (Peek() == ',') {
        ++pos_;
        SkipSpaces();
        if (IsAlpha(Peek())) continue;
      }
      pos_ = save;
      return absl::OkStatus();
    }
  }

  // HH:MM into minutes; 24:00 only if allow_24.
  absl::Status ParseTime(int* minutes, bool allow_24) {
    if (!(IsDigit(Peek()) && IsDigit(Peek(1)) && Peek(2) == ':' && IsDigit(Peek(3)) && IsDigit(Peek(4)))) {
      return Fail("want a time HH:MM");
    }
    const int h = (Peek() - '0') * 10 + (Peek(1) - '0');
    const int m = (Peek(3) - '0') * 10 + (Peek(4) - '0');
    const std::string t(text_.substr(pos_, 5));
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return Fail(absl::StrCat("invalid time `", t, "`"));
    if (h == 24 && !allow_24) return Fail("24:00 can only end a range");
    if (IsDigit(Peek(5))) return Fail("want a time HH:MM");
    pos_ += 5;
    *minutes = h * 60 + m;
    return absl::OkStatus();
  }

  absl::Status ParseTimes(WindowRange* r) {
    absl::Status s = ParseTime(&r->start_minute, false);
    if (!s.ok()) return s;
    SkipSpaces();
    if (Peek() != '-') return Fail("want `-` between the start and the end time");
    ++pos_;
    SkipSpaces();
    s = ParseTime(&r->end_minute, true);
    if (!s.ok()) return s;
    if (r->start_minute == r->end_minute) return Fail("a time range needs different start and end times");
    return absl::OkStatus();
  }

  absl::Status ParseDate(absl::CivilDay* day) {
    int v[3] = {0, 0, 0};
    const int widths[3] = {4, 2, 2};
    for (int k = 0; k < 3; ++k) {
      if (k > 0) {
        if (Peek() != '-') return Fail("want a date YYYY-MM-DD");
        ++pos_;
      }
      for (int i = 0; i < widths[k]; ++i) {
        if (!IsDigit(Peek())) return Fail("want a date YYYY-MM-DD");
        v[k] = v[k] * 10 + (Peek() - '0');
        ++pos_;
      }
    }
    if (IsDigit(Peek())) return Fail("want a date YYYY-MM-DD");
    const absl::CivilDay d(v[0], v[1], v[2]);
    if (v[0] < 1 || d.year() != v[0] || d.month() != v[1] || d.day() != v[2]) {
      return Fail(absl::StrCat("no such date `", std::string(text_.substr(pos_ - 10, 10)), "`"));
    }
    *day = d;
    return absl::OkStatus();
  }

  absl::Status ParseDates(WindowRange* r) {
    r->is_dates = true;
    absl::Status s = ParseDate(&r->first_day);
    if (!s.ok()) return s;
    r->last_day = r->first_day;
    const size_t save = pos_;
    SkipSpaces();
    if (Peek() == '.' && Peek(1) == '.') {
      pos_ += 2;
      SkipSpaces();
      s = ParseDate(&r->last_day);
      if (!s.ok()) return s;
      if (r->last_day < r->first_day) return Fail("the date range ends before it starts");
    } else {
      pos_ = save;
    }
    return absl::OkStatus();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Monday = 0 .. Sunday = 6.
int Weekday(absl::CivilDay d) { return static_cast<int>(absl::GetWeekday(d)); }

Value Within(const Value* args, size_t argc) {
  if (argc != 3 || !args[0].is_timestamp() || !args[1].is_string() || !args[2].is_string()) {
    std::string message = "no such overload: within(";
    for (size_t k = 0; k < argc; ++k) absl::StrAppend(&message, k > 0 ? ", " : "", KindName(args[k].kind()));
    return Value::Error(absl::StrCat(message, ")"));
  }
  absl::StatusOr<Window> window = ParseWindow(args[1].str());
  if (!window.ok()) return Value::Error(std::string(window.status().message()));
  absl::StatusOr<absl::TimeZone> tz = ParseTimeZone(args[2].str());
  if (!tz.ok()) return Value::Error(std::string(tz.status().message()));
  return Value::Bool(window->Contains(args[0].timestamp(), *tz));
}

// t.within(constant window, constant zone): both parsed once.
class PreparedWithin final : public PreparedCall {
 public:
  PreparedWithin(Window w, absl::TimeZone tz) : window_(std::move(w)), tz_(tz) {}
  static std::unique_ptr<PreparedCall> Make(const Value* constants, size_t n) {
    if (n != 2 || !constants[0].is_string() || !constants[1].is_string()) return nullptr;
    absl::StatusOr<Window> window = ParseWindow(constants[0].str());
    absl::StatusOr<absl::TimeZone> tz = ParseTimeZone(constants[1].str());
    if (!window.ok() || !tz.ok()) return nullptr;
    return std::make_unique<PreparedWithin>(*std::move(window), *tz);
  }
  Value Call(const Value* args, size_t argc) const override {
    if (argc != 3 || !args[0].is_timestamp()) return Within(args, argc);  // its error
    return Value::Bool(window_.Contains(args[0].timestamp(), tz_));
  }

 private:
  Window window_;
  absl::TimeZone tz_;
};

}  // namespace

absl::StatusOr<Window> ParseWindow(std::string_view text) {
  Window w;
  WindowParser parser(text);
  absl::StatusOr<Window> status = parser.Parse(&w.ranges_);
  if (!status.ok()) return status.status();
  return w;
}

absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view name) {
  std::optional<absl::TimeZone> tz = builtins_internal::LoadTimeZoneName(name);
  if (!tz.has_value()) return absl::InvalidArgumentError(absl::StrCat("unknown time zone `", std::string(name), "`"));
  return *tz;
}

bool Window::Contains(absl::Time t, const absl::TimeZone& tz) const {
  const absl::CivilSecond cs = tz.At(t).cs;
  const absl::CivilDay day(cs);
  const int wd = Weekday(day);
  const int prev = (wd + 6) % 7;
  const int sec = cs.hour() * 3600 + cs.minute() * 60 + cs.second();
  for (const WindowRange& r : ranges_) {
    if (r.is_dates) {
      if (r.first_day <= day && day <= r.last_day) return true;
      continue;
    }
    const int start = r.start_minute * 60;
    const int end = r.end_minute * 60;
    if (start < end) {
      if (r.days[wd] && start <= sec && sec < end) return true;
    } else {
      if (r.days[wd] && sec >= start) return true;
      if (r.days[prev] && sec < end) return true;
    }
  }
  return false;
}

void AddWindowBuiltins(std::vector<Builtin>* table) {
  table->push_back(Builtin{
      "within",
      {Overload{"timestamp_within_string_string",
                true,
                {Type::Timestamp(), Type::String(), Type::String()},
                Type::Bool()}},
      &Within,
      "t.within(window, tz): whether t's local time in zone tz is inside the window, e.g. "
      "\"Mon-Fri 09:00-17:00\", \"22:00-06:00\", \"Sat,Sun 00:00-24:00\", \"2026-12-20..2027-01-05\"",
      &PreparedWithin::Make,
  });
}

}  // namespace gavel
