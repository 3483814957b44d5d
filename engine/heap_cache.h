// Memory for values' heap objects (strings, lists, maps, messages): each
// thread keeps the blocks it freed, by size, and hands them out again, as
// SQLite's lookaside allocator does. Decoding a 200-step plan makes and later
// frees some 2,000 small objects; through malloc alone, the frees overflow
// glibc's small per-thread cache and the next plan's allocations take its
// slow paths (a fifth of decoding time, docs/performance.md).
//
// Every block is an ordinary ::operator new allocation of its size class
// (16-byte steps up to 512 bytes; larger requests go straight to the heap),
// so a block may be freed on any thread, and ::operator delete is always a
// correct way to free one. A thread keeps at most 256 KiB of blocks per size
// class; the rest, and everything it kept when it exits, go back to the heap.
// In ASan builds a kept block is poisoned, so a use after free is still
// caught, and freeing a kept block twice aborts.
#ifndef GAVEL_ENGINE_HEAP_CACHE_H_
#define GAVEL_ENGINE_HEAP_CACHE_H_

#include <cstddef>
#include <cstdint>

namespace gavel {

// A block of at least `bytes` bytes, aligned for any value object.
void* HeapCacheAllocate(size_t bytes);
// Frees a block from HeapCacheAllocate; `bytes` is the size it was asked for.
void HeapCacheFree(void* block, size_t bytes);

// Blocks this thread got from its cache rather than from the heap, since it
// started: allocation counters add them (bench/alloc_counter.cc), so that a
// cached block still counts as an allocation.
uint64_t HeapCacheReuses();

}  // namespace gavel

#endif  // GAVEL_ENGINE_HEAP_CACHE_H_
