// Shared by the fuzz targets (tests/fuzz/*_fuzzer.cc): the policy set and the
// plan that targets fuzzing one side evaluate against the other side, both
// built once. See docs/security.md ("Fuzzing").
#ifndef GAVEL_TESTS_FUZZ_FUZZ_UTIL_H_
#define GAVEL_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "engine/plan.h"
#include "engine/policy.h"

#ifndef GAVEL_SOURCE_DIR
#error "GAVEL_SOURCE_DIR must be defined by the build"
#endif

namespace gavel::fuzz {

// A fuzzer's own invariant failed: abort, so libFuzzer saves the input.
[[noreturn]] inline void Fail(const char* what, absl::string_view detail = {}) {
  // Through std::string: g++ -O2 warns (format-overflow) on a view that may be null.
  const std::string text(detail.data() == nullptr ? "" : std::string(detail));
  std::fprintf(stderr, "fuzz invariant failed: %s: %s\n", what, text.c_str());
  std::abort();
}

// The standard library (policies/), compiled once.
inline const CompiledPolicy& StandardLibrary() {
  static const std::shared_ptr<const CompiledPolicy> policy = [] {
    auto sources = ReadPolicySources({std::string(GAVEL_SOURCE_DIR) + "/policies"});
    if (!sources.ok()) Fail("reading policies/", sources.status().message());
    Diagnostics diags;
    auto compiled = CompilePolicy(*sources, diags);
    if (compiled == nullptr) Fail("compiling policies/", diags.Format());
    return compiled;
  }();
  return *policy;
}

// A plan touching most of the schema (tests/data/plans/full.json), decoded once.
inline const Plan& FullPlan() {
  static const Plan plan = [] {
    auto p = ReadPlanFile(std::string(GAVEL_SOURCE_DIR) + "/tests/data/plans/full.json");
    if (!p.ok()) Fail("reading tests/data/plans/full.json", p.status().message());
    return *std::move(p);
  }();
  return plan;
}

}  // namespace gavel::fuzz

#endif  // GAVEL_TESTS_FUZZ_FUZZ_UTIL_H_
