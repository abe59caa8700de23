// Waiting without burning a core: spin briefly with the CPU's pause hint,
// then yield to the scheduler. When the node is oversubscribed (more local
// ranks than cores) the peer we wait for may need our core, so yield at once.
//
// "Briefly" is bounded twice: by a number of polls and by kMaxSpinNanos of
// time. The time bound matters when a poll is expensive (a network
// provider's progress makes system calls) and when the peer we wait for
// shares our core without us knowing it (another job bound to the same
// core, or "hosts" simulated on one machine): without it 2000 slow polls
// would keep the peer off the core for milliseconds per wait.
#pragma once

#include <sched.h>
#include <time.h>

#include <cstdint>

namespace parley::transport {

// Tell the CPU we are in a spin loop (saves power, frees the sibling thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

// True when more ranks share this node than this process may run on.
[[nodiscard]] bool node_oversubscribed(unsigned local_ranks);

// One waiter's back-off state. Call pause() each time a poll found nothing
// and reset() when it found something.
class Backoff {
 public:
  static constexpr std::uint32_t kDefaultSpins = 2000;
  // Longest spin phase, whatever the count (about 50 shared-memory polls
  // of a round trip each on these machines).
  static constexpr std::int64_t kMaxSpinNanos = 20000;
  // The clock is read once every kClockStride pauses, starting after the
  // first kClockStride: the short waits of a ping-pong never read it.
  static constexpr std::uint32_t kClockStride = 64;

  explicit Backoff(bool oversubscribed, std::uint32_t spins = kDefaultSpins,
                   std::int64_t max_spin_ns = kMaxSpinNanos)
      : spins_(oversubscribed ? 0 : spins), max_spin_ns_(max_spin_ns) {}

  void pause() {
    if (!expired_ && count_ < spins_) {
      if (count_ != 0 && count_ % kClockStride == 0 && spin_expired()) {
        expired_ = true;  // the rest of this wait yields
      } else {
        ++count_;
        cpu_relax();
        return;
      }
    }
    ++yields_;
    sched_yield();
  }
  void reset() {
    count_ = 0;
    start_ns_ = 0;
    expired_ = false;
  }
  [[nodiscard]] std::uint64_t yields() const { return yields_; }

 private:
  static std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }
  // True once the spin phase has lasted max_spin_ns_ (starts the clock on
  // the first call).
  bool spin_expired() {
    const std::int64_t t = now_ns();
    if (start_ns_ == 0) {
      start_ns_ = t;
      return false;
    }
    return t - start_ns_ >= max_spin_ns_;
  }

  std::uint32_t spins_;
  std::int64_t max_spin_ns_;
  std::uint32_t count_ = 0;
  std::int64_t start_ns_ = 0;
  bool expired_ = false;
  std::uint64_t yields_ = 0;
};

}  // namespace parley::transport
