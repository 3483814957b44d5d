// Policy text through the whole compile pipeline (lexer, parser, checker,
// compiler): CompilePolicy must return a policy or diagnostics, never crash
// or hang. A policy that compiles must also round-trip through a bundle and
// evaluate a plan.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/bundle.h"
#include "engine/policy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gavel;
  auto source = std::make_shared<SourceFile>("fuzz.gavel", std::string(reinterpret_cast<const char*>(data), size));
  Diagnostics diags;
  auto policy = CompilePolicy({source}, diags);
  if (policy == nullptr) {
    if (diags.empty()) fuzz::Fail("CompilePolicy failed without a diagnostic");
    (void)diags.Format();  // every diagnostic must format (locations in range)
    return 0;
  }
  if (!diags.empty()) fuzz::Fail("a compiled policy came with errors", diags.Format());
  Decision direct = Evaluate(*policy, fuzz::FullPlan());
  auto bytes = WriteBundle(*policy);
  if (!bytes.ok()) return 0;  // values a bundle cannot hold
  auto loaded = ReadBundle(*bytes, "fuzz.bundle");
  if (!loaded.ok()) fuzz::Fail("a written bundle does not load", loaded.status().message());
  Decision again = Evaluate(**loaded, fuzz::FullPlan());
  if (direct.ToJson("p") != again.ToJson("p")) {
    fuzz::Fail("the bundle decides differently", direct.ToJson("p") + "\n" + again.ToJson("p"));
  }
  return 0;
}
