// Deterministic generated workloads for the benchmarks (W1-W7 of
// docs/performance.md): policies whose rules are drawn from the standard
// library's kinds (egress, namespace scope, time window, grant coverage,
// ordering, data flow) and plans of any number of steps. The same seed gives
// the same text on every machine (no std:: distributions, which differ
// between standard libraries).
#ifndef GAVEL_BENCH_WORKLOADS_H_
#define GAVEL_BENCH_WORKLOADS_H_

#include <cstdint>
#include <string>

namespace gavel::bench {

// A policy set of `rules` rules in one package `w`, as .gavel source text.
std::string GeneratePolicy(int rules, uint64_t seed = 1);

// A plan of `steps` steps as JSON text: kubectl reads and changes in a few
// namespaces, HTTP egress, backups before deletes, grants covering most of it.
std::string GeneratePlanJson(int steps, uint64_t seed = 2);

}  // namespace gavel::bench

#endif  // GAVEL_BENCH_WORKLOADS_H_
