// Helpers of the ofi transport tests: every test body runs in a fork()ed
// child (libfabric is never initialised in Catch's process, so later forks
// start clean), checks inside children print and return non-zero, and waits
// are bounded poll loops that fail instead of hanging.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "tests/unit/shm_test_util.hpp"
#include "transport/common/backoff.hpp"
#include "transport/ofi/ofi_config.hpp"
#include "transport/ofi/ofi_endpoint.hpp"
#include "transport/ofi/ofi_fabric.hpp"

#define OFI_CHECK(cond)                                                             \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                                     \
    }                                                                               \
  } while (0)

#define OFI_CHECK_OK(expr)                                                     \
  do {                                                                         \
    ::parley::transport::TransportStatus st_ = (expr);                         \
    if (!st_.ok()) {                                                           \
      std::fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #expr, \
                   ::parley::transport::to_string(st_.code), st_.what);        \
      return 1;                                                                \
    }                                                                          \
  } while (0)

namespace parley::test::ofi {

using namespace parley::transport;
using namespace parley::transport::ofi;

// Generous bound on polls of one wait (each poll yields the core).
inline constexpr std::uint64_t kMaxPolls = 20'000'000;

// Runs body() in a child with a watchdog; returns its exit code.
template <class Fn>
int isolated(Fn&& body, unsigned watchdog_s = 240) {
  pid_t pid = fork_child(std::forward<Fn>(body), watchdog_s);
  return wait_child(pid);
}

// Polls step() until it returns true; false after kMaxPolls polls.
template <class Step>
bool poll_until(Step&& step, std::uint64_t max_polls = kMaxPolls) {
  Backoff backoff(true);
  for (std::uint64_t i = 0; i < max_polls; ++i) {
    if (step()) return true;
    backoff.pause();
  }
  return false;
}

// Calls send() until it returns anything but would_block, calling progress()
// (polls of the endpoints involved) between tries. A first send to a peer is
// would_block until the provider's connection is up, which needs both ends
// to poll.
template <class Send, class Progress>
TransportStatus retry_send(Send&& send, Progress&& progress) {
  TransportStatus st = TransportStatus::busy();
  poll_until([&] {
    st = send();
    if (!st.would_block()) return true;
    progress();
    return false;
  });
  return st;
}

inline OfiConfig test_config() {
  OfiConfig c;
  TransportStatus st = OfiConfig::from_env(&c);
  if (!st.ok()) std::fprintf(stderr, "config: %s\n", st.what);
  return c;
}

inline std::span<const std::byte> as_bytes_of(const void* p, std::size_t n) {
  return {static_cast<const std::byte*>(p), n};
}

// Blocking whole-buffer pipe I/O for address exchange between processes.
inline bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
inline bool read_all(int fd, void* p, std::size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    ssize_t r = ::read(fd, c, n);
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}
inline bool send_address(int fd, std::span<const std::byte> a) {
  std::uint32_t n = static_cast<std::uint32_t>(a.size());
  return write_all(fd, &n, sizeof n) && write_all(fd, a.data(), a.size());
}
inline bool recv_address(int fd, std::vector<std::byte>* out) {
  std::uint32_t n = 0;
  if (!read_all(fd, &n, sizeof n) || n == 0 || n > 4096) return false;
  out->resize(n);
  return read_all(fd, out->data(), n);
}

}  // namespace parley::test::ofi
