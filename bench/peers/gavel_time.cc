// Gavel's own time on a dumped workload, measured as the peers measure
// theirs (bench/peers/lib/workload.mjs): the policy compiled and the plan
// decoded once, then Evaluate() on the decoded plan (what W2 of
// bench/workload_bench.cc times), a median over batches of ~20 ms of the
// process's CPU time per plan, after a warm-up. Writes the decision to
// DIR/gavel_time.json so bench/peers/run can check it is the CLI's.
//
// Usage: gavel_time DIR [--runs N] [--warmup-ms N]
// Built by bench/CMakeLists.txt as gavel_peer_time.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/policy.h"

namespace {

int64_t CpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Stats {
  double median, min, max;
};

Stats Summarize(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  return {s[s.size() / 2], s.front(), s.back()};
}

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "gavel_time: " << message << "\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int runs = 31, warmup_ms = 2000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--runs" || arg == "--warmup-ms") && i + 1 < argc) {
      (arg == "--runs" ? runs : warmup_ms) = std::atoi(argv[++i]);
    } else if (dir.empty()) {
      dir = arg;
    } else {
      Fail("unknown argument " + arg);
    }
  }
  if (dir.empty() || runs < 1) Fail("usage: gavel_time DIR [--runs N] [--warmup-ms N]");

  auto sources = gavel::ReadPolicySources({dir + "/policy.gavel"});
  if (!sources.ok()) Fail(std::string(sources.status().message()));
  gavel::Diagnostics diags;
  auto policy = gavel::CompilePolicy(*sources, diags);
  if (!policy) Fail(diags.Format());
  auto plan = gavel::ReadPlanFile(dir + "/plan.json");
  if (!plan.ok()) Fail(std::string(plan.status().message()));

  const gavel::Decision decision = gavel::Evaluate(*policy, *plan);
  std::ofstream(dir + "/gavel_time.json") << decision.ToJson(dir + "/plan.json") << "\n";

  size_t sink = 0;
  auto evaluate = [&] { sink += gavel::Evaluate(*policy, *plan).violations.size(); };
  // Warm-up and batch sizes count CPU time, as in lib/workload.mjs.
  for (const int64_t start = CpuNs(); CpuNs() - start < int64_t{warmup_ms} * 1000000;) evaluate();
  constexpr double kBatchNs = 20e6;
  int64_t batch = 1;
  for (;;) {
    const int64_t t = CpuNs();
    for (int64_t i = 0; i < batch; ++i) evaluate();
    const double ns = static_cast<double>(CpuNs() - t);
    if (ns >= kBatchNs / 4) {
      batch = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(batch) * kBatchNs / ns + 0.5));
      break;
    }
    batch *= 2;
  }
  std::vector<double> cpu, wall;
  for (int r = 0; r < runs; ++r) {
    const int64_t c0 = CpuNs(), w0 = WallNs();
    for (int64_t i = 0; i < batch; ++i) evaluate();
    wall.push_back(static_cast<double>(WallNs() - w0) / static_cast<double>(batch));
    cpu.push_back(static_cast<double>(CpuNs() - c0) / static_cast<double>(batch));
  }
  const Stats c = Summarize(cpu), w = Summarize(wall);
  const size_t steps = plan->steps().size();
  std::printf(
      "{\"peer\": \"gavel\", \"verified\": true, \"verdict\": \"%s\", \"violations\": %zu, \"rules\": null, "
      "\"steps\": %zu, \"ns_per_plan\": %.1f, \"ns_per_step\": %.1f, \"min_ns_per_plan\": %.1f, "
      "\"max_ns_per_plan\": %.1f, \"wall_ns_per_plan\": %.1f, \"runs\": %d, \"plans_per_run\": %lld, "
      "\"precomputed\": \"nothing\", \"sink\": %zu}\n",
      gavel::VerdictName(decision.verdict), decision.violations.size(), steps, c.median,
      c.median / static_cast<double>(steps), c.min, c.max, w.median, runs, static_cast<long long>(batch), sink);
  return 0;
}
