// `gavel test [--coverage] [--require-coverage] [-v] PATH...`: runs policy
// test suites (docs/testing.md) and prints what differed. Exit code: 0 every
// test passed, 1 some failed (or, with --require-coverage, some rule was
// never exercised), 3 a suite, policy, plan or config is invalid.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "engine/cli/commands.h"
#include "engine/test_suite.h"

namespace gavel::cli {
namespace {

struct TestOptions {
  std::vector<std::string> paths;
  bool coverage = false;
  bool require_coverage = false;
  bool verbose = false;
};

std::string Plural(size_t n, const char* one, const char* many) { return absl::StrCat(n, " ", n == 1 ? one : many); }

int RunTests(const TestOptions& opts) {
  const std::vector<std::string> files = FindTestSuites(opts.paths);
  if (files.empty()) {
    std::cerr << "gavel: no test suites (*_test.yaml) found\n";
    return kExitInvalid;
  }
  TestRunner runner;
  size_t passed = 0, failed = 0, suites = 0, invalid = 0, errors = 0;
  for (const std::string& file : files) {
    Diagnostics diags;
    std::vector<TestResult> results;
    auto suite = LoadTestSuite(file, diags);
    if (!suite || !runner.Run(*suite, results, diags)) {
      ++invalid;
      errors += diags.size();
      std::cout.flush();
      PrintDiagnostics(diags);
      continue;
    }
    ++suites;
    for (const TestResult& r : results) {
      (r.passed ? passed : failed)++;
      if (r.passed && !opts.verbose) continue;
      std::cout << (r.passed ? "PASS " : "FAIL ") << r.location << ": " << r.name << "\n";
      for (const std::string& f : r.failures) std::cout << "  " << f << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed in " << Plural(suites, "suite", "suites");
  if (invalid > 0) std::cout << " (" << invalid << " invalid)";
  std::cout << "\n";

  size_t unexercised = 0;
  if (opts.coverage || opts.require_coverage) {
    const std::vector<RuleCoverage> rules = runner.Coverage();
    std::string listing;
    for (const RuleCoverage& r : rules) {
      if (r.tests == 0) {
        ++unexercised;
        absl::StrAppend(&listing, "  ", r.location, " ", r.rule, "\n");
      } else if (opts.verbose) {
        absl::StrAppend(&listing, "  ", r.location, " ", r.rule, ": ", Plural(r.tests, "test", "tests"), "\n");
      }
    }
    std::cout << "coverage: " << rules.size() - unexercised << " of " << Plural(rules.size(), "rule", "rules")
              << " exercised" << (unexercised > 0 ? "; not exercised:" : "") << "\n"
              << listing;
  }
  std::cout.flush();
  if (invalid > 0) {
    std::cerr << "gavel: " << Plural(errors, "error", "errors") << "\n";
    return kExitInvalid;
  }
  if (failed > 0) return kExitDeny;
  if (opts.require_coverage && unexercised > 0) {
    std::cerr << "gavel: " << Plural(unexercised, "rule was", "rules were") << " never exercised (--require-coverage)\n";
    return kExitDeny;
  }
  return kExitAllow;
}

}  // namespace

Command AddTestCommand(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "run policy test suites (*_test.yaml)");
  cmd->add_option("paths", opts->paths, "suite files, or directories searched for *_test.yaml")->required();
  cmd->add_flag("--coverage", opts->coverage, "list the rules no test exercised");
  cmd->add_flag("--require-coverage", opts->require_coverage, "fail when a rule was never exercised (implies --coverage)");
  cmd->add_flag("--verbose,-v", opts->verbose, "print every test, and with --coverage every rule");
  return [opts]() { return RunTests(*opts); };
}

}  // namespace gavel::cli
