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
