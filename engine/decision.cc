// Verdict computation and the JSON form of a decision.
#include "engine/decision.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gavel {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAllow: return "allow";
    case Verdict::kDeny: return "deny";
    case Verdict::kNeedsApproval: return "needs_approval";
  }
  return "?";
}

Decision::Decision(const Decision& other)
    : verdict(other.verdict),
      violations(other.violations),
      warnings(other.warnings),
      errors(other.errors),
      approvers(other.approvers) {
  ReserveText(other.text_size());
  KeepAll();
}

Decision& Decision::operator=(const Decision& other) {
  if (this != &other) *this = Decision(other);
  return *this;
}

void Decision::KeepAll() {
  for (auto* list : {&violations, &warnings}) {
    for (Violation& v : *list) {
      for (std::string_view* s : {&v.rule, &v.severity, &v.step, &v.message, &v.location}) *s = Keep(*s);
    }
  }
}

void Decision::Finish() {
  bool deny = !errors.empty();
  bool approval = false;
  for (const Violation& v : violations) {
    if (v.dryrun) continue;
    if (v.effect == Effect::kDeny) deny = true;
    if (v.effect == Effect::kRequireApproval) {
      approval = true;
      approvers.insert(approvers.end(), v.approvers.begin(), v.approvers.end());
    }
  }
  std::sort(approvers.begin(), approvers.end());
  approvers.erase(std::unique(approvers.begin(), approvers.end()), approvers.end());
  verdict = deny ? Verdict::kDeny : approval ? Verdict::kNeedsApproval : Verdict::kAllow;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

namespace {

void AppendStrings(std::string* out, const std::vector<std::string>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->append(", ");
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

void AppendStep(std::string* out, std::string_view step, int64_t index) {
  out->append(", \"step\": ");
  if (index < 0) {
    out->append("null, \"step_index\": null");
  } else {
    AppendJsonString(out, step);
    absl::StrAppend(out, ", \"step_index\": ", index);
  }
}

void AppendViolations(std::string* out, const std::vector<Violation>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    const Violation& v = items[i];
    if (i) out->append(", ");
    out->append("{\"rule\": ");
    AppendJsonString(out, v.rule);
    out->append(", \"effect\": ");
    AppendJsonString(out, EffectName(v.effect));
    out->append(", \"severity\": ");
    AppendJsonString(out, v.severity);
    AppendStep(out, v.step, v.step_index);
    out->append(", \"message\": ");
    AppendJsonString(out, v.message);
    out->append(", \"location\": ");
    AppendJsonString(out, v.location);
    // Only when set, so that decisions without dryrun packages read as before.
    if (v.dryrun) out->append(", \"dryrun\": true");
    if (v.effect == Effect::kRequireApproval) {
      out->append(", \"approvers\": ");
      AppendStrings(out, v.approvers);
    }
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace

std::string Decision::ToJson(std::string_view plan_name) const {
  std::string out = "{\"plan\": ";
  AppendJsonString(&out, plan_name);
  out.append(", \"verdict\": ");
  AppendJsonString(&out, VerdictName(verdict));
  out.append(", \"violations\": ");
  AppendViolations(&out, violations);
  out.append(", \"warnings\": ");
  AppendViolations(&out, warnings);
  out.append(", \"errors\": [");
  for (size_t i = 0; i < errors.size(); ++i) {
    const EvalError& e = errors[i];
    if (i) out.append(", ");
    out.append("{\"rule\": ");
    AppendJsonString(&out, e.rule);
    AppendStep(&out, e.step, e.step_index);
    out.append(", \"message\": ");
    AppendJsonString(&out, e.message);
    out.append(", \"location\": ");
    AppendJsonString(&out, e.location);
    out.push_back('}');
  }
  out.append("], \"approvers\": ");
  AppendStrings(&out, approvers);
  out.push_back('}');
  return out;
}

}  // namespace gavel
