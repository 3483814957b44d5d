// Tests of `gavel doc` (engine/policy_doc.h): what a reference shows, and the
// committed reference of the standard library (docs/stdlib-reference.md),
// which must match what `gavel doc policies/` writes. To regenerate it:
//   GAVEL_UPDATE_GOLDEN=1 ctest -R policy_doc_test
#include "engine/policy_doc.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/policy.h"

namespace gavel {
namespace {

std::string Doc(const std::string& text) {
  Diagnostics diags;
  auto md = PolicyReferenceMarkdown({std::make_shared<SourceFile>("p.gavel", text)}, diags);
  INFO(diags.Format());
  REQUIRE(md.ok());
  return *md;
}

TEST_CASE("policy doc: docs, params, defaults and rules") {
  std::string md = Doc(
      "/// The package.\n///\n/// Second paragraph.\npackage pkg\ndefault deny\n\n"
      "/// How many at most.\nparam limit: int = 3\n/// Who approves.\nparam who: list<string> = [\n  \"a\",\n  \"b\"\n]\n"
      "param needed: string\n/// Big steps.\nlet big = plan.steps.filter(s, s.index > limit)\n\n"
      "/// Too many steps.\n///\n/// Details here.\n@severity(\"high\")\n@tags(\"t1\", \"t2\")\nrule too_many {\n"
      "  require_approval(who, \"ops\")\n  when size(big) > 0 // count\n}\n\nrule other {\n  permit\n  for s in plan.steps\n}\n");
  CHECK(md.find("## Package `pkg`") != std::string::npos);
  CHECK(md.find("The package.\n\nSecond paragraph.") != std::string::npos);
  CHECK(md.find("`default deny`") != std::string::npos);
  CHECK(md.find("| `limit` | `int` | `3` | How many at most. |") != std::string::npos);
  CHECK(md.find("| `who` | `list<string>` | `[\"a\", \"b\"]` | Who approves. |") != std::string::npos);
  CHECK(md.find("| `needed` | `string` | (required) |") != std::string::npos);
  CHECK(md.find("| `big` | Big steps. |") != std::string::npos);
  CHECK(md.find("### Rule `pkg.too_many`\n\nToo many steps.\n\nDetails here.\n") != std::string::npos);
  CHECK(md.find("- effect: `require_approval` by `ops`, param `who`") != std::string::npos);
  CHECK(md.find("- severity: `high`") != std::string::npos);
  CHECK(md.find("- tags: `t1`, `t2`") != std::string::npos);
  CHECK(md.find("- source: `p.gavel:23`") != std::string::npos);
  CHECK(md.find("```\nrequire_approval(who, \"ops\")\nwhen size(big) > 0 // count\n```") != std::string::npos);
  // Declaration order: too_many before other; a rule without doc or tags.
  CHECK(md.find("### Rule `pkg.too_many`") < md.find("### Rule `pkg.other`"));
  CHECK(md.find("- effect: `permit`\n- severity: `medium`\n- source:") != std::string::npos);
}

TEST_CASE("policy doc: a file that does not parse is an error") {
  Diagnostics diags;
  auto md = PolicyReferenceMarkdown({std::make_shared<SourceFile>("p.gavel", "package p\nrule r {\n")}, diags);
  CHECK_FALSE(md.ok());
  CHECK_FALSE(diags.empty());
}

TEST_CASE("policy doc: docs/stdlib-reference.md is up to date") {
  auto sources = ReadPolicySources({"policies"});
  REQUIRE(sources.ok());
  Diagnostics diags;
  auto md = PolicyReferenceMarkdown(*sources, diags);
  INFO(diags.Format());
  REQUIRE(md.ok());
  const std::string path = std::string(GAVEL_SOURCE_DIR) + "/docs/stdlib-reference.md";
  const char* update = std::getenv("GAVEL_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << *md;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream committed;
  committed << in.rdbuf();
  INFO("regenerate with GAVEL_UPDATE_GOLDEN=1 ctest -R policy_doc_test (or gavel doc policies -o docs/stdlib-reference.md)");
  CHECK(committed.str() == *md);
  CHECK(md->find("### Rule `airgap.no_external_egress`") != std::string::npos);
}

}  // namespace
}  // namespace gavel
