// A JSON plan evaluated against the standard library (policies/), compiled
// once: every plan that decodes gets a decision, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/plan.h"
#include "engine/policy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gavel;
  const CompiledPolicy& policy = fuzz::StandardLibrary();
  auto plan = DecodePlanJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!plan.ok()) return 0;
  Decision d = Evaluate(policy, *plan);
  // Fail closed: a decision with errors never allows.
  if (!d.errors.empty() && d.verdict != Verdict::kDeny) fuzz::Fail("errors without a deny", d.ToJson("p"));
  return 0;
}
