// Counts heap allocations made through operator new by the calling thread
// (the benchmark binary replaces the global operator new; see
// alloc_counter.cc), and the blocks the thread reused from the engine's
// heap cache (engine/heap_cache.h).
#ifndef GAVEL_BENCH_ALLOC_COUNTER_H_
#define GAVEL_BENCH_ALLOC_COUNTER_H_

#include <cstdint>

namespace gavel::bench {

uint64_t AllocationCount();

}  // namespace gavel::bench

#endif  // GAVEL_BENCH_ALLOC_COUNTER_H_
