// A per-thread object lent from call to call, so that scratch memory keeps
// its capacity between calls, or a fresh one when this thread's is already
// lent (a call inside a call). The evaluator's workspace and the plan
// decoders' field scratch are lent this way; each clears what it must
// before its lease ends.
#ifndef GAVEL_ENGINE_THREAD_LEASE_H_
#define GAVEL_ENGINE_THREAD_LEASE_H_

#include <memory>

namespace gavel {

template <class T>
class ThreadLease {
 public:
  ThreadLease() {
    Slot& cached = ThisThreads();
    if (cached.lent) {
      fresh_ = std::make_unique<T>();
      value_ = fresh_.get();
    } else {
      cached.lent = true;
      cached_ = &cached;
      value_ = &cached.value;
    }
  }
  ~ThreadLease() {
    if (cached_ != nullptr) cached_->lent = false;
  }
  ThreadLease(const ThreadLease&) = delete;
  ThreadLease& operator=(const ThreadLease&) = delete;

  T& operator*() const { return *value_; }
  T* operator->() const { return value_; }

 private:
  struct Slot {
    T value;
    bool lent = false;
  };
  static Slot& ThisThreads() {
    thread_local Slot slot;
    return slot;
  }

  Slot* cached_ = nullptr;    // this thread's, when lent to this lease
  std::unique_ptr<T> fresh_;  // else a fresh one
  T* value_;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_THREAD_LEASE_H_
