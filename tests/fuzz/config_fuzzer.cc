// gavel.yaml text through ParseConfig and ResolveEnvironment: a config or
// located diagnostics, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gavel;
  Diagnostics diags;
  auto config = ParseConfig("gavel.yaml", std::string(reinterpret_cast<const char*>(data), size), "", diags);
  if (config == nullptr) {
    if (diags.empty()) gavel::fuzz::Fail("ParseConfig failed without a diagnostic");
    (void)diags.Format();
    return 0;
  }
  for (const auto& [name, env] : config->environments) {
    CompileOptions options;
    Diagnostics d;
    if (!ResolveEnvironment(*config, name, options, d)) gavel::fuzz::Fail("a defined environment does not resolve");
  }
  return 0;
}
