// Replaces the global operator new/delete to count allocations. Only linked
// into benchmark binaries (never into the library).
#include "bench/alloc_counter.h"

#include <cstdlib>
#include <new>

#include "engine/heap_cache.h"

namespace {
// Per thread: one counter shared by threads would be a contended cache line
// on every allocation, which is what W6 (threads sharing a policy) measured
// more than the engine.
thread_local uint64_t g_allocations = 0;

void* Allocate(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace gavel::bench {
// Blocks reused from the engine's per-thread heap cache count as allocations too.
uint64_t AllocationCount() { return g_allocations + HeapCacheReuses(); }
}  // namespace gavel::bench

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
