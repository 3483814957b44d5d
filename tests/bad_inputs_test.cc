// Bad inputs (tests/bad_inputs/*.yaml, see its README.md): each case is an
// input the engine must refuse, with the exact error it must give. Every
// case must finish (no crash, no hang) and never allow.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/config.h"
#include "engine/plan.h"
#include "engine/policy.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(GAVEL_SOURCE_DIR) / "tests" / "bad_inputs")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `input: text`, or `parts:` concatenated: a string, {repeat: s, count: n},
// {hex: "ff fe"}, or {file: path, offset: n, length: n} (a slice of a file
// of the repository). Huge inputs are generated here, not committed.
std::string Input(const YAML::Node& c) {
  if (c["input"]) return c["input"].as<std::string>();
  std::string out;
  for (const YAML::Node& part : c["parts"]) {
    if (part.IsScalar()) {
      out += part.as<std::string>();
    } else if (part["repeat"]) {
      const std::string s = part["repeat"].as<std::string>();
      for (int i = 0, n = part["count"].as<int>(); i < n; ++i) out += s;
    } else if (part["hex"]) {
      std::string hex = part["hex"].as<std::string>();
      hex.erase(std::remove(hex.begin(), hex.end(), ' '), hex.end());
      out += absl::HexStringToBytes(hex);
    } else if (part["file"]) {
      const std::string bytes = ReadFile(fs::path(GAVEL_SOURCE_DIR) / part["file"].as<std::string>());
      const size_t offset = part["offset"] ? part["offset"].as<size_t>() : 0;
      const size_t length = part["length"] ? part["length"].as<size_t>() : std::string::npos;
      out += bytes.substr(std::min(offset, bytes.size()), length);
    } else {
      FAIL("unknown part in " << YAML::Dump(part));
    }
  }
  return out;
}

// `limits:` of a case: the limits the engine runs with (else the defaults).
void ReadLimits(const YAML::Node& c, CompileOptions* options, PlanLimits* plan) {
  const YAML::Node l = c["limits"];
  if (!l) return;
  if (l["max_source_bytes"]) options->max_source_bytes = l["max_source_bytes"].as<size_t>();
  if (l["max_expression_depth"]) options->max_expression_depth = l["max_expression_depth"].as<int>();
  if (l["max_plan_bytes"]) plan->max_plan_bytes = l["max_plan_bytes"].as<size_t>();
  if (l["max_depth"]) plan->max_depth = l["max_depth"].as<int>();
  if (l["max_string_bytes"]) plan->max_string_bytes = l["max_string_bytes"].as<size_t>();
  if (l["max_steps"]) plan->max_steps = l["max_steps"].as<size_t>();
}

struct Got {
  std::string code;
  std::string at;  // line:col, when the error has a location of its own
  std::string message;
};

Got FromDiagnostics(const Diagnostics& diags) {
  if (diags.empty()) return {"(no error)", "", ""};
  const Diagnostic& d = *diags.Sorted().front();
  (void)diags.Format();  // every diagnostic formats (its location lies in its file)
  return {d.code, d.location.file ? absl::StrCat(d.location.line(), ":", d.location.column()) : "", d.message};
}

Got FromStatus(const absl::Status& st) {
  if (st.ok()) return {"(no error)", "", ""};
  return {absl::StatusCodeToString(st.code()), "", std::string(st.message())};
}

Got Run(const YAML::Node& c, const std::string& kind, const std::string& input) {
  CompileOptions options;
  PlanLimits plan_limits;
  ReadLimits(c, &options, &plan_limits);
  if (kind == "policy") {
    Diagnostics diags;
    auto policy = CompilePolicy({std::make_shared<SourceFile>("bad.gavel", input)}, diags, options);
    CHECK((policy == nullptr) == !diags.empty());
    return FromDiagnostics(diags);
  }
  if (kind == "config") {
    Diagnostics diags;
    auto config = ParseConfig("gavel.yaml", input, "", diags);
    if (config != nullptr && c["env"]) {
      ResolveEnvironment(*config, c["env"].as<std::string>(), options, diags);
    }
    return FromDiagnostics(diags);
  }
  if (kind == "plan_json" || kind == "plan_yaml" || kind == "plan_proto") {
    const PlanFormat format = kind == "plan_json" ? PlanFormat::kJson
                              : kind == "plan_yaml" ? PlanFormat::kYaml
                                                    : PlanFormat::kProto;
    return FromStatus(DecodePlan(input, format, plan_limits).status());
  }
  if (kind == "bundle") return FromStatus(ReadBundle(input, "bad.bundle").status());
  if (kind == "eval") {
    // A plan that decodes, and a policy whose rule fails on it at run time:
    // the decision must be deny, with the error.
    Diagnostics diags;
    auto policy = CompilePolicy({std::make_shared<SourceFile>("policy.gavel", c["policy"].as<std::string>())}, diags);
    REQUIRE(policy != nullptr);
    auto plan = DecodePlanJson(input, plan_limits);
    REQUIRE(plan.ok());
    Decision d = Evaluate(*policy, *plan);
    CHECK(d.verdict == Verdict::kDeny);
    if (d.errors.empty()) return {"(no error)", "", ""};
    const std::string& loc = d.errors.front().location;  // policy.gavel:L:C
    return {"eval_error", loc.substr(loc.find(':') + 1), d.errors.front().message};
  }
  FAIL("unknown kind `" << kind << "`");
  return {};
}

TEST_CASE("bad inputs give their exact error, never a crash or an allow") {
  const std::vector<fs::path> files = CaseFiles();
  CHECK(files.size() >= 60);
  for (const fs::path& file : files) {
    DYNAMIC_SECTION(file.filename().string()) {
      const YAML::Node c = YAML::LoadFile(file.string());
      const std::string kind = c["kind"].as<std::string>();
      const std::string input = Input(c);
      const Got got = Run(c, kind, input);
      // GAVEL_BAD_INPUTS_PRINT=1 prints what each case gives (to write a new case's `error:`).
      if (std::getenv("GAVEL_BAD_INPUTS_PRINT") != nullptr) {
        std::printf("%s\t%s\t%s\t%s\n", file.stem().c_str(), got.code.c_str(), got.at.c_str(), got.message.c_str());
      }
      const YAML::Node want = c["error"];
      REQUIRE(want);
      CHECK(got.code == want["code"].as<std::string>());
      CHECK(got.at == (want["at"] ? want["at"].as<std::string>() : std::string()));
      CHECK(got.message == want["message"].as<std::string>());
    }
  }
}

}  // namespace
}  // namespace gavel
