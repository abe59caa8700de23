// Waiting without burning a core: spin briefly with the CPU's pause hint,
// then yield to the scheduler. When the node is oversubscribed (more local
// ranks than cores) the peer we wait for may need our core, so yield at once.
#pragma once

#include <sched.h>

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

  explicit Backoff(bool oversubscribed, std::uint32_t spins = kDefaultSpins)
      : spins_(oversubscribed ? 0 : spins) {}

  void pause() {
    if (count_ < spins_) {
      ++count_;
      cpu_relax();
    } else {
      ++yields_;
      sched_yield();
    }
  }
  void reset() { count_ = 0; }
  [[nodiscard]] std::uint64_t yields() const { return yields_; }

 private:
  std::uint32_t spins_;
  std::uint32_t count_ = 0;
  std::uint64_t yields_ = 0;
};

}  // namespace parley::transport
