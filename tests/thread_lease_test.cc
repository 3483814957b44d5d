// ThreadLease (engine/thread_lease.h): the thread's object comes back from
// lease to lease with what it kept; a lease taken while it is lent (an
// evaluation inside an evaluation) gets an object of its own.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "engine/thread_lease.h"

namespace gavel {
namespace {

struct Scratch {
  std::vector<int> kept;
};

TEST_CASE("thread lease: reused from lease to lease, fresh when nested, per thread") {
  Scratch* first = nullptr;
  {
    ThreadLease<Scratch> lease;
    first = &*lease;
    lease->kept.push_back(1);
    {
      ThreadLease<Scratch> nested;
      CHECK(&*nested != first);
      CHECK(nested->kept.empty());
    }
  }
  {
    ThreadLease<Scratch> again;
    CHECK(&*again == first);
    CHECK(again->kept == std::vector<int>{1});
    again->kept.clear();
  }
  Scratch* other = nullptr;
  std::thread([&] {
    ThreadLease<Scratch> lease;
    other = &*lease;
    CHECK(lease->kept.empty());
  }).join();
  CHECK(other != first);
}

}  // namespace
}  // namespace gavel
