// ReadPolicySources: files and directories, in order, each file once.
#include <catch2/catch.hpp>

#include <string>

#include "engine/policy.h"

namespace gavel {
namespace {

const std::string kRoot = GAVEL_SOURCE_DIR;

TEST_CASE("a directory and a file inside it give each file once") {
  auto both = ReadPolicySources({kRoot + "/policies", kRoot + "/policies/airgap.gavel",
                                 kRoot + "/policies/../policies/airgap.gavel"});
  auto dir = ReadPolicySources({kRoot + "/policies"});
  REQUIRE(both.ok());
  REQUIRE(dir.ok());
  CHECK(both->size() == dir->size());
  Diagnostics diags;
  CHECK(CompilePolicy(*both, diags) != nullptr);
  CHECK(diags.empty());
}

TEST_CASE("a directory's files come sorted; a missing path is an error") {
  auto dir = ReadPolicySources({kRoot + "/policies"});
  REQUIRE(dir.ok());
  REQUIRE(dir->size() >= 2);
  for (size_t i = 1; i < dir->size(); ++i) CHECK((*dir)[i - 1]->name() < (*dir)[i]->name());
  auto missing = ReadPolicySources({kRoot + "/no/such/dir"});
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.status().message()).find("no such file or directory") != std::string::npos);
}

}  // namespace
}  // namespace gavel
