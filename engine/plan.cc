// The plan: accessors, the decoders' shared parts (paths, defaults, step
// checks), timestamps and durations, and reading plan files.
#include "engine/plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/plan_internal.h"
#include "engine/schema.h"
#include "engine/suggest.h"

namespace gavel {

const std::vector<Value>& Plan::steps() const { return message().fields[kPlanSteps].list().elems; }
const Value& Plan::context() const { return message().fields[kPlanContext]; }
const Value& Plan::agent() const { return message().fields[kPlanAgent]; }

namespace plan_internal {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

Value DefaultValue(const Type& type);

std::vector<Value> MakeDefaults(const MessageType& type) {
  std::vector<Value> fields;
  fields.reserve(type.fields.size());
  for (const FieldDesc& f : type.fields) fields.push_back(DefaultValue(f.type));
  return fields;
}

Value DefaultValue(const Type& type) {
  switch (type.kind()) {
    case TypeKind::kString: return Value::String("");
    case TypeKind::kInt: return Value::Int(0);
    case TypeKind::kBool: return Value::Bool(false);
    case TypeKind::kTimestamp: return Value::Timestamp(TimeRep{0, 0});
    case TypeKind::kDuration: return Value::Duration(TimeRep{0, 0});
    case TypeKind::kList: return Value::List({});
    case TypeKind::kMap: return Value::Map({});
    case TypeKind::kMessage: return Value::Message(type.message(), MakeDefaults(*type.message()), 0);
    default: return Value::Null();
  }
}

}  // namespace

std::string Path::ToString() const {
  if (segs_.empty()) return "plan";
  std::string out;
  for (const Seg& s : segs_) {
    switch (s.kind) {
      case 0:
        if (!out.empty()) out += '.';
        out.append(s.text);
        break;
      case 1: absl::StrAppend(&out, "[", s.index, "]"); break;
      default:
        if (IsIdentifier(s.text) && s.text.size() <= 64) {
          if (!out.empty()) out += '.';
          out.append(s.text);
        } else {
          absl::StrAppend(&out, "[\"", absl::CEscape(AV(s.text.substr(0, 64))), s.text.size() > 64 ? "..." : "", "\"]");
        }
    }
  }
  return out;
}

absl::Status PathError(const Path& path, std::string_view where, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path.ToString(), AV(where), ": ", AV(message)));
}

absl::Status PathError(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(AV(path), ": ", AV(message)));
}

std::string DescribeKind(NodeKind kind, const char* object_name, const char* array_name) {
  switch (kind) {
    case NodeKind::kNull: return "null";
    case NodeKind::kBool: return "a boolean";
    case NodeKind::kInt:
    case NodeKind::kDouble: return "a number";
    case NodeKind::kString: return "a string";
    case NodeKind::kObject: return object_name;
    case NodeKind::kArray: return array_name;
  }
  return "?";
}

std::string Quote(std::string_view text) {
  if (text.size() > 64) return absl::StrCat("`", absl::CHexEscape(AV(text.substr(0, 64))), "...`");
  bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
  return absl::StrCat("`", plain ? std::string(text) : absl::CHexEscape(AV(text)), "`");
}

std::string FormatDouble(double d) {
  std::string s = absl::StrCat(d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string UnknownField(const MessageType& type, std::string_view name) {
  std::string out = absl::StrCat("unknown field ", Quote(name));
  std::string best = name.size() <= 64 ? DidYouMean(name, type.FieldNames()) : "";
  if (!best.empty()) absl::StrAppend(&out, " (did you mean `", best, "`?)");
  return out;
}

const std::vector<Value>& DefaultFields(const MessageType& type) {
  // Built once and never freed: the builder borrows them (Value::Message's `immortal`).
  static const auto* table = [] {
    const Schema& s = Schema::Get();
    auto* t = new std::vector<std::pair<const MessageType*, std::vector<Value>>>;
    for (const MessageType* m : {&s.plan, &s.agent, &s.grant, &s.context, &s.step, &s.resource, &s.network}) {
      t->emplace_back(m, MakeDefaults(*m));
    }
    return t;
  }();
  for (const auto& [m, fields] : *table) {
    if (m == &type) return fields;
  }
  static const std::vector<Value> none;
  return none;
}

absl::Status FinishStep(size_t i, std::vector<Value>& fields, uint64_t present, const std::string& index_where) {
  if ((present >> kStepIndex) & 1) {
    int64_t index = fields[kStepIndex].int_value();
    if (index != static_cast<int64_t>(i)) {
      return absl::InvalidArgumentError(
          absl::StrCat("steps[", i, "].index", index_where, ": is ", index, ", but the step is at position ", i));
    }
  } else {
    fields[kStepIndex] = Value::Int(static_cast<int64_t>(i));
  }
  if (fields[kStepId].str().empty()) fields[kStepId] = Value::String(absl::StrCat("#", i));
  return absl::OkStatus();
}

absl::Status ValidateSteps(const std::vector<Value>& steps, StepRefs* refs) {
  const size_t n = steps.size();
  absl::flat_hash_map<std::string_view, size_t> ids;
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& id = steps[i].message().fields[kStepId].str();
    auto [it, inserted] = ids.emplace(id, i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("steps[", i, "].id: duplicate step id ", Quote(id), " (first at steps[", it->second, "])"));
    }
  }
  // Edges: a step to the steps it depends on or takes inputs from, those
  // of step i at targets[first[i]..first[i + 1]) (one allocation, not one per step).
  std::vector<uint32_t>& first = refs->first;
  std::vector<uint32_t>& targets = refs->targets;
  first.assign(n + 1, 0);
  refs->inputs.assign(n, 0);
  targets.clear();
  for (size_t i = 0; i < n; ++i) {
    const MessageData& step = steps[i].message();
    for (int field : {kStepDependsOn, kStepInputs}) {
      if (field == kStepInputs) refs->inputs[i] = static_cast<uint32_t>(targets.size());
      const auto& refs_of = step.fields[field].list().elems;
      for (size_t j = 0; j < refs_of.size(); ++j) {
        const std::string& ref = refs_of[j].str();
        auto it = ids.find(ref);
        if (it == ids.end() || it->second == i) {
          std::string where = absl::StrCat("steps[", i, "].", step.type->fields[field].name, "[", j, "]");
          if (it == ids.end()) return PathError(where, absl::StrCat("unknown step ", Quote(ref)));
          return PathError(where, absl::StrCat("step ", Quote(ref), " refers to itself"));
        }
        targets.push_back(static_cast<uint32_t>(it->second));
      }
    }
    first[i + 1] = static_cast<uint32_t>(targets.size());
  }
  // Depth-first search without recursion: 0 white, 1 on the stack, 2 done.
  std::vector<unsigned char> color(n, 0);
  std::vector<std::pair<size_t, size_t>> stack;  // (step, next edge)
  for (size_t start = 0; start < n; ++start) {
    if (color[start] != 0) continue;
    stack.push_back({start, 0});
    color[start] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == first[node + 1] - first[node]) {
        color[node] = 2;
        stack.pop_back();
        continue;
      }
      size_t to = targets[first[node] + next++];
      if (color[to] == 0) {
        color[to] = 1;
        stack.push_back({to, 0});
      } else if (color[to] == 1) {
        std::vector<std::string> cycle;
        size_t k = stack.size();
        while (stack[k - 1].first != to) --k;
        for (size_t m = k - 1; m < stack.size(); ++m) cycle.push_back(steps[stack[m].first].message().fields[kStepId].str());
        cycle.push_back(steps[to].message().fields[kStepId].str());
        return PathError("steps", absl::StrCat("cycle in depends_on/inputs: ", absl::StrJoin(cycle, " -> ")));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace plan_internal

// ---------------------------------------------------------------------------
// Timestamps and durations.

namespace {

constexpr int64_t kMinTimestamp = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestamp = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads exactly `n` digits at `*p`.
bool Digits(std::string_view s, size_t* p, size_t n, int64_t* out) {
  if (*p + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*p + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* p, std::string_view chars) {
  if (*p < s.size() && chars.find(s[*p]) != std::string_view::npos) {
    ++*p;
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<TimeRep> ParseTimestamp(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid timestamp ", plan_internal::Quote(text), ": ", plan_internal::AV(why)));
  };
  constexpr std::string_view kForm = "expected RFC 3339, e.g. `2026-11-26T10:00:00Z`";
  size_t p = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, nanos = 0, offset = 0;
  if (!Digits(text, &p, 4, &year) || !Expect(text, &p, "-") || !Digits(text, &p, 2, &month) || !Expect(text, &p, "-") ||
      !Digits(text, &p, 2, &day) || !Expect(text, &p, "Tt ") || !Digits(text, &p, 2, &hour) || !Expect(text, &p, ":") ||
      !Digits(text, &p, 2, &minute) || !Expect(text, &p, ":") || !Digits(text, &p, 2, &second)) {
    return fail(kForm);
  }
  if (Expect(text, &p, ".")) {
    size_t digits = 0;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
      if (++digits > 9) return fail("more than 9 fractional digits");
      nanos = nanos * 10 + (text[p++] - '0');
    }
    if (digits == 0) return fail(kForm);
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  if (Expect(text, &p, "Zz")) {
    offset = 0;
  } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
    const int64_t sign = text[p++] == '-' ? -1 : 1;
    int64_t oh, om;
    if (!Digits(text, &p, 2, &oh) || !Expect(text, &p, ":") || !Digits(text, &p, 2, &om)) return fail(kForm);
    if (oh > 23 || om > 59) return fail("the UTC offset is out of range");
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return fail(p == text.size() ? "missing the time zone (`Z` or `+01:00`)" : kForm);
  }
  if (p != text.size()) return fail(kForm);
  if (year < 1) return fail("year 0 is out of range 1..9999");
  if (month < 1 || month > 12) return fail(absl::StrCat("month ", month, " is out of range 1..12"));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int64_t month_days = kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  if (day < 1 || day > month_days) return fail(absl::StrCat("day ", day, " is out of range 1..", month_days));
  if (hour > 23) return fail(absl::StrCat("hour ", hour, " is out of range 0..23"));
  if (minute > 59) return fail(absl::StrCat("minute ", minute, " is out of range 0..59"));
  if (second > 59) return fail(absl::StrCat("second ", second, " is out of range 0..59"));
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (seconds < kMinTimestamp || seconds > kMaxTimestamp) return fail("out of range (years 1 to 9999 UTC)");
  return TimeRep{seconds, static_cast<int32_t>(nanos)};
}

absl::StatusOr<TimeRep> ParseDuration(std::string_view text) {
  __extension__ using int128 = __int128;
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration ", plan_internal::Quote(text), ": ", plan_internal::AV(why)));
  };
  constexpr std::string_view kForm = "expected e.g. `300s`, `1.5s`, `5m`, `1h30m`, `250ms` (units ns, us, ms, s, m, h)";
  if (text.empty()) return fail("empty");
  size_t p = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    p = 1;
  }
  if (p == text.size()) return fail(kForm);
  constexpr int128 kLimit = static_cast<int128>(kMaxDurationSeconds) * 1000000000 + 999999999;
  int128 total = 0;  // nanoseconds
  while (p < text.size()) {
    // A number: digits, optionally `.digits`.
    int128 whole = 0;
    size_t whole_digits = 0;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
      if (whole < kLimit) whole = whole * 10 + (text[p] - '0');
      ++p;
      ++whole_digits;
    }
    int128 frac = 0, scale = 1;
    size_t frac_digits = 0;
    if (p < text.size() && text[p] == '.') {
      ++p;
      while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
        if (frac_digits < 18) {
          frac = frac * 10 + (text[p] - '0');
          scale *= 10;
        }
        ++p;
        ++frac_digits;
      }
    }
    if (whole_digits == 0 && frac_digits == 0) return fail(kForm);
    // A unit.
    size_t u = p;
    while (p < text.size() && !(text[p] >= '0' && text[p] <= '9') && text[p] != '.' && text[p] != '-' && text[p] != '+') ++p;
    std::string_view unit = text.substr(u, p - u);
    int128 ns;
    if (unit == "ns") ns = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") ns = 1000;
    else if (unit == "ms") ns = 1000000;
    else if (unit == "s") ns = 1000000000;
    else if (unit == "m") ns = int128{60} * 1000000000;
    else if (unit == "h") ns = int128{3600} * 1000000000;
    else if (unit.empty()) return fail(p == text.size() ? "missing a unit (ns, us, ms, s, m, h)" : kForm);
    else return fail(absl::StrCat("unknown unit ", plan_internal::Quote(unit)));
    if (whole > kLimit) return fail("out of range (+-315576000000s)");
    total += whole * ns + frac * ns / scale;
    if (total > kLimit) return fail("out of range (+-315576000000s)");
  }
  if (negative) total = -total;
  return TimeRep{static_cast<int64_t>(total / 1000000000), static_cast<int32_t>(total % 1000000000)};
}

// ---------------------------------------------------------------------------
// Dispatch and files.

absl::Status CheckPlanSize(std::string_view data, const PlanLimits& limits) {
  if (data.size() <= limits.max_plan_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the plan is ", data.size(), " bytes, over the limit of ",
                                                 limits.max_plan_bytes, " (limits.max_plan_bytes)"));
}

absl::StatusOr<Plan> DecodePlan(std::string_view data, PlanFormat format, const PlanLimits& limits) {
  switch (format) {
    case PlanFormat::kJson: return DecodePlanJson(data, limits);
    case PlanFormat::kYaml: return DecodePlanYaml(data, limits);
    case PlanFormat::kProto: return DecodePlanProto(data, limits);
  }
  return absl::InvalidArgumentError("unknown plan format");
}

absl::StatusOr<Plan> ReadPlanFile(const std::string& path, const PlanLimits& limits) {
  std::string ext;
  if (size_t dot = path.rfind('.'); dot != std::string::npos && path.find('/', dot) == std::string::npos) {
    ext = absl::AsciiStrToLower(path.substr(dot + 1));
  }
  PlanFormat format;
  if (ext == "json") format = PlanFormat::kJson;
  else if (ext == "yaml" || ext == "yml") format = PlanFormat::kYaml;
  else if (ext == "pb" || ext == "binpb") format = PlanFormat::kProto;
  else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unknown plan format (expected .json, .yaml, .yml, .pb or .binpb)"));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat(path, ": cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", std::strerror(err)));
    }
    if (got == 0) break;
    data.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  absl::StatusOr<Plan> plan = DecodePlan(data, format, limits);
  if (!plan.ok()) return absl::Status(plan.status().code(), absl::StrCat(path, ": ", plan.status().message()));
  return plan;
}

}  // namespace gavel
