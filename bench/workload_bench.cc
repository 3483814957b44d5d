// The workloads of docs/performance.md on generated data (bench/workloads.h):
//   W1 one step x 10 rules; W2 20 steps x 25 rules; W3 200 steps x 100 rules;
//   W4 compiling 1,000 rules, and loading them from a bundle; W5 JSON text to decision (1, 20, 200 steps),
//   also through the C API (W5_capi);
//   W6 W2 on 1 and 2 threads sharing one compiled policy; KindsOfW2, KindsOfW3 W2 and W3 split by rule kind.
// Each reports ns per plan and per step (counters) and heap allocations per
// evaluation. Run pinned to one core (except W6):
//   taskset -c 1 build/bench/gavel_workloads --benchmark_filter=W2
// bench/run runs them all and writes the JSON summary.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>

#include "bench/alloc_counter.h"
#include "bench/workloads.h"
#include "engine/bundle.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "gavel/gavel.h"

namespace gavel::bench {
namespace {

std::shared_ptr<const CompiledPolicy> Compile(int rules) {
  Diagnostics diags;
  auto source = std::make_shared<SourceFile>("w.gavel", GeneratePolicy(rules));
  auto policy = CompilePolicy({source}, diags);
  if (!policy) {
    std::cerr << diags.Format();
    std::abort();
  }
  return policy;
}

Plan Decode(int steps) {
  auto plan = DecodePlanJson(GeneratePlanJson(steps));
  if (!plan.ok()) {
    std::cerr << plan.status() << "\n";
    std::abort();
  }
  return *std::move(plan);
}

// One compiled policy per rule count, shared by every benchmark and thread.
const CompiledPolicy& PolicyOf(int rules) {
  static std::mutex mu;
  static std::map<int, std::shared_ptr<const CompiledPolicy>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[rules];
  if (!slot) slot = Compile(rules);
  return *slot;
}

void SetCounters(benchmark::State& state, int steps, uint64_t allocs) {
  // Inverted rates: time per plan and per step (the console prints them with
  // units; the JSON holds seconds, which bench/summarize.py turns into ns).
  const double iters = static_cast<double>(state.iterations());
  const auto per = benchmark::Counter::kIsRate | benchmark::Counter::kInvert;
  state.counters["ns_per_plan"] = benchmark::Counter(iters, per);
  state.counters["ns_per_step"] = benchmark::Counter(iters * steps, per);
  state.counters["allocs_per_eval"] = static_cast<double>(allocs) / iters;
}

// W1-W3 and W6: a decoded plan against a compiled policy.
void EvaluatePlan(benchmark::State& state, int steps, int rules) {
  const CompiledPolicy& policy = PolicyOf(rules);
  const Plan plan = Decode(steps);
  benchmark::DoNotOptimize(Evaluate(policy, plan));  // warm-up
  const uint64_t before = AllocationCount();
  for (auto _ : state) benchmark::DoNotOptimize(Evaluate(policy, plan));
  SetCounters(state, steps, AllocationCount() - before);
}

void W1(benchmark::State& state) { EvaluatePlan(state, 1, 10); }
void W2(benchmark::State& state) { EvaluatePlan(state, 20, 25); }
void W3(benchmark::State& state) { EvaluatePlan(state, 200, 100); }
BENCHMARK(W1);
BENCHMARK(W2);
BENCHMARK(W3);

void W4_compile(benchmark::State& state) {
  auto source = std::make_shared<SourceFile>("w.gavel", GeneratePolicy(1000));
  for (auto _ : state) {
    Diagnostics diags;
    benchmark::DoNotOptimize(CompilePolicy({source}, diags));
  }
  state.counters["rules"] = 1000;
}
BENCHMARK(W4_compile)->Unit(benchmark::kMillisecond);

// The same 1,000 rules loaded from a compiled bundle (verified, not compiled).
void W4_bundle_load(benchmark::State& state) {
  absl::StatusOr<std::string> bytes = WriteBundle(PolicyOf(1000));
  if (!bytes.ok()) std::abort();
  for (auto _ : state) {
    auto loaded = ReadBundle(*bytes);
    if (!loaded.ok()) std::abort();
    benchmark::DoNotOptimize(loaded);
  }
  state.counters["bundle_bytes"] = static_cast<double>(bytes->size());
  const uint64_t before = AllocationCount();
  benchmark::DoNotOptimize(ReadBundle(*bytes));
  state.counters["allocs_per_load"] = static_cast<double>(AllocationCount() - before);
}
BENCHMARK(W4_bundle_load)->Unit(benchmark::kMillisecond);

void W5(benchmark::State& state) {
  const int steps = static_cast<int>(state.range(0));
  const CompiledPolicy& policy = PolicyOf(25);
  const std::string text = GeneratePlanJson(steps);
  const uint64_t before = AllocationCount();
  for (auto _ : state) {
    // Decoded as the evaluating APIs (C API, Python) do: no step positions.
    auto plan = DecodePlanJson(text, EvaluationPlanLimits());
    benchmark::DoNotOptimize(Evaluate(policy, *plan));
  }
  SetCounters(state, steps, AllocationCount() - before);
  state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
}
BENCHMARK(W5)->Arg(1)->Arg(20)->Arg(200);

// W5 through the C API, as an agent runtime linking libgavel runs it: JSON
// text to a gavel_decision, every finding's rule, message and location
// read, the decision freed.
void W5_capi(benchmark::State& state) {
  const int steps = static_cast<int>(state.range(0));
  const std::string policy_text = GeneratePolicy(25);
  const char* name = "w.gavel";
  const char* text = policy_text.c_str();
  gavel_policy* policy = nullptr;
  if (gavel_policy_compile(&name, &text, 1, &policy, nullptr) != GAVEL_OK) std::abort();
  const std::string plan = GeneratePlanJson(steps);
  size_t chars = 0;
  auto run = [&] {
    gavel_decision* d = nullptr;
    if (gavel_evaluate_json(policy, plan.data(), plan.size(), &d, nullptr) != GAVEL_OK) std::abort();
    for (int list : {GAVEL_VIOLATIONS, GAVEL_WARNINGS, GAVEL_ERRORS}) {
      for (size_t i = 0; i < gavel_decision_count(d, list); ++i) {
        const gavel_finding* f = gavel_decision_finding(d, list, i);
        chars += std::strlen(gavel_finding_rule(f)) + std::strlen(gavel_finding_message(f)) +
                 std::strlen(gavel_finding_location(f));
      }
    }
    gavel_decision_free(d);
  };
  run();  // warm-up
  const uint64_t before = AllocationCount();
  for (auto _ : state) run();
  SetCounters(state, steps, AllocationCount() - before);
  state.SetBytesProcessed(static_cast<int64_t>(plan.size()) * state.iterations());
  benchmark::DoNotOptimize(chars);
  gavel_policy_free(policy);
}
BENCHMARK(W5_capi)->Arg(1)->Arg(20)->Arg(200);

// W5's first half alone: JSON text to a decoded plan, with `limits`.
void Decode(benchmark::State& state, const PlanLimits& limits) {
  const int steps = static_cast<int>(state.range(0));
  const std::string text = GeneratePlanJson(steps);
  const uint64_t before = AllocationCount();
  for (auto _ : state) {
    auto plan = DecodePlanJson(text, limits);
    benchmark::DoNotOptimize(plan);
  }
  SetCounters(state, steps, AllocationCount() - before);
  state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
}

// As W5 decodes (no step positions).
void W5_decode(benchmark::State& state) { Decode(state, EvaluationPlanLimits()); }
BENCHMARK(W5_decode)->Arg(1)->Arg(20)->Arg(200);

// As `gavel lint` decodes: with the steps' positions for its reports.
void W5_decode_positions(benchmark::State& state) { Decode(state, PlanLimits()); }
BENCHMARK(W5_decode_positions)->Arg(200);

// W6: items per second on 1 and 2 threads (do not pin this one).
void W6(benchmark::State& state) {
  EvaluatePlan(state, 20, 25);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W6)->Threads(1)->Threads(2)->UseRealTime();

// W2 and W3 split by rule kind: only the generated rules of kind k
// (i % 6 == k, bench/workloads.cc: egress, scope, window, coverage, backup,
// data flow), to see where the time goes. Not in bench/run's summary.
void KindsOf(benchmark::State& state, int rules, int steps) {
  const int k = static_cast<int>(state.range(0));
  std::string text = GeneratePolicy(rules);
  std::string out = "package w\n\n";
  size_t pos = text.find("rule ");
  int i = 0;
  while (pos != std::string::npos) {
    size_t next = text.find("\nrule ", pos + 1);
    std::string block = text.substr(pos, next == std::string::npos ? std::string::npos : next + 1 - pos);
    if (i % 6 == k) out += block + "\n";
    ++i;
    pos = next == std::string::npos ? next : next + 1;
  }
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("w.gavel", out)}, diags);
  if (!policy) {
    std::cerr << diags.Format();
    std::abort();
  }
  const Plan plan = Decode(steps);
  Decision d = Evaluate(*policy, plan);
  const uint64_t before = AllocationCount();
  for (auto _ : state) benchmark::DoNotOptimize(Evaluate(*policy, plan));
  SetCounters(state, steps, AllocationCount() - before);
  state.counters["findings"] = static_cast<double>(d.violations.size() + d.warnings.size());
}
void KindsOfW2(benchmark::State& state) { KindsOf(state, 25, 20); }
void KindsOfW3(benchmark::State& state) { KindsOf(state, 100, 200); }
BENCHMARK(KindsOfW2)->DenseRange(0, 5);
BENCHMARK(KindsOfW3)->DenseRange(0, 5);

}  // namespace
}  // namespace gavel::bench

BENCHMARK_MAIN();
