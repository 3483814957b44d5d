#include "engine/heap_cache.h"

#include <sanitizer/asan_interface.h>  // the poisoning macros do nothing outside ASan

#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define GAVEL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GAVEL_ASAN 1
#endif
#endif

namespace gavel {
namespace {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = 32;  // blocks of 16, 32, ..., 512 bytes
constexpr size_t kLargest = kGranule * kClasses;
constexpr size_t kKeptBytesPerClass = size_t{256} << 10;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so that it stays usable while the thread exits:
// objects freed by later thread-local destructors (or, on the main thread,
// by static destructors) go to the heap once `closed` is set.
struct Cache {
  FreeBlock* head[kClasses];
  uint32_t count[kClasses];
  uint64_t reuses;
  bool drainer_registered;
  bool closed;
};
thread_local Cache cache;  // zero-initialized

size_t ClassOf(size_t bytes) { return (bytes - 1) / kGranule; }
size_t ClassBytes(size_t c) { return (c + 1) * kGranule; }

// The link stays addressable; the rest of a kept block is poisoned.
void Poison(FreeBlock* b, size_t c) {
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<char*>(b) + sizeof(FreeBlock), ClassBytes(c) - sizeof(FreeBlock));
}

void Unpoison(FreeBlock* b, size_t c) { ASAN_UNPOISON_MEMORY_REGION(b, ClassBytes(c)); }

// A kept block is poisoned past its link: freeing it again finds it so.
void CheckNotKept(void* block) {
#ifdef GAVEL_ASAN
  if (__asan_address_is_poisoned(static_cast<char*>(block) + sizeof(FreeBlock))) std::abort();
#else
  (void)block;
#endif
}

void Drain() {
  for (size_t c = 0; c < kClasses; ++c) {
    while (FreeBlock* b = cache.head[c]) {
      Unpoison(b, c);
      cache.head[c] = b->next;
      ::operator delete(b);
    }
    cache.count[c] = 0;
  }
}

// Registered with the first kept block: returns the blocks when the thread exits.
struct Drainer {
  ~Drainer() {
    cache.closed = true;
    Drain();
  }
};

}  // namespace

void* HeapCacheAllocate(size_t bytes) {
  if (bytes == 0 || bytes > kLargest) return ::operator new(bytes);
  const size_t c = ClassOf(bytes);
  Cache& k = cache;
  if (FreeBlock* b = k.head[c]) {
    Unpoison(b, c);
    k.head[c] = b->next;
    --k.count[c];
    ++k.reuses;
    return b;
  }
  return ::operator new(ClassBytes(c));
}

void HeapCacheFree(void* block, size_t bytes) {
  if (block == nullptr) return;
  Cache& k = cache;
  const size_t c = ClassOf(bytes);
  if (bytes == 0 || bytes > kLargest || k.closed || k.count[c] >= kKeptBytesPerClass / ClassBytes(c)) {
    ::operator delete(block);
    return;
  }
  if (!k.drainer_registered) {
    k.drainer_registered = true;
    thread_local Drainer drainer;
    (void)drainer;
  }
  CheckNotKept(block);
  FreeBlock* b = static_cast<FreeBlock*>(block);
  b->next = k.head[c];
  Poison(b, c);
  k.head[c] = b;
  ++k.count[c];
}

uint64_t HeapCacheReuses() { return cache.reuses; }

}  // namespace gavel
