// Policy test suites (engine/test_suite.h): parse errors located in the
// suite, pass/fail detection and its messages, fires/not_fires with steps
// and counts, `now`, environments of a config, and coverage. The suites run
// against tests/data/test_suites/pass/ (ops.gavel, tools.gavel, gavel.yaml).
#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "engine/test_suite.h"

namespace gavel {
namespace {

const std::string kData = std::string(GAVEL_SOURCE_DIR) + "/tests/data/test_suites";
const std::string kPass = kData + "/pass";

// Parses `text` as if it were pass/ops_test.yaml (so it tests ops.gavel
// unless it says otherwise).
std::shared_ptr<const TestSuite> Parse(const std::string& text, Diagnostics& diags,
                                       const std::string& name = "ops_test.yaml") {
  return ParseTestSuite(kPass + "/" + name, text, kPass, diags);
}

// "line:col code message" of each diagnostic, in source order.
std::vector<std::string> Errors(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic* d : diags.Sorted()) {
    out.push_back(absl::StrCat(d->location.line(), ":", d->location.column(), " ", d->code, " ", d->message));
  }
  return out;
}

// The single error of parsing `text`.
std::string ParseError(const std::string& text) {
  Diagnostics diags;
  auto suite = Parse(text, diags);
  CHECK(suite == nullptr);
  std::vector<std::string> errors = Errors(diags);
  INFO(diags.Format());
  REQUIRE(errors.size() == 1);
  return errors[0];
}

struct Run {
  bool ok = false;
  std::vector<TestResult> results;
  Diagnostics diags;
};

Run RunSuite(TestRunner& runner, const std::string& text, const std::string& name = "ops_test.yaml") {
  Run run;
  auto suite = Parse(text, run.diags, name);
  INFO(run.diags.Format());
  REQUIRE(suite != nullptr);
  run.ok = runner.Run(*suite, run.results, run.diags);
  return run;
}

// Lines 3-4 of OneTest's suite: `expect` is on line 5, its value from column 13.
const char* kDeletePlan =
    "    plan: {steps: [{id: a, action: kubectl.delete, verb: delete, resource: {namespace: kube-system}},\n"
    "                   {id: b, action: kubectl.delete, verb: delete, resource: {namespace: default}}]}\n";

std::string OneTest(const std::string& expect, const std::string& plan = kDeletePlan) {
  return absl::StrCat("tests:\n  - name: t\n", plan, "    expect: ", expect, "\n");
}

TEST_CASE("a suite's expectations are parsed") {
  Diagnostics diags;
  auto suite = Parse(R"(params: {ops.protected: [payments]}
tests:
  - name: one
    plan: plans/delete.yaml
    now: "2026-11-28T10:00:00Z"
    expect:
      verdict: needs_approval
      fires: [ops.delete_needs_approval, {rule: ops.protected_namespace, step: drop, count: 2}]
      not_fires: [{rule: ops.office_hours, step: look}]
      errors: 0
)",
                     diags);
  INFO(diags.Format());
  REQUIRE(suite != nullptr);
  REQUIRE(suite->policies == std::vector<std::string>{kPass + "/ops.gavel"});  // the same stem
  REQUIRE(suite->params.count("ops.protected") == 1);
  REQUIRE(suite->tests.size() == 1);
  const TestCase& t = suite->tests[0];
  CHECK(t.name == "one");
  CHECK(t.location.line() == 3);
  CHECK(t.plan_name == kPass + "/plans/delete.yaml");
  CHECK(t.plan.steps().size() == 2);
  CHECK(t.verdict == Verdict::kNeedsApproval);
  REQUIRE(t.fires.size() == 2);
  CHECK(t.fires[0].rule == "ops.delete_needs_approval");
  CHECK(t.fires[0].step.empty());
  CHECK(t.fires[0].count == -1);
  CHECK(t.fires[1].rule == "ops.protected_namespace");
  CHECK(t.fires[1].step == "drop");
  CHECK(t.fires[1].count == 2);
  REQUIRE(t.not_fires.size() == 1);
  CHECK(t.not_fires[0].step == "look");
  CHECK(t.errors == 0);
}

TEST_CASE("suite errors are located in the suite, with did-you-mean") {
  CHECK(ParseError("tests: [\n") .rfind("2:1 syntax_error invalid YAML", 0) == 0);
  CHECK(ParseError("polices: [ops.gavel]\n" + OneTest("{verdict: deny}")) ==
        "1:1 unknown_field unknown key `polices` in the suite (did you mean `policies`?); expected one of "
        "`policies`, `config`, `params`, `tests`");
  CHECK(ParseError("tests:\n  - name: t\n    plan: plans/delete.yaml\n    expct: 1\n    expect: {verdict: deny}\n")
            .rfind("4:5 unknown_field unknown key `expct` in test `t` (did you mean `expect`?)", 0) == 0);
  CHECK(ParseError(OneTest("{verdict: dney}")) ==
        "5:23 suite_error `verdict` is `allow`, `deny` or `needs_approval`, not `dney` (did you mean `deny`?)");
  CHECK(ParseError(OneTest("{fires: [{rule: ops.no_exec, stepp: a}]}"))
            .rfind("5:42 unknown_field unknown key `stepp` in an entry of `fires` (did you mean `step`?)", 0) == 0);
  CHECK(ParseError(OneTest("{fires: [{rule: ops.no_exec, count: 0}]}")) ==
        "5:49 suite_error `count` is how many findings to expect (1 or more; for none use `not_fires`), not `0`");
  CHECK(ParseError(OneTest("{not_fires: [{rule: ops.no_exec, count: 1}]}"))
            .rfind("5:46 unknown_field unknown key `count` in an entry of `not_fires`", 0) == 0);
  CHECK(ParseError(OneTest("{errors: -1}")) ==
        "5:22 suite_error `errors` is how many runtime errors to expect (0 or more), not `-1`");
  CHECK(ParseError(OneTest("{fires: [no_package]}")) ==
        "5:22 suite_error rule `no_package` needs its package: write `package.rule`");
  CHECK(ParseError(OneTest("{fires: [{rule: ops.no_exec, step: c}]}")) ==
        "5:48 unknown_name the plan of test `t` has no step `c`");
  CHECK(ParseError(OneTest("{}")).rfind("5:13 suite_error `expect` is a mapping with at least one of", 0) == 0);
  CHECK(ParseError("tests:\n  - name: t\n    plan: plans/delete.yaml\n") == "2:5 suite_error test `t` has no `expect`");
  CHECK(ParseError("tests:\n  - plan: plans/delete.yaml\n    expect: {verdict: deny}\n") ==
        "2:5 suite_error a test needs a `name`");
  CHECK(ParseError("tests: []\n") == "1:8 suite_error `tests` is a list of tests, not an empty list");
  CHECK(ParseError("policies: [ops.gavel]\n") == "1:1 suite_error the suite has no `tests`");
  CHECK(ParseError(OneTest("{verdict: deny}") + "  - name: t\n    plan: plans/delete.yaml\n    expect: {verdict: deny}\n") ==
        "6:11 duplicate_declaration duplicate test name `t`");
  CHECK(ParseError("tests:\n  - name: t\n    env: prod\n    plan: plans/delete.yaml\n    expect: {verdict: deny}\n") ==
        "3:10 suite_error test `t` names environment `prod`, but the suite has no `config` to define it");
  CHECK(ParseError("params: {protected: [a]}\n" + OneTest("{verdict: deny}")) ==
        "1:10 suite_error param `protected` needs its package: write `package.param`");
  CHECK(ParseError(OneTest("{verdict: deny}", "    plan: plans/delete.yaml\n    now: tomorrow\n"))
            .rfind("4:10 suite_error `now` is an RFC 3339 timestamp", 0) == 0);
  CHECK(ParseError("- a\n") == "1:1 suite_error a suite is a mapping with `tests` (and optionally `policies`, `config`, "
                               "`params`), not a sequence");
  // The YAML reader shared with gavel.yaml, speaking of a suite.
  CHECK(ParseError("tests: \xff\n") == "1:1 syntax_error the suite is not valid UTF-8");
  CHECK(ParseError("tests: []\n---\ntests: []\n") == "2:1 syntax_error a suite is one YAML document, this file has more than one");
  CHECK(ParseError("params: {ops.a: !!binary aGk=}\n" + OneTest("{verdict: deny}")) ==
        "1:17 suite_error the tag `tag:yaml.org,2002:binary` is not supported; quote strings instead");
}

TEST_CASE("without `policies`, a suite needs a .gavel file of its stem") {
  Diagnostics diags;
  CHECK(Parse(OneTest("{verdict: deny}"), diags, "nothing_test.yaml") == nullptr);
  REQUIRE(Errors(diags) == std::vector<std::string>{absl::StrCat(
                               "1:1 suite_error no policies to test: the suite has no `policies` (or `config`) "
                               "and there is no `",
                               kPass, "/nothing.gavel`")});
}

TEST_CASE("plan errors name the test and point into the suite") {
  // Inline: the decoder's error, at the offending node of the suite.
  CHECK(ParseError(OneTest("{verdict: deny}", R"(    plan:
      steps:
        - id: a
          network: {host: x, port: "eighty"}
)")) == "6:36 plan_error test `t`: invalid plan: steps[0].network.port: expected an integer, got `eighty`");
  CHECK(ParseError(OneTest("{verdict: deny}", "    plan: {stepz: []}\n")) ==
        "3:12 plan_error test `t`: invalid plan: plan: unknown field `stepz` (did you mean `steps`?)");
  // A plan file: the decoder's error at the file's name.
  CHECK(ParseError(OneTest("{verdict: deny}", "    plan: plans/missing.yaml\n")) ==
        absl::StrCat("3:11 plan_error test `t`: ", kPass, "/plans/missing.yaml: cannot open: No such file or directory"));
  CHECK(ParseError(OneTest("{verdict: deny}", "    plan: [a]\n")) ==
        "3:11 suite_error `plan` is a plan file or an inline plan (a mapping), not a sequence");
}

TEST_CASE("aliases cannot blow a small suite up") {
  // ops.j expands to 10^10 strings.
  std::string text = "params:\n  ops.a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    absl::StrAppend(&text, "  ops.", std::string(1, c), ": &", std::string(1, c), " [*", prev, ", *", prev, ", *",
                    prev, ", *", prev, ", *", prev, ", *", prev, ", *", prev, ", *", prev, ", *", prev, ", *", prev,
                    "]\n");
  }
  Diagnostics diags;
  CHECK(Parse(text + OneTest("{verdict: deny}"), diags) == nullptr);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].message == "the suite expands (through aliases) to more values than its text could hold");
}

TEST_CASE("passing and failing tests, and what differed") {
  TestRunner runner;
  Run run = RunSuite(runner, R"(tests:
  - name: passes
    plan: plans/delete.yaml
    expect: {verdict: needs_approval, fires: [ops.delete_needs_approval], not_fires: [ops.protected_namespace]}
  - name: wrong verdict
    plan: plans/delete.yaml
    expect: {verdict: deny}
  - name: wrong rules
    plan: plans/delete.yaml
    expect:
      fires: [ops.protected_namespace, {rule: ops.delete_needs_approval, step: look}]
      not_fires: [ops.delete_needs_approval]
)");
  INFO(run.diags.Format());
  REQUIRE(run.ok);
  REQUIRE(run.results.size() == 3);
  CHECK(run.results[0].passed);
  CHECK(run.results[0].failures.empty());
  CHECK(run.results[0].name == "passes");
  CHECK(run.results[0].location == kPass + "/ops_test.yaml:2:5");

  CHECK(!run.results[1].passed);
  CHECK(run.results[1].failures == std::vector<std::string>{
                                       "verdict: want `deny`, got `needs_approval`",
                                       "decision: needs_approval; fired: `ops.delete_needs_approval` (drop)"});
  CHECK(run.results[1].decision.verdict == Verdict::kNeedsApproval);

  CHECK(!run.results[2].passed);
  CHECK(run.results[2].failures ==
        std::vector<std::string>{
            "fires: `ops.protected_namespace` did not fire",
            "fires: `ops.delete_needs_approval` did not fire on step `look` (it fired on `drop`)",
            "not_fires: `ops.delete_needs_approval` fired on step `drop`: step drop deletes ledger",
            "decision: needs_approval; fired: `ops.delete_needs_approval` (drop)"});
}

TEST_CASE("fires counts findings, on a step or over the plan") {
  TestRunner runner;
  auto results = [&](const std::string& expect) {
    Run run = RunSuite(runner, OneTest(expect));
    INFO(run.diags.Format());
    REQUIRE(run.ok);
    REQUIRE(run.results.size() == 1);
    return run.results[0].failures;
  };
  CHECK(results("{fires: [{rule: ops.delete_needs_approval, count: 2}]}").empty());
  CHECK(results("{fires: [{rule: ops.delete_needs_approval, step: b, count: 1}]}").empty());
  CHECK(results("{fires: [{rule: ops.protected_namespace, step: a}], not_fires: [{rule: ops.protected_namespace, "
                "step: b}]}")
            .empty());
  CHECK(results("{fires: [{rule: ops.delete_needs_approval, count: 3}]}").at(0) ==
        "fires: `ops.delete_needs_approval` fired 2 times, want 3");
  CHECK(results("{fires: [{rule: ops.protected_namespace, step: b, count: 1}]}").at(0) ==
        "fires: `ops.protected_namespace` fired 0 times on step `b`, want 1");
  CHECK(results("{not_fires: [{rule: ops.protected_namespace, step: a}]}").at(0) ==
        "not_fires: `ops.protected_namespace` fired on step `a`: step a touches kube-system");
}

TEST_CASE("runtime errors fail a test unless expected") {
  TestRunner runner;
  const char* plan = "    plan: {steps: [{id: up, verb: scale, args: {replicas: \"12\"}}]}\n";
  Run run = RunSuite(runner, OneTest("{verdict: deny}", plan) + "  - name: expected\n" + plan +
                                 "    expect: {verdict: deny, errors: 1}\n  - name: too many\n" + plan +
                                 "    expect: {errors: 2}\n");
  INFO(run.diags.Format());
  REQUIRE(run.results.size() == 3);
  CHECK(run.results[0].failures.at(0) ==
        "errors: want 0, got 1 (runtime errors fail a test unless `expect` has `errors`)");
  CHECK(run.results[0].failures.at(1) == "  error `ops.many_replicas` on step `up`: no such overload: _>_(string, int)");
  CHECK(run.results[1].passed);  // the quoted "12" stayed a string on its way to the plan decoder
  CHECK(run.results[2].failures.at(0) == "errors: want 2, got 1");
}

TEST_CASE("`now` overrides the plan's context.now") {
  TestRunner runner;
  Run run = RunSuite(runner, R"(tests:
  - name: thursday
    plan: plans/delete.yaml
    expect: {not_fires: [ops.office_hours]}
  - name: saturday
    plan: plans/delete.yaml
    now: "2026-11-28T10:00:00Z"
    expect: {verdict: deny, fires: [ops.office_hours]}
  - name: thursday night, inline
    plan: {steps: []}
    now: "2026-11-26T22:00:00+01:00"
    expect: {verdict: deny, fires: [ops.office_hours]}
)");
  REQUIRE(run.results.size() == 3);
  for (const TestResult& r : run.results) {
    INFO(r.name << ": " << (r.failures.empty() ? "" : r.failures[0]));
    CHECK(r.passed);
  }
}

TEST_CASE("rule names must exist in the compiled policies") {
  TestRunner runner;
  Run run = RunSuite(runner, OneTest("{fires: [ops.delete_needs_aproval], not_fires: [ops.defualt]}"));
  CHECK(!run.ok);
  CHECK(run.results.empty());  // a suite that cannot run runs no test
  CHECK(Errors(run.diags) ==
        std::vector<std::string>{
            "5:22 unknown_name no rule `ops.delete_needs_aproval` in the policies under test (did you mean "
            "`ops.delete_needs_approval`?)",
            "5:61 unknown_name no rule `ops.defualt` in the policies under test"});
  // `PACKAGE.default` names the steps a `default deny` package leaves unpermitted.
  Run tools = RunSuite(runner, "policies: [tools.gavel]\n" + OneTest("{fires: [tools.default]}"));
  INFO(tools.diags.Format());
  CHECK(tools.ok);
}

TEST_CASE("policies that do not compile make the suite invalid") {
  TestRunner runner;
  Run run = RunSuite(runner, "params: {ops.protected: 3}\n" + OneTest("{verdict: deny}"));
  CHECK(!run.ok);
  CHECK(Errors(run.diags).at(0).rfind("1:10 type_error", 0) == 0);  // at the param, in the suite
  Run missing = RunSuite(runner, "policies: [nothere.gavel]\n" + OneTest("{verdict: deny}"));
  CHECK(!missing.ok);
  CHECK(Errors(missing.diags) ==
        std::vector<std::string>{absl::StrCat("1:11 io_error ", kPass, "/nothere.gavel: no such file or directory")});
}

TEST_CASE("tests run in the environments of a config") {
  TestRunner runner;
  Run run = RunSuite(runner, R"(config: gavel.yaml
policies: [ops.gavel, tools.gavel]
tests:
  - name: prod protects payments
    env: prod
    plan: plans/delete.yaml
    expect: {verdict: deny, fires: [{rule: ops.protected_namespace, count: 2}]}
  - name: no environment, no protection
    plan: plans/delete.yaml
    expect: {not_fires: [ops.protected_namespace]}
  - name: dev reports the allowlist's denials as warnings
    env: dev
    plan: {steps: [{id: x, action: rm}]}
    expect: {verdict: allow, fires: [{rule: tools.default, step: x}]}
)",
                     "env_test.yaml");
  INFO(run.diags.Format());
  REQUIRE(run.ok);
  REQUIRE(run.results.size() == 3);
  for (const TestResult& r : run.results) {
    INFO(r.name << ": " << (r.failures.empty() ? "" : r.failures[0]));
    CHECK(r.passed);
  }
  CHECK(run.results[2].decision.warnings.at(0).dryrun);

  // Without `policies` (and no env.gavel), the config's policies: ops.gavel.
  Run staging = RunSuite(runner, R"(config: gavel.yaml
tests:
  - name: a runtime error in dryrun is still a runtime error, not a finding
    env: staging
    plan: {steps: [{id: up, verb: scale, args: {replicas: "12"}}]}
    expect: {verdict: allow, errors: 1, not_fires: [ops.many_replicas]}
)",
                         "env_test.yaml");
  INFO(staging.diags.Format());
  REQUIRE(staging.ok);
  REQUIRE(staging.results.size() == 1);
  CHECK(staging.results[0].failures == std::vector<std::string>{});

  Run unknown = RunSuite(runner, R"(config: gavel.yaml
tests:
  - name: t
    env: prd
    plan: plans/delete.yaml
    expect: {verdict: deny}
)",
                         "env_test.yaml");
  CHECK(!unknown.ok);
  CHECK(Errors(unknown.diags) ==
        std::vector<std::string>{absl::StrCat("4:10 unknown_name no environment `prd` in `", kPass,
                                              "/gavel.yaml` (did you mean `prod`?); it defines `dev`, `prod`, `staging`")});

  Run no_config = RunSuite(runner, "config: nothere.yaml\n" + OneTest("{verdict: deny}"));
  CHECK(!no_config.ok);
  CHECK(Errors(no_config.diags).at(0) ==
        absl::StrCat("1:9 io_error ", kPass, "/nothere.yaml: cannot open the config"));
}

TEST_CASE("coverage: which rules some test exercised") {
  TestRunner runner;
  Run ops = RunSuite(runner, OneTest("{fires: [ops.protected_namespace]}") + R"(  - name: u
    plan: plans/delete.yaml
    expect: {verdict: needs_approval}
)");
  REQUIRE(ops.ok);
  // The same policy file from a second suite: its rules are listed once.
  Run again = RunSuite(runner, "policies: [ops.gavel, tools.gavel]\n" +
                                   OneTest("{verdict: allow}", "    plan: {steps: [{id: g, action: kubectl.get, "
                                                              "verb: get}]}\n"));
  REQUIRE(again.ok);
  std::vector<std::string> got;
  for (const RuleCoverage& r : runner.Coverage()) {
    // Paths as the suites resolved them, against pass/.
    REQUIRE(r.location.rfind(kPass + "/", 0) == 0);
    got.push_back(absl::StrCat(r.location.substr(kPass.size() + 1), " ", r.rule, " ", r.tests));
  }
  CHECK(got == std::vector<std::string>{
                   "ops.gavel:10:6 ops.protected_namespace 1",
                   "ops.gavel:18:6 ops.delete_needs_approval 2",  // both tests of the first suite
                   "ops.gavel:27:6 ops.many_replicas 0",
                   "ops.gavel:35:6 ops.office_hours 0",
                   "ops.gavel:42:6 ops.no_exec 0",
                   "tools.gavel:6:6 tools.kubectl_reads 1",  // a permit that permitted a step
                   "tools.gavel:13:6 tools.backups 0",
               });
}

TEST_CASE("the suites under tests/data/test_suites/pass all pass") {
  TestRunner runner;
  const std::vector<std::string> files = FindTestSuites({kPass});
  REQUIRE(files == std::vector<std::string>{kPass + "/env_test.yaml", kPass + "/ops_test.yaml",
                                            kPass + "/tools_test.yaml"});
  for (const std::string& file : files) {
    Diagnostics diags;
    auto suite = LoadTestSuite(file, diags);
    INFO(file << "\n" << diags.Format());
    REQUIRE(suite != nullptr);
    std::vector<TestResult> results;
    REQUIRE(runner.Run(*suite, results, diags));
    for (const TestResult& r : results) {
      INFO(r.location << " " << r.name << ": " << (r.failures.empty() ? "" : r.failures[0]));
      CHECK(r.passed);
    }
  }
}

}  // namespace
}  // namespace gavel
