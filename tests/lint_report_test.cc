// The reporters of `gavel lint` (engine/cli/lint_report.h), driven directly:
// a small policy set, a plan evaluated with hand-set step positions, a plan
// that failed to decode. Colour on/off, the snippet and plan location of the
// text format, SARIF's structure, JUnit's counts, GitHub's escaping.
#include "engine/cli/lint_report.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace gavel::cli {
namespace {

constexpr const char* kPolicy = R"(/// A demo package.
package demo

/// Deletes are denied.
/// Second line of the doc.
@severity("critical")
@tags("data", "destructive")
rule no_delete {
  deny
  for step in plan.steps
  when step.verb == "delete"
  message "step {step.id} deletes, 100%, a:b"
}

/// Changes need a reviewer.
@severity("low")
rule needs_review {
  require_approval("sre")
  for step in plan.steps
  when step.verb == "patch"
  message "step {step.id} patches"
}

@severity("medium")
rule noisy {
  warn
  for step in plan.steps
  when step.verb == "get"
}

/// Never fires.
@severity("info")
rule quiet {
  deny
  when false
}
)";

constexpr const char* kPlan = R"({"id": "p1", "steps": [
  {"id": "read", "action": "kubectl.get", "verb": "get"},
  {"id": "fix", "action": "kubectl.patch", "verb": "patch"},
  {"id": "drop", "action": "kubectl.delete", "verb": "delete"}
]})";

struct Fixture {
  Fixture() {
    Diagnostics diags;
    policy = CompilePolicy({std::make_shared<SourceFile>("demo.gavel", kPolicy)}, diags);
    INFO(diags.Format());
    REQUIRE(policy != nullptr);
    auto plan = DecodePlanJson(kPlan);
    INFO(plan.status());
    REQUIRE(plan.ok());
    good.path = "plans/p1.json";
    good.decision = Evaluate(*policy, *plan);
    good.plan_position = {1, 1};
    good.step_positions = {{2, 3}, {3, 3}, {4, 3}};
    REQUIRE(good.decision.verdict == Verdict::kDeny);
    bad.path = "plans/bad.json";
    bad.status = absl::InvalidArgumentError("plans/bad.json: expected `}` at 1:9");
    bad.decision.verdict = Verdict::kDeny;
    bad.decision.errors.push_back(EvalError{"", "", -1, std::string(bad.status.message()), ""});
    bad.plan_position = {1, 1};
    summary.plans = 2;
    summary.denied = 1;
    summary.errors = 1;
    summary.seconds = 1.5;
  }

  std::string Run(std::string_view format, bool color = false) {
    std::ostringstream out;
    auto reporter = MakeReporter(format, out, *policy, ReportOptions{color});
    reporter->Begin();
    reporter->Report(good);
    reporter->Report(bad);
    reporter->End(summary);
    return out.str();
  }

  std::shared_ptr<const CompiledPolicy> policy;
  LintResult good, bad;
  LintSummary summary;
};

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST_CASE("every format --format accepts makes a reporter that writes something") {
  Fixture f;
  for (const std::string& format : ReportFormats()) {
    INFO(format);
    CHECK_FALSE(f.Run(format).empty());
  }
  CHECK(ReportFormats() == std::vector<std::string>{"text", "json", "sarif", "junit", "github"});
}

TEST_CASE("text: ANSI colours only when asked") {
  Fixture f;
  std::string plain = f.Run("text", false);
  std::string color = f.Run("text", true);
  CHECK(plain.find('\033') == std::string::npos);
  CHECK(absl::StrContains(color, "\033[1;31mDENY\033[0m"));
  CHECK(absl::StrContains(color, "\033[31mdeny\033[0m demo.no_delete"));
  CHECK(absl::StrContains(color, "\033[2mplan plans/p1.json:4:3\033[0m"));
  // Without the escapes the coloured text is the plain one.
  std::string stripped;
  for (size_t i = 0; i < color.size(); ++i) {
    if (color[i] == '\033') {
      i = color.find('m', i);
      continue;
    }
    stripped += color[i];
  }
  CHECK(stripped == plain);
}

TEST_CASE("text: plan position, rule snippet, summary") {
  Fixture f;
  std::string out = f.Run("text");
  CHECK(absl::StrContains(out,
                          "plans/p1.json: DENY\n"
                          "  deny demo.no_delete (critical) step drop [2]: step drop deletes, 100%, a:b\n"
                          "    plan plans/p1.json:4:3\n"
                          "    at demo.gavel:8:6\n"
                          "      rule no_delete {\n"
                          "           ^\n"));
  CHECK(absl::StrContains(out, "  warn demo.noisy (medium) step read [0]: "));
  CHECK(absl::StrContains(out, "plans/bad.json: INVALID\n  error: plans/bad.json: expected `}` at 1:9\n"));
  ::unsetenv("GAVEL_NO_TIMING");
  CHECK(absl::EndsWith(out, "2 plans: 0 allowed, 1 denied, 0 needs approval, 1 error (1.50 s)\n"));
  ::setenv("GAVEL_NO_TIMING", "1", 1);
  CHECK(absl::EndsWith(f.Run("text"), "2 plans: 0 allowed, 1 denied, 0 needs approval, 1 error\n"));
  ::unsetenv("GAVEL_NO_TIMING");
  f.summary.seconds = -1;
  CHECK(absl::EndsWith(f.Run("text"), "1 error\n"));
}

TEST_CASE("text: no position, no plan line; no source, no snippet") {
  Fixture f;
  f.good.step_positions.clear();
  f.good.plan_position = {};
  std::string out = f.Run("text");
  CHECK_FALSE(absl::StrContains(out, "    plan "));
  CHECK(absl::StrContains(out, "    at demo.gavel:8:6\n      rule no_delete {\n"));
}

TEST_CASE("sarif: rules, results, levels, locations, invalid plans") {
  Fixture f;
  std::string out = f.Run("sarif");
  CHECK(absl::StartsWith(
      out, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\""));
  CHECK(Count(out, "\"name\": \"gavel\"") == 1);
  // Every rule, in catalogue order, with its level from the severity.
  CHECK(absl::StrContains(out,
                          "{\"id\": \"demo.no_delete\", \"shortDescription\": {\"text\": \"Deletes are denied.\"}, "
                          "\"fullDescription\": {\"text\": \"Deletes are denied.\\nSecond line of the doc.\"}, "
                          "\"defaultConfiguration\": {\"level\": \"error\"}, \"properties\": {\"severity\": "
                          "\"critical\", \"effect\": \"deny\", \"tags\": [\"data\", \"destructive\"]"));
  CHECK(absl::StrContains(out,
                          "{\"id\": \"demo.needs_review\", \"shortDescription\": {\"text\": \"Changes need a "
                          "reviewer.\"}"));
  CHECK(absl::StrContains(out,
                          "{\"id\": \"demo.noisy\", \"shortDescription\": {\"text\": \"demo.noisy\"}, "
                          "\"defaultConfiguration\": {\"level\": \"warning\"}"));
  CHECK(absl::StrContains(out, "{\"id\": \"demo.quiet\", \"shortDescription\": {\"text\": \"Never fires.\"}"));
  CHECK(Count(out, "{\"id\": \"demo.") == 4);
  // One result per finding (noisy, needs_review, no_delete) plus the invalid plan.
  CHECK(Count(out, "{\"ruleId\": ") == 4);
  CHECK(absl::StrContains(out,
                          "{\"ruleId\": \"demo.no_delete\", \"ruleIndex\": 0, \"level\": \"error\", "
                          "\"message\": {\"text\": \"step drop deletes, 100%, a:b\"}, \"locations\": "
                          "[{\"physicalLocation\": {\"artifactLocation\": {\"uri\": \"plans/p1.json\"}, "
                          "\"region\": {\"startLine\": 4, \"startColumn\": 3}}}], \"relatedLocations\": "
                          "[{\"physicalLocation\": {\"artifactLocation\": {\"uri\": \"demo.gavel\"}, \"region\": "
                          "{\"startLine\": 8, \"startColumn\": 6}}, \"id\": 1, \"message\": {\"text\": \"rule "
                          "demo.no_delete\"}}]"));
  CHECK(absl::StrContains(out, "{\"ruleId\": \"demo.needs_review\", \"ruleIndex\": 1, \"level\": \"warning\""));
  CHECK(absl::StrContains(out, "{\"ruleId\": \"demo.noisy\", \"ruleIndex\": 2, \"level\": \"warning\""));
  CHECK(absl::StrContains(out,
                          "{\"ruleId\": \"invalid-plan\", \"level\": \"error\", \"message\": {\"text\": "
                          "\"plans/bad.json: expected `}` at 1:9\"}, \"locations\": [{\"physicalLocation\": "
                          "{\"artifactLocation\": {\"uri\": \"plans/bad.json\"}}}]}"));
  CHECK(absl::StrContains(out, "\"invocations\": [{\"executionSuccessful\": false, \"toolExecutionNotifications\""));
  // Without positions, a result has no region.
  f.good.step_positions.clear();
  f.good.plan_position = {};
  CHECK(absl::StrContains(f.Run("sarif"),
                          "\"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": "
                          "\"plans/p1.json\"}}}], \"relatedLocations\""));
}

TEST_CASE("junit: one testcase per plan and rule, counts right, XML escaped") {
  Fixture f;
  std::string out = f.Run("junit");
  CHECK(absl::StartsWith(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<testsuites name=\"gavel lint\" tests=\"5\" failures=\"2\" errors=\"1\">\n"));
  CHECK(absl::StrContains(out, "<testsuite name=\"plans/p1.json\" tests=\"4\" failures=\"2\" errors=\"0\""));
  CHECK(absl::StrContains(out, "<testsuite name=\"plans/bad.json\" tests=\"1\" failures=\"0\" errors=\"1\""));
  CHECK(Count(out, "<testcase ") == 5);
  CHECK(Count(out, "<failure ") == 2);
  CHECK(Count(out, "<error ") == 1);
  CHECK(absl::StrContains(out, "<testcase name=\"demo.quiet\" classname=\"plans/p1.json\"/>"));
  CHECK(absl::StrContains(out,
                          "<failure type=\"critical\" message=\"step drop [2] (plans/p1.json:4:3): step drop "
                          "deletes, 100%, a:b\">deny step drop [2]"));
  CHECK(absl::StrContains(out, "<error type=\"invalid_plan\" message=\"plans/bad.json: expected `}` at 1:9\">"));
  CHECK(absl::StrContains(out, "<system-out>warn step read [0]"));

  // Markup in a message is escaped.
  f.good.decision.violations[0].message = "a <b> & \"c\"";
  CHECK(absl::StrContains(f.Run("junit"), "a &lt;b&gt; &amp; &quot;c&quot;"));
}

TEST_CASE("github: workflow commands, escaped, then the summary") {
  Fixture f;
  ::setenv("GAVEL_NO_TIMING", "1", 1);
  std::string out = f.Run("github");
  ::unsetenv("GAVEL_NO_TIMING");
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 5);
  // Violations in rule order, then warnings.
  CHECK(lines[0] == "::error file=plans/p1.json,line=4,col=3,title=demo.no_delete::step drop deletes, 100%25, a:b");
  CHECK(lines[1] == "::warning file=plans/p1.json,line=3,col=3,title=demo.needs_review::step fix patches");
  CHECK(lines[2] == "::warning file=plans/p1.json,line=2,col=3,title=demo.noisy::rule `demo.noisy` fired");
  CHECK(lines[3] == "::error file=plans/bad.json,title=invalid plan::plans/bad.json: expected `}` at 1:9");
  CHECK(lines[4] == "2 plans: 0 allowed, 1 denied, 0 needs approval, 1 error");
  // A JSON Lines record that does not decode is marked at its line.
  f.bad.path = "plans/all.jsonl:7";
  f.bad.file = "plans/all.jsonl";
  f.bad.plan_position = {7, 1};
  CHECK(absl::StrContains(f.Run("github"), "::error file=plans/all.jsonl,line=7,col=1,title=invalid plan::"));
  CHECK(absl::StrContains(f.Run("sarif"),
                          "{\"ruleId\": \"invalid-plan\", \"level\": \"error\", \"message\": {\"text\": "
                          "\"plans/bad.json: expected `}` at 1:9\"}, \"locations\": [{\"physicalLocation\": "
                          "{\"artifactLocation\": {\"uri\": \"plans/all.jsonl\"}, \"region\": {\"startLine\": 7, "
                          "\"startColumn\": 1}}}]}"));
  // Properties escape ':' and ','; messages escape newlines.
  f.good.path = "a,b:c.json";
  f.good.decision.violations[0].message = "two\nlines";
  CHECK(
      absl::StrContains(f.Run("github"), "::error file=a%2Cb%3Ac.json,line=4,col=3,title=demo.no_delete::two%0Alines"));
}

}  // namespace
}  // namespace gavel::cli
