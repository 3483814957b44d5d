// Bundle bytes through ReadBundle: a bundle is untrusted input, so whatever
// loads (checksum right, program verified) must evaluate a plan without
// crashing or hanging.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/bundle.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gavel;
  auto policy = ReadBundle(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.bundle");
  if (!policy.ok()) {
    const auto code = policy.status().code();
    if (code != absl::StatusCode::kInvalidArgument && code != absl::StatusCode::kFailedPrecondition) {
      fuzz::Fail("ReadBundle failed with an unexpected code", policy.status().ToString());
    }
    return 0;
  }
  (void)Evaluate(**policy, fuzz::FullPlan()).ToJson("p");
  return 0;
}
