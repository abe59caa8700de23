// Engine::wait_until: poll, then back off without hogging a shared core.
#pragma once

#include "engine/engine.hpp"
#include "transport/common/backoff.hpp"

namespace parley {

template <class Pred>
void Engine::wait_until(Pred pred) {
  if (pred()) return;
  transport::Backoff backoff(oversubscribed_, params_.spin_count);
  for (;;) {
    progress();
    if (pred()) return;
    backoff.pause();
  }
}

}  // namespace parley
