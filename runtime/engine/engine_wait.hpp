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
  // While a wait is idle (its rounds bring no new message, only control
  // replies) peers may see that we are here: a receiver then shares a large
  // copy with us (cts_split). A wait that is receiving is busy with its own
  // copies and is not asked.
  struct WaitMark {
    std::atomic<std::uint32_t>* flag;
    bool set = false;
    void idle(bool yes) {
      if (flag == nullptr || yes == set) return;
      set = yes;
      flag->store(yes ? 1 : 0, std::memory_order_relaxed);
    }
    ~WaitMark() { idle(false); }
  } mark{waiting_flag_};
  mark.idle(true);  // at once: a send's rts is already on its way
  for (;;) {
    // Messages still arriving restart the spin phase: a long wait that is
    // being fed (a window of many receives) must not fall into yielding,
    // a system call per poll, while its peer streams to it.
    const std::uint64_t seen = arrivals_;
    if (progress()) backoff.reset();
    if (pred()) return;
    mark.idle(arrivals_ == seen);
    // MPI_THREAD_MULTIPLE: a thread blocked on the API lock may be the one
    // that sends what we wait for.
    if (ApiLock::enabled() && ApiLock::get().held_by_me()) ApiLock::get().yield_to_waiters();
    backoff.pause();
  }
}

}  // namespace parley
