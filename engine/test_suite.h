// Policy test suites (`*_test.yaml`, docs/testing.md): YAML files that pair
// plans with the decision expected of the policies next to them. Parsed
// into a TestSuite (every plan decoded, every key checked), then run by a
// TestRunner, which compiles each distinct policy set once and records
// which rules the tests exercised (coverage).
//
//   Diagnostics diags;
//   auto suite = LoadTestSuite("policies/airgap_test.yaml", diags);  // null on error
//   TestRunner runner;
//   std::vector<TestResult> results;
//   if (!runner.Run(*suite, results, diags)) ...   // policies, config, rule names
//   for (const RuleCoverage& r : runner.Coverage()) if (r.tests == 0) ...
//
// Every error is a Diagnostic located in the suite (or the config) file.
#ifndef GAVEL_ENGINE_TEST_SUITE_H_
#define GAVEL_ENGINE_TEST_SUITE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/source.h"

namespace gavel {

struct Config;

// One entry of `fires` or `not_fires`: a rule, optionally pinned to a step
// and (fires only) to an exact number of findings.
struct RuleExpectation {
  std::string rule;      // package.name (or package.default)
  std::string step;      // a step id; empty: any step or none
  int64_t count = -1;    // -1: at least one (fires) / none (not_fires)
  Location location;     // of the entry
  Location step_location;
};

struct TestCase {
  std::string name;
  Location location;  // of the test's mapping
  std::string env;    // empty: the config's defaults (or no config)
  Location env_location;
  Plan plan;          // decoded, with `now` applied
  std::string plan_name;  // the plan file, or "inline"
  std::optional<Verdict> verdict;
  std::vector<RuleExpectation> fires;
  std::vector<RuleExpectation> not_fires;
  std::optional<int64_t> errors;  // unset: any runtime error fails the test
};

struct TestSuite {
  std::shared_ptr<const SourceFile> source;  // the YAML text, for locations
  std::vector<std::string> policies;  // resolved against the suite's directory; empty: the config's
  Location policies_location;
  std::string config;                 // resolved path of gavel.yaml, or empty
  Location config_location;
  // Suite-wide param overrides by "package.param", with their locations.
  std::map<std::string, Value> params;
  std::map<std::string, Location> param_locations;
  std::string params_key;  // the params in canonical text, to cache compilations
  std::vector<TestCase> tests;
};

// Parses a suite. `name` is used in locations; relative paths (policies,
// config, plan files) resolve against `base_dir`. Plan files are read and
// every plan decoded here. Returns null (with diagnostics) on a YAML syntax
// error, an unknown key, a value of the wrong shape, or a plan that does not
// decode.
std::shared_ptr<const TestSuite> ParseTestSuite(std::string name, std::string text, std::string_view base_dir,
                                                Diagnostics& diags);
// Reads and parses a suite file; without `policies`, it tests the .gavel file
// of the same stem (`airgap_test.yaml` -> `airgap.gavel`) when there is one.
std::shared_ptr<const TestSuite> LoadTestSuite(const std::string& path, Diagnostics& diags);

// The suite files under `paths`: a file is taken as is, a directory is
// searched recursively for `*_test.yaml` (sorted).
std::vector<std::string> FindTestSuites(const std::vector<std::string>& paths);

struct TestResult {
  std::string name;
  std::string location;  // file:line:col of the test
  bool passed = false;
  std::vector<std::string> failures;  // what differed, one line each
  Decision decision;
};

// A rule of a policy set the runner compiled, and how many tests exercised
// it: produced a finding (deny, approval, warn, dryrun warning) or, for a
// permit rule of a `default deny` package, permitted a step. Permit rules of
// other packages are inert and not listed.
struct RuleCoverage {
  std::string rule;      // package.name
  std::string location;  // file:line:col
  int tests = 0;
};

class TestRunner {
 public:
  TestRunner();
  ~TestRunner();
  TestRunner(const TestRunner&) = delete;
  TestRunner& operator=(const TestRunner&) = delete;

  // Runs every test of `suite`, appending one result per test. Returns
  // false, with diagnostics and without running any test, when the suite
  // cannot run: its config or policies do not load or compile, a test names
  // an unknown environment, rule or step.
  bool Run(const TestSuite& suite, std::vector<TestResult>& results, Diagnostics& diags);

  // Every rule of the policy sets compiled so far (by location, then name),
  // each once even when several suites test it.
  std::vector<RuleCoverage> Coverage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_TEST_SUITE_H_
