// Shared pieces of the shm microbenchmarks: two fork()ed ranks pinned to
// different cores, a clock, option parsing, and the protocol headers the
// benchmarks use to emulate eager and rendezvous sends.
#pragma once

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "transport/common/backoff.hpp"
#include "transport/shm/shm_queue.hpp"
#include "transport/shm/shm_segment.hpp"

namespace parley::bench {

inline double now_us() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)), &set);
  (void)sched_setaffinity(0, sizeof(set), &set);
}

// "--name=value" from argv, or fallback.
inline std::string option(int argc, char** argv, const char* name, const char* fallback) {
  std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  }
  return fallback;
}

// Protocol header carried in a cell: eager data, rendezvous request (the
// sender's buffer address and pid), or completion.
struct BenchHeader {
  std::uint32_t kind;  // kEager, kRts, kFin, kAck
  std::uint32_t pid;
  std::uint64_t addr;
  std::uint64_t len;
  std::uint64_t tag;
};
enum : std::uint32_t { kEager = 1, kRts = 2, kFin = 3, kAck = 4 };

inline std::span<const std::byte> as_bytes(const BenchHeader& h) {
  return {reinterpret_cast<const std::byte*>(&h), sizeof(h)};
}

// Sends, retrying (and draining our own queue meanwhile) while the ring is full.
template <class OnMsg>
void send_blocking(transport::shm::CellQueues& q, std::uint32_t dst, const BenchHeader& h,
                   const void* data, std::size_t len, OnMsg&& on_msg) {
  iovec v{const_cast<void*>(data), len};
  for (;;) {
    auto st = q.try_send(dst, as_bytes(h), {&v, len ? 1u : 0u});
    if (st.ok()) return;
    if (!st.would_block()) {
      std::fprintf(stderr, "send failed: %s\n", st.what);
      std::exit(1);
    }
    q.poll(on_msg);
  }
}

// Runs rank 1 in a child pinned to CPU 1 and rank 0 here on CPU 0.
template <class Fn>
int run_pair(Fn&& body) {
  pid_t child = fork();
  if (child == 0) {
    pin_to_cpu(1);
    alarm(600);
    body(1u);
    _exit(0);
  }
  pin_to_cpu(0);
  body(0u);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

inline std::vector<std::size_t> sizes_up_to(std::size_t lo, std::size_t hi) {
  std::vector<std::size_t> v;
  for (std::size_t s = lo; s <= hi; s *= 2) v.push_back(s);
  return v;
}

}  // namespace parley::bench
