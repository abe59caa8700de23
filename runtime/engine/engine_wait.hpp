// Engine::wait_until: poll, then back off without hogging a shared core.
#pragma once

#include "base/api_lock.hpp"
#include "engine/engine.hpp"
#include "transport/common/backoff.hpp"

namespace parley {

template <class Pred>
void Engine::wait_until(Pred pred) {
  if (pred()) return;
  transport::Backoff backoff(oversubscribed_, params_.spin_count, params_.spin_ns);
  // Peers may see that we are here (a receiver then shares a large copy with
  // us, see cts_split); nested waits keep the outer one's mark.
  struct WaitMark {
    std::atomic<std::uint32_t>* flag;
    bool set;
    explicit WaitMark(std::atomic<std::uint32_t>* f)
        : flag(f), set(f != nullptr && f->load(std::memory_order_relaxed) == 0) {
      if (set) flag->store(1, std::memory_order_relaxed);
    }
    ~WaitMark() {
      if (set) flag->store(0, std::memory_order_relaxed);
    }
    WaitMark(const WaitMark&) = delete;
    WaitMark& operator=(const WaitMark&) = delete;
  } mark(waiting_flag_);
  for (;;) {
    // Messages still arriving restart the spin phase: a long wait that is
    // being fed (a window of many receives) must not fall into yielding,
    // a system call per poll, while its peer streams to it.
    if (progress()) backoff.reset();
    if (pred()) return;
    // MPI_THREAD_MULTIPLE: a thread blocked on the API lock may be the one
    // that sends what we wait for.
    if (ApiLock::enabled() && ApiLock::get().held_by_me()) ApiLock::get().yield_to_waiters();
    backoff.pause();
  }
}

}  // namespace parley
