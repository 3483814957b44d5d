// Least-privilege grant synthesis and the grant's JSON form. See
// grant_synthesis.h for how each field follows covers().
#include "engine/grant_synthesis.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"
#include "engine/decision.h"
#include "engine/schema.h"

namespace gavel {
namespace {

using builtins_internal::FormatDuration;
using builtins_internal::FormatTimestamp;
using builtins_internal::MakeTimestampWide;

bool Before(TimeRep a, TimeRep b) { return a.seconds != b.seconds ? a.seconds < b.seconds : a.nanos < b.nanos; }
bool Negative(TimeRep d) { return d.seconds < 0 || d.nanos < 0; }

// t + sign * d, or an error when it leaves years 1..9999.
absl::StatusOr<TimeRep> Shift(TimeRep t, TimeRep d, int sign, std::string_view what) {
  Value v = MakeTimestampWide(t.seconds + sign * d.seconds, int64_t{t.nanos} + sign * int64_t{d.nanos});
  if (v.is_error()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": the grant's validity would leave years 1 to 9999"));
  }
  return v.time_rep();
}

const std::string& StringField(const Value& message, int field) {
  static const std::string* empty = new std::string();
  if (!message.is_message()) return *empty;
  const Value& v = message.message().fields[field];
  return v.is_string() ? v.str() : *empty;
}

// The values one grant field must match, and whether some step has none.
struct FieldValues {
  std::set<std::string> values;
  bool some_empty = false;

  void Add(const std::string& v) {
    if (v.empty()) {
      some_empty = true;
    } else {
      values.insert(v);
    }
  }

  // The narrowest list covers() accepts for every step (grant_synthesis.h).
  std::vector<std::string> List(bool glob) const {
    if (values.empty()) return {};
    // A literal "*" is the wildcard in every list, so nothing else is needed.
    if (some_empty || (!glob && values.count("*") > 0)) return {"*"};
    std::vector<std::string> out;
    for (const std::string& v : values) out.push_back(glob ? GlobLiteral(v) : v);
    std::sort(out.begin(), out.end());
    return out;
  }
};

void AppendJsonList(std::string* out, const std::vector<std::string>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->append(", ");
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

}  // namespace

std::string GlobLiteral(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<SynthesizedGrant> SynthesizeGrant(const Plan& plan, const GrantOptions& options) {
  if (Negative(options.margin)) {
    return absl::InvalidArgumentError(absl::StrCat("negative margin `", FormatDuration(options.margin), "`"));
  }
  if (Negative(options.default_duration)) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative default duration `", FormatDuration(options.default_duration), "`"));
  }
  const std::vector<Value>& steps = plan.steps();
  if (steps.empty()) return absl::InvalidArgumentError("steps: the plan has no steps, so there is nothing to grant");

  const Value& context = plan.context();
  const bool has_now = context.is_message() && context.message().has(kContextNow);
  const std::string& context_cluster = StringField(context, kContextCluster);

  FieldValues actions, verbs, kinds, namespaces, clusters;
  TimeRep first{}, last{};
  for (size_t i = 0; i < steps.size(); ++i) {
    const MessageData& step = steps[i].message();
    const Value& resource = step.fields[kStepResource];
    const std::string path = absl::StrCat("steps[", i, "]");
    const std::string& id = step.fields[kStepId].str();

    // actions has no empty-value exception: "" is the glob for "no action".
    actions.values.insert(step.fields[kStepAction].str());
    verbs.Add(step.fields[kStepVerb].str());
    kinds.Add(StringField(resource, kResourceKind));
    namespaces.Add(StringField(resource, kResourceNamespace));
    const std::string& cluster = StringField(resource, kResourceCluster);
    clusters.Add(cluster.empty() ? context_cluster : cluster);

    // When the step runs, as covers() sees it.
    TimeRep start;
    if (step.has(kStepStartsAt)) {
      start = step.fields[kStepStartsAt].time_rep();
    } else if (has_now) {
      start = context.message().fields[kContextNow].time_rep();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ".starts_at: step `", id,
                                                     "` has no starts_at and the plan has no context.now, so when it "
                                                     "runs is unknown"));
    }
    TimeRep duration = options.default_duration;
    if (step.has(kStepDuration)) {
      duration = step.fields[kStepDuration].time_rep();
      if (Negative(duration)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".duration: step `", id, "` has a negative duration `", FormatDuration(duration), "`"));
      }
    }
    absl::StatusOr<TimeRep> end = Shift(start, duration, 1, absl::StrCat(path, ".duration"));
    if (!end.ok()) return end.status();
    if (i == 0 || Before(start, first)) first = start;
    if (i == 0 || Before(last, *end)) last = *end;
  }

  SynthesizedGrant grant;
  grant.id = options.id;
  if (grant.id.empty()) {
    const std::string& plan_id = plan.message().fields[kPlanId].str();
    grant.id = plan_id.empty() ? "gavel-grant" : absl::StrCat(plan_id, "-grant");
  }
  grant.actions = actions.List(true);
  grant.verbs = verbs.List(false);
  grant.resources = kinds.List(false);
  grant.namespaces = namespaces.List(true);
  grant.clusters = clusters.List(false);
  absl::StatusOr<TimeRep> not_before = Shift(first, options.margin, -1, "not_before");
  if (!not_before.ok()) return not_before.status();
  absl::StatusOr<TimeRep> expires_at = Shift(last, options.margin, 1, "expires_at");
  if (!expires_at.ok()) return expires_at.status();
  grant.not_before = *not_before;
  grant.expires_at = *expires_at;
  return grant;
}

std::string GrantToJson(const SynthesizedGrant& grant) {
  std::string out = "{\n  \"id\": ";
  AppendJsonString(&out, grant.id);
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"actions", &grant.actions},       {"verbs", &grant.verbs},       {"resources", &grant.resources},
      {"namespaces", &grant.namespaces}, {"clusters", &grant.clusters},
  };
  for (const auto& [name, items] : lists) {
    absl::StrAppend(&out, ",\n  \"", name, "\": ");
    AppendJsonList(&out, *items);
  }
  absl::StrAppend(&out, ",\n  \"not_before\": \"", FormatTimestamp(grant.not_before), "\"");
  absl::StrAppend(&out, ",\n  \"expires_at\": \"", FormatTimestamp(grant.expires_at), "\"\n}\n");
  return out;
}

}  // namespace gavel
