// Data-driven cases: tests/cases/*.yaml, each a policy, a plan and the
// expected decision or the expected errors (see tests/cases/README.md).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "engine/policy.h"
#include "tests/case_loader.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;
using testing::CaseFiles;

std::string Str(const YAML::Node& n) { return n ? n.as<std::string>() : std::string(); }

// Compares the given keys of an expected violation with the actual one.
std::string DiffViolation(const YAML::Node& want, const Violation& got) {
  std::string diff;
  auto cmp = [&](const char* key, std::string_view actual) {
    if (want[key] && want[key].as<std::string>() != actual) {
      absl::StrAppend(&diff, key, ": want `", want[key].as<std::string>(), "`, got `", std::string(actual), "`; ");
    }
  };
  cmp("rule", got.rule);
  cmp("effect", EffectName(got.effect));
  cmp("severity", got.severity);
  cmp("step", got.step);
  cmp("message", got.message);
  cmp("location", got.location);
  if (want["step_index"] && want["step_index"].as<int64_t>() != got.step_index) {
    absl::StrAppend(&diff, "step_index: want ", want["step_index"].as<int64_t>(), ", got ", got.step_index, "; ");
  }
  if (want["approvers"]) {
    if (want["approvers"].as<std::vector<std::string>>() != got.approvers) absl::StrAppend(&diff, "approvers differ; ");
  }
  return diff;
}

void CheckViolations(const YAML::Node& want, const std::vector<Violation>& got, const char* what) {
  size_t n = want ? want.size() : 0;
  std::string listing;
  for (const auto& v : got) {
    listing += "\n  " + std::string(v.rule) + " " + std::string(v.step) + ": " + std::string(v.message);
  }
  INFO(what << " got:" << listing);
  REQUIRE(got.size() == n);
  for (size_t i = 0; i < n; ++i) {
    std::string diff = DiffViolation(want[i], got[i]);
    INFO(what << "[" << i << "]: " << diff);
    CHECK(diff.empty());
  }
}

void RunCase(const fs::path& path) {
  YAML::Node c = YAML::LoadFile(path.string());
  REQUIRE((c["policy"] || c["policies"]));
  std::vector<std::shared_ptr<const SourceFile>> sources = testing::CaseSources(c);
  Diagnostics diags;
  auto policy = CompilePolicy(sources, diags);

  if (c["expect_compile_errors"]) {
    INFO("diagnostics:\n" << diags.Format());
    REQUIRE(policy == nullptr);
    const YAML::Node& want = c["expect_compile_errors"];
    REQUIRE(diags.size() == want.size());
    // In source order, as users see them.
    const auto got = diags.Sorted();
    for (size_t i = 0; i < want.size(); ++i) {
      const Diagnostic& d = *got[i];
      INFO("error " << i << ": " << d.Format());
      CHECK(absl::StrCat(d.location.line(), ":", d.location.column()) == Str(want[i]["at"]));
      CHECK(d.code == Str(want[i]["code"]));
      CHECK(d.message.find(Str(want[i]["contains"])) != std::string::npos);
    }
    return;
  }
  INFO("diagnostics:\n" << diags.Format());
  REQUIRE(policy != nullptr);

  absl::StatusOr<Plan> plan = testing::CasePlan(c);
  if (c["expect_plan_error"]) {
    INFO("plan status: " << plan.status());
    REQUIRE(!plan.ok());
    CHECK(std::string(plan.status().message()).find(Str(c["expect_plan_error"])) != std::string::npos);
    return;
  }
  INFO("plan status: " << plan.status());
  REQUIRE(plan.ok());
  Decision d = Evaluate(*policy, *plan);
  const YAML::Node& want = c["expect"];
  REQUIRE(want);
  INFO("decision: " << d.ToJson(path.filename().string()));
  CHECK(VerdictName(d.verdict) == Str(want["verdict"]));
  CheckViolations(want["violations"], d.violations, "violations");
  CheckViolations(want["warnings"], d.warnings, "warnings");
  size_t nerr = want["errors"] ? want["errors"].size() : 0;
  REQUIRE(d.errors.size() == nerr);
  for (size_t i = 0; i < nerr; ++i) {
    const YAML::Node& e = want["errors"][i];
    INFO("errors[" << i << "]: " << d.errors[i].rule << " " << d.errors[i].step << ": " << d.errors[i].message);
    if (e["rule"]) CHECK(d.errors[i].rule == Str(e["rule"]));
    if (e["step"]) CHECK(d.errors[i].step == Str(e["step"]));
    if (e["message_contains"]) CHECK(d.errors[i].message.find(Str(e["message_contains"])) != std::string::npos);
  }
  if (want["approvers"]) CHECK(d.approvers == want["approvers"].as<std::vector<std::string>>());
}

TEST_CASE("data-driven cases in tests/cases") {
  auto files = CaseFiles();
  REQUIRE(files.size() >= 80);
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) { RunCase(f); }
  }
}

}  // namespace
}  // namespace gavel
