// The per-thread cache of value objects' blocks (engine/heap_cache.h): freed
// blocks are handed out again by size class, at most 256 KiB per class are
// kept, larger blocks are not kept, and blocks may cross threads. Runs under
// ASan (a kept block is poisoned) and TSan (scripts/test.sh).
#include "engine/heap_cache.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/plan.h"
#include "engine/value.h"

namespace gavel {
namespace {

TEST_CASE("a freed block is handed out again for a request of its size class", "[heap_cache]") {
  void* a = HeapCacheAllocate(40);
  std::memset(a, 0xab, 40);
  HeapCacheFree(a, 40);
  const uint64_t before = HeapCacheReuses();
  void* b = HeapCacheAllocate(48);  // 33..48 bytes share a class
  CHECK(b == a);
  CHECK(HeapCacheReuses() == before + 1);
  std::memset(b, 0xcd, 48);  // the whole class size is usable
  void* c = HeapCacheAllocate(48);  // the cache of that class is empty again
  CHECK(c != a);
  CHECK(HeapCacheReuses() == before + 1);
  HeapCacheFree(b, 48);
  HeapCacheFree(c, 48);
}

TEST_CASE("blocks of another class or larger than 512 bytes are not reused", "[heap_cache]") {
  void* small = HeapCacheAllocate(64);
  HeapCacheFree(small, 64);
  const uint64_t before = HeapCacheReuses();
  void* other = HeapCacheAllocate(80);
  CHECK(HeapCacheReuses() == before);
  void* large = HeapCacheAllocate(4096);
  std::memset(large, 1, 4096);
  HeapCacheFree(large, 4096);
  void* large_again = HeapCacheAllocate(4096);
  CHECK(HeapCacheReuses() == before);
  HeapCacheFree(large_again, 4096);
  HeapCacheFree(other, 80);
  void* reused = HeapCacheAllocate(64);
  CHECK(reused == small);
  HeapCacheFree(reused, 64);
}

TEST_CASE("a thread keeps at most 256 KiB of blocks per size class", "[heap_cache]") {
  constexpr size_t kBytes = 32, kKept = (256 << 10) / kBytes, kMade = kKept + 1000;
  // Start from an empty class: take whatever the thread kept of it.
  std::vector<void*> drained;
  const uint64_t start = HeapCacheReuses();
  while (true) {
    void* p = HeapCacheAllocate(kBytes);
    drained.push_back(p);
    if (HeapCacheReuses() == start + drained.size() - 1) break;  // came from the heap
  }
  for (void* p : drained) ::operator delete(p);  // any block may go straight to the heap

  std::vector<void*> blocks;
  for (size_t i = 0; i < kMade; ++i) blocks.push_back(HeapCacheAllocate(kBytes));
  for (void* p : blocks) HeapCacheFree(p, kBytes);
  const uint64_t before = HeapCacheReuses();
  for (size_t i = 0; i < kMade; ++i) blocks[i] = HeapCacheAllocate(kBytes);
  CHECK(HeapCacheReuses() - before == kKept);
  for (void* p : blocks) HeapCacheFree(p, kBytes);
}

TEST_CASE("values' objects come from the cache and go back to it", "[heap_cache]") {
  {
    Value s = Value::String(std::string(30, 'x'));
    Value l = Value::List({Value::Int(1), s});
  }
  const uint64_t before = HeapCacheReuses();
  Value s = Value::String("again");
  Value l = Value::List({s});
  CHECK(HeapCacheReuses() == before + 2);
  CHECK(s.str() == "again");
  CHECK(l.list().elems.size() == 1);
}

TEST_CASE("a plan decoded on one thread is freed on another", "[heap_cache]") {
  // Messages, strings and lists made by one thread, released by another that
  // then exits (its kept blocks go back to the heap: LSan sees no leak).
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<Plan> plan = DecodePlanJson(R"({"id": "p", "steps": [
      {"id": "a", "action": "kubectl.get", "resource": {"kind": "Secret", "namespace": "payments"}},
      {"id": "b", "action": "http.post", "inputs": ["a"], "network": {"host": "api.example.com", "egress": true}}]})");
    REQUIRE(plan.ok());
    std::thread other([p = std::move(*plan)]() mutable {
      CHECK(p.steps().size() == 2);
      Plan gone = std::move(p);
    });
    other.join();
  }
  // The blocks the other threads freed are theirs: this thread allocates anew.
  absl::StatusOr<Plan> plan = DecodePlanJson(R"({"id": "q", "steps": [{"id": "c", "action": "kubectl.get"}]})");
  REQUIRE(plan.ok());
  CHECK(plan->steps().size() == 1);
}

}  // namespace
}  // namespace gavel
