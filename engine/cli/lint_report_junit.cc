// `gavel lint --format junit`: JUnit XML (docs/cli.md). One <testsuite> per
// plan, one <testcase> per rule of the policy set (permit rules excepted:
// they cannot fail; their package's "PACKAGE.default" stands for them). A
// testcase fails when its rule denied or asked approval for the plan, and
// is in error when the rule failed at run time; warn rules and dryrun
// findings pass, their messages in <system-out>. A plan that does not
// decode is one testcase "decode" in error. Written whole at the end.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/lint_report_internal.h"

namespace gavel::cli::report {
namespace {

// Text for XML content and attribute values: the five entities, and
// control characters XML 1.0 cannot hold replaced by U+FFFD.
std::string Xml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\xEF\xBF\xBD";
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

// Content (not attributes) keeps its newlines readable.
std::string XmlText(std::string_view s) {
  std::string out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t nl = s.find('\n', start);
    std::string_view line = s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += Xml(line);
    if (nl == std::string_view::npos) break;
    out += "\n";
    start = nl + 1;
  }
  return out;
}

std::string Describe(const Finding& f, const LintResult& r) {
  std::string out = f.step_index < 0 ? std::string("plan") : absl::StrCat("step ", A(f.step), " [", f.step_index, "]");
  PlanPosition pos = r.PositionOf(f.step_index);
  if (pos.line > 0) {
    absl::StrAppend(&out, " (", r.File(), ":", pos.line);
    if (pos.column > 0) absl::StrAppend(&out, ":", pos.column);
    out += ")";
  }
  absl::StrAppend(&out, ": ", f.kind == Finding::kError ? "runtime error: " : "", A(f.message));
  return out;
}

class JunitReporter : public LintReporter {
 public:
  JunitReporter(std::ostream& out, const CompiledPolicy& policy) : out_(out), catalog_(policy) {}

  void Report(const LintResult& r) override {
    std::string suite;
    int tests = 0, failures = 0, errors = 0;
    if (!r.status.ok()) {
      tests = 1;
      errors = 1;
      const std::string message(r.status.message());
      suite = absl::StrCat("    <testcase name=\"decode\" classname=\"", Xml(r.path),
                           "\">\n      <error type=\"invalid_plan\" message=\"", Xml(message), "\">", XmlText(message),
                           "</error>\n    </testcase>\n");
    } else {
      std::vector<Finding> findings = FindingsOf(r.decision);
      for (const RuleInfo& rule : catalog_.rules()) {
        if (rule.effect == Effect::kPermit) continue;
        ++tests;
        std::string failed, errored, output;
        std::string first_failure, first_error;
        for (const Finding& f : findings) {
          if (f.rule != rule.id) continue;
          std::string line = Describe(f, r);
          if (f.kind == Finding::kError) {
            if (first_error.empty()) first_error = line;
            absl::StrAppend(&errored, line, "\n");
          } else if (f.kind == Finding::kViolation) {
            if (first_failure.empty()) first_failure = line;
            absl::StrAppend(&failed, EffectName(f.effect), " ", line, "\n");
          } else {
            absl::StrAppend(&output, f.dryrun ? absl::StrCat("dryrun ", EffectName(f.effect)) : "warn", " ", line,
                            "\n");
          }
        }
        absl::StrAppend(&suite, "    <testcase name=\"", Xml(rule.id), "\" classname=\"", Xml(r.path), "\"");
        if (failed.empty() && errored.empty() && output.empty()) {
          suite += "/>\n";
          continue;
        }
        suite += ">\n";
        // A rule that failed at run time is in error; else one that fired fails.
        if (!errored.empty()) {
          ++errors;
          absl::StrAppend(&suite, "      <error type=\"runtime_error\" message=\"", Xml(first_error), "\">",
                          XmlText(errored), "</error>\n");
        } else if (!failed.empty()) {
          ++failures;
          absl::StrAppend(&suite, "      <failure type=\"", Xml(rule.severity), "\" message=\"", Xml(first_failure),
                          "\">", XmlText(failed), "</failure>\n");
        }
        if (!output.empty()) absl::StrAppend(&suite, "      <system-out>", XmlText(output), "</system-out>\n");
        suite += "    </testcase>\n";
      }
      // Fail closed: a finding under a rule the catalogue lacks is not lost.
      for (const Finding& f : findings) {
        if (f.kind == Finding::kWarning || catalog_.IndexOf(f.rule) >= 0) continue;
        ++tests;
        ++errors;
        std::string line = Describe(f, r);
        absl::StrAppend(&suite, "    <testcase name=\"", Xml(f.rule.empty() ? "plan" : f.rule), "\" classname=\"",
                        Xml(r.path), "\">\n      <error type=\"",
                        f.kind == Finding::kError ? "runtime_error" : "violation", "\" message=\"", Xml(line), "\">",
                        XmlText(line), "</error>\n    </testcase>\n");
      }
    }
    tests_ += tests;
    failures_ += failures;
    errors_ += errors;
    absl::StrAppend(&suites_, "  <testsuite name=\"", Xml(r.path), "\" tests=\"", tests, "\" failures=\"", failures,
                    "\" errors=\"", errors, "\" skipped=\"0\">\n", suite, "  </testsuite>\n");
  }

  void End(const LintSummary&) override {
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gavel lint\" tests=\"" << tests_
         << "\" failures=\"" << failures_ << "\" errors=\"" << errors_ << "\">\n"
         << suites_ << "</testsuites>\n";
  }

 private:
  std::ostream& out_;
  RuleCatalog catalog_;
  std::string suites_;
  int tests_ = 0, failures_ = 0, errors_ = 0;
};

}  // namespace

std::unique_ptr<LintReporter> MakeJunitReporter(std::ostream& out, const CompiledPolicy& policy) {
  return std::make_unique<JunitReporter>(out, policy);
}

}  // namespace gavel::cli::report
