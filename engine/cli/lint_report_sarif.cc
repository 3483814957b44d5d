// `gavel lint --format sarif`: one SARIF 2.1.0 log (docs/cli.md), written
// whole at the end. Every rule of the policy set is in tool.driver.rules;
// each violation, warning and runtime error is a result at the step's line
// of the plan, related to the rule's source. A plan that does not decode is
// an error result with ruleId "invalid-plan" and a tool execution
// notification, so it is not lost.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/lint_report_internal.h"
#include "gavel/gavel.h"

namespace gavel::cli::report {
namespace {

// Where users read about gavel's rules and this format.
constexpr std::string_view kInformationUri = "https://github.com/gavel-policy/gavel/blob/main/docs/cli.md";
constexpr std::string_view kInvalidPlanRule = "invalid-plan";

void Str(std::string* out, std::string_view s) { AppendJsonString(out, s); }

// severity -> SARIF level: critical/high error, medium warning, low/info
// note; a warn rule is at most a warning.
std::string_view RuleLevel(const RuleInfo& rule) {
  std::string_view level = "note";
  if (rule.severity == "critical" || rule.severity == "high") {
    level = "error";
  } else if (rule.severity == "medium") {
    level = "warning";
  }
  if (rule.effect == Effect::kWarn && level == "error") level = "warning";
  return level;
}

// What happened: a deny or a runtime error fails the plan (error); an
// approval or a warn rule is a warning; a dryrun finding changes nothing
// (note).
std::string_view ResultLevel(const Finding& f) {
  if (f.kind == Finding::kError) return "error";
  if (f.dryrun) return "note";
  if (f.kind == Finding::kWarning) return "warning";
  return f.effect == Effect::kDeny ? "error" : "warning";
}

// {"physicalLocation": {"artifactLocation": {"uri": ...}, "region": {...}}EXTRA}
void PhysicalLocation(std::string* out, std::string_view path, int line, int column, std::string_view extra = "") {
  absl::StrAppend(out, "{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
  Str(out, PathUri(path));
  out->append("}");
  if (line > 0) {
    absl::StrAppend(out, ", \"region\": {\"startLine\": ", line);
    if (column > 0) absl::StrAppend(out, ", \"startColumn\": ", column);
    out->append("}");
  }
  absl::StrAppend(out, "}", A(extra), "}");
}

void RuleSourceLocation(std::string* out, const RuleInfo& rule, std::string_view extra = "") {
  PhysicalLocation(out, rule.source.file->name(), rule.source.line, rule.source.column, extra);
}

class SarifReporter : public LintReporter {
 public:
  SarifReporter(std::ostream& out, const CompiledPolicy& policy) : out_(out), catalog_(policy) {}

  void Report(const LintResult& r) override {
    if (!r.status.ok()) {
      std::string message = std::string(r.status.message());
      std::string result = "{\"ruleId\": ";
      Str(&result, kInvalidPlanRule);
      absl::StrAppend(&result, ", \"level\": \"error\", \"message\": {\"text\": ");
      Str(&result, message);
      result += "}, \"locations\": [";
      const PlanPosition pos = InvalidPlanPosition(r);
      PhysicalLocation(&result, r.File(), pos.line, pos.column);
      result += "]}";
      results_.push_back(std::move(result));
      std::string note = "{\"level\": \"error\", \"message\": {\"text\": ";
      Str(&note, message);
      note += "}, \"locations\": [";
      PhysicalLocation(&note, r.File(), pos.line, pos.column);
      note += "]}";
      notifications_.push_back(std::move(note));
      return;
    }
    for (const Finding& f : FindingsOf(r.decision)) {
      std::string result = "{\"ruleId\": ";
      Str(&result, f.rule);
      int index = catalog_.IndexOf(f.rule);
      if (index >= 0) absl::StrAppend(&result, ", \"ruleIndex\": ", index);
      absl::StrAppend(&result, ", \"level\": \"", A(ResultLevel(f)), "\", \"message\": {\"text\": ");
      Str(&result, f.kind == Finding::kError ? absl::StrCat("runtime error: ", A(f.message)) : std::string(f.message));
      result += "}, \"locations\": [";
      PlanPosition pos = r.PositionOf(f.step_index);
      PhysicalLocation(&result, r.File(), pos.line, pos.column);
      result += "]";
      if (index >= 0 && catalog_.rules()[index].source.file != nullptr) {
        std::string extra = ", \"id\": 1, \"message\": {\"text\": ";
        Str(&extra, absl::StrCat("rule ", A(f.rule)));
        extra += "}";
        result += ", \"relatedLocations\": [";
        RuleSourceLocation(&result, catalog_.rules()[index], extra);
        result += "]";
      }
      result += ", \"properties\": {\"effect\": ";
      Str(&result, f.kind == Finding::kError ? "error" : EffectName(f.effect));
      if (!f.severity.empty()) {
        result += ", \"severity\": ";
        Str(&result, f.severity);
      }
      if (f.step_index >= 0) {
        result += ", \"step\": ";
        Str(&result, f.step);
        absl::StrAppend(&result, ", \"stepIndex\": ", f.step_index);
      }
      if (f.dryrun) result += ", \"dryrun\": true";
      result += ", \"plan\": ";
      Str(&result, r.path);
      result += "}}";
      results_.push_back(std::move(result));
    }
  }

  void End(const LintSummary&) override {
    std::string doc =
        "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
        "  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {\n          \"name\": \"gavel\",\n"
        "          \"version\": ";
    Str(&doc, GAVEL_VERSION);
    doc += ",\n          \"informationUri\": ";
    Str(&doc, kInformationUri);
    doc += ",\n          \"rules\": [";
    const auto& rules = catalog_.rules();
    for (size_t i = 0; i < rules.size(); ++i) {
      doc += i == 0 ? "\n            " : ",\n            ";
      AppendRule(&doc, rules[i]);
    }
    doc += rules.empty() ? "]\n" : "\n          ]\n";
    doc += "        }\n      },\n      \"invocations\": [{\"executionSuccessful\": ";
    doc += notifications_.empty() ? "true" : "false";
    if (!notifications_.empty()) {
      doc += ", \"toolExecutionNotifications\": [";
      for (size_t i = 0; i < notifications_.size(); ++i) {
        if (i > 0) doc += ", ";
        doc += notifications_[i];
      }
      doc += "]";
    }
    doc += "}],\n      \"results\": [";
    for (size_t i = 0; i < results_.size(); ++i) {
      doc += i == 0 ? "\n        " : ",\n        ";
      doc += results_[i];
    }
    doc += results_.empty() ? "]\n" : "\n      ]\n";
    doc += "    }\n  ]\n}\n";
    out_ << doc;
  }

 private:
  static void AppendRule(std::string* out, const RuleInfo& rule) {
    std::string_view doc = rule.doc;
    std::string_view first_line = doc.substr(0, doc.find('\n'));
    *out += "{\"id\": ";
    Str(out, rule.id);
    *out += ", \"shortDescription\": {\"text\": ";
    Str(out, first_line.empty() ? std::string_view(rule.id) : first_line);
    *out += "}";
    if (!doc.empty()) {
      *out += ", \"fullDescription\": {\"text\": ";
      Str(out, doc);
      *out += "}";
    }
    absl::StrAppend(out, ", \"defaultConfiguration\": {\"level\": \"", A(RuleLevel(rule)), "\"}");
    *out += ", \"properties\": {\"severity\": ";
    Str(out, rule.severity);
    *out += ", \"effect\": ";
    Str(out, EffectName(rule.effect));
    *out += ", \"tags\": [";
    for (size_t i = 0; i < rule.tags.size(); ++i) {
      if (i > 0) *out += ", ";
      Str(out, rule.tags[i]);
    }
    *out += "]";
    if (rule.dryrun) *out += ", \"dryrun\": true";
    if (!rule.location.empty()) {
      *out += ", \"location\": ";
      Str(out, rule.location);
    }
    if (rule.source.file != nullptr) {
      // reportingDescriptor has no location of its own: a property bag entry.
      *out += ", \"source\": ";
      RuleSourceLocation(out, rule);
    }
    *out += "}}";
  }

  std::ostream& out_;
  RuleCatalog catalog_;
  std::vector<std::string> results_;
  std::vector<std::string> notifications_;
};

}  // namespace

std::unique_ptr<LintReporter> MakeSarifReporter(std::ostream& out, const CompiledPolicy& policy) {
  return std::make_unique<SarifReporter>(out, policy);
}

}  // namespace gavel::cli::report
