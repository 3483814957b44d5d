// Benchmarks of the whole pipeline on the repository's own data: compiling
// the standard policies, decoding plans, and evaluating each example plan.
// Run pinned to one core:  taskset -c 1 build/bench/gavel_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/bundle.h"
#include "engine/policy.h"

namespace gavel {
namespace {

std::string Root() { return GAVEL_SOURCE_DIR; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<const CompiledPolicy> StandardPolicies() {
  auto sources = ReadPolicySources({Root() + "/policies"});
  Diagnostics diags;
  auto policy = CompilePolicy(*sources, diags);
  if (!policy) std::abort();
  return policy;
}

void BM_CompileStandardPolicies(benchmark::State& state) {
  auto sources = ReadPolicySources({Root() + "/policies"});
  for (auto _ : state) {
    Diagnostics diags;
    benchmark::DoNotOptimize(CompilePolicy(*sources, diags));
  }
}
BENCHMARK(BM_CompileStandardPolicies);

// Loading the same policy set from its bundle (docs/bundles.md): checksum,
// decoding, regexes compiled again, bytecode verification.
void BM_LoadBundleStandardPolicies(benchmark::State& state) {
  auto bytes = WriteBundle(*StandardPolicies());
  if (!bytes.ok()) std::abort();
  for (auto _ : state) benchmark::DoNotOptimize(ReadBundle(*bytes));
  state.SetBytesProcessed(static_cast<int64_t>(bytes->size()) * state.iterations());
  state.counters["bundle_bytes"] = static_cast<double>(bytes->size());
}
BENCHMARK(BM_LoadBundleStandardPolicies);

void BM_WriteBundleStandardPolicies(benchmark::State& state) {
  auto policy = StandardPolicies();
  for (auto _ : state) benchmark::DoNotOptimize(WriteBundle(*policy));
}
BENCHMARK(BM_WriteBundleStandardPolicies);

// One example plan against every standard policy (the plan is decoded once).
void BM_Evaluate(benchmark::State& state, const char* plan_file) {
  auto policy = StandardPolicies();
  auto plan = ReadPlanFile(Root() + "/examples/plans/" + plan_file);
  if (!plan.ok()) std::abort();
  const double steps = static_cast<double>(plan->steps().size());
  for (auto _ : state) benchmark::DoNotOptimize(Evaluate(*policy, *plan));
  state.counters["ns_per_step"] = benchmark::Counter(steps * state.iterations(),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["steps"] = steps;
}
BENCHMARK_CAPTURE(BM_Evaluate, secret_exfiltration, "secret-exfiltration.json");
BENCHMARK_CAPTURE(BM_Evaluate, prod_rollout, "prod-rollout.json");
BENCHMARK_CAPTURE(BM_Evaluate, airgap_maintenance, "airgap-maintenance.yaml");

// JSON text to decision, end to end.
void BM_JsonToDecision(benchmark::State& state, const char* plan_file) {
  auto policy = StandardPolicies();
  const std::string text = ReadText(Root() + "/examples/plans/" + plan_file);
  for (auto _ : state) {
    auto plan = DecodePlanJson(text);
    benchmark::DoNotOptimize(Evaluate(*policy, *plan));
  }
  state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
}
BENCHMARK_CAPTURE(BM_JsonToDecision, secret_exfiltration, "secret-exfiltration.json");
BENCHMARK_CAPTURE(BM_JsonToDecision, prod_rollout, "prod-rollout.json");

}  // namespace
}  // namespace gavel

BENCHMARK_MAIN();
