// binary protobuf plan bytes through DecodePlanProto: a plan or an InvalidArgument error,
// never a crash, a hang or another status code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/plan.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gavel;
  auto plan = DecodePlanProto(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!plan.ok() && plan.status().code() != absl::StatusCode::kInvalidArgument) {
    fuzz::Fail("decode failed with an unexpected code", plan.status().ToString());
  }
  if (plan.ok()) (void)plan->steps().size();
  return 0;
}
