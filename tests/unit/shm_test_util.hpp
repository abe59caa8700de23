// Helpers shared by the shm unit tests: running code in fork()ed children
// with a watchdog, bounded waiting on a condition, and byte patterns.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "transport/common/backoff.hpp"

namespace parley::test {

// Runs fn() in a child that exits with its return value (99 on exception).
// The alarm is a hang guard only: a wedged child dies and the test fails.
template <class Fn>
pid_t fork_child(Fn&& fn, unsigned watchdog_s = 120) {
  pid_t pid = fork();
  if (pid == 0) {
    alarm(watchdog_s);
    int rc = 99;
    try {
      rc = fn();
    } catch (...) {
      rc = 99;
    }
    _exit(rc);
  }
  return pid;
}

// Exit code of a child, or 128 + signal number if it was killed.
inline int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// Polls pred() (yielding between polls, as on an oversubscribed node) until it
// holds. Gives up if one of `children` fails (dies or exits non-zero) first,
// or after max_polls polls.
template <class Pred>
bool wait_until(Pred&& pred, const std::vector<pid_t>& children = {},
                std::uint64_t max_polls = 50'000'000) {
  transport::Backoff backoff(true);
  for (std::uint64_t i = 0; i < max_polls; ++i) {
    if (pred()) return true;
    if ((i & 1023) == 1023) {
      for (pid_t c : children) {
        siginfo_t info{};
        // WNOWAIT leaves the child waitable for wait_child().
        if (waitid(P_PID, static_cast<id_t>(c), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == c && !(info.si_code == CLD_EXITED && info.si_status == 0)) {
          return pred();
        }
      }
    }
    backoff.pause();
  }
  return false;
}

// Deterministic byte of message `seq` at offset i (cheap to check).
inline std::uint8_t pattern_byte(std::uint64_t seq, std::size_t i) {
  return static_cast<std::uint8_t>((seq * 131u) ^ (i * 7u) ^ (i >> 8));
}

inline void fill_pattern(void* p, std::size_t n, std::uint64_t seq) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = pattern_byte(seq, i);
}

inline bool check_pattern(const void* p, std::size_t n, std::uint64_t seq) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != pattern_byte(seq, i)) return false;
  }
  return true;
}

// Small xorshift generator: identical sequences in sender and receiver.
struct XorShift {
  std::uint64_t s;
  explicit XorShift(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

}  // namespace parley::test
