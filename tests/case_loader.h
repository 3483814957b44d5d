// The data-driven cases of tests/cases/*.yaml (see cases_test.cc): their
// files, policy sources and plans, for every test that runs them.
#ifndef GAVEL_TESTS_CASE_LOADER_H_
#define GAVEL_TESTS_CASE_LOADER_H_

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/plan.h"
#include "engine/source.h"

namespace gavel::testing {

// Every case file, sorted.
inline std::vector<std::filesystem::path> CaseFiles() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(GAVEL_SOURCE_DIR) / "tests" / "cases";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// `policy:` (named policy.gavel) and `policies:` (name: text).
inline std::vector<std::shared_ptr<const SourceFile>> CaseSources(const YAML::Node& c) {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  if (c["policy"]) sources.push_back(std::make_shared<SourceFile>("policy.gavel", c["policy"].as<std::string>()));
  for (const auto& kv : c["policies"]) {
    sources.push_back(std::make_shared<SourceFile>(kv.first.as<std::string>(), kv.second.as<std::string>()));
  }
  return sources;
}

// `plan_json:` (JSON text) or `plan:` (YAML); an error if the case has none.
inline absl::StatusOr<Plan> CasePlan(const YAML::Node& c) {
  if (c["plan_json"]) return DecodePlanJson(c["plan_json"].as<std::string>());
  if (c["plan"]) {
    YAML::Emitter out;
    out << c["plan"];
    return DecodePlanYaml(out.c_str());
  }
  return absl::InvalidArgumentError("the case has no plan");
}

}  // namespace gavel::testing

#endif  // GAVEL_TESTS_CASE_LOADER_H_
