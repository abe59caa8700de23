// Status values returned by every transport operation. Kept tiny and
// allocation-free because "would block" is returned on the fast path; the
// runtime maps a non-ok code to an MPI error class and message.
#pragma once

#include <cstdint>

namespace parley::transport {

enum class Code : std::uint8_t {
  ok,
  would_block,    // no resource right now (ring full, slot busy): retry later
  too_large,      // request exceeds what this operation can carry
  invalid,        // bad argument (sizes disagree, bad address, bad config)
  not_permitted,  // the OS refused (CMA blocked by ptrace policy, ...)
  peer_gone,      // the peer process no longer exists
  no_space,       // not enough shared memory for the segment
  system_error,   // any other OS failure; see sys_errno
};

// The result of a transport call. `what` points to a static string written by
// the place that first detected the error (never owned, never freed).
struct [[nodiscard]] TransportStatus {
  Code code = Code::ok;
  int sys_errno = 0;
  const char* what = "";

  [[nodiscard]] constexpr bool ok() const { return code == Code::ok; }
  [[nodiscard]] constexpr bool would_block() const { return code == Code::would_block; }

  static constexpr TransportStatus success() { return {}; }
  static constexpr TransportStatus busy() { return {Code::would_block, 0, "would block"}; }
  static constexpr TransportStatus error(Code c, const char* msg, int err = 0) {
    return {c, err, msg};
  }
};

// Name of a code, for messages ("would_block", "not_permitted", ...).
[[nodiscard]] constexpr const char* to_string(Code c) {
  switch (c) {
    case Code::ok: return "ok";
    case Code::would_block: return "would_block";
    case Code::too_large: return "too_large";
    case Code::invalid: return "invalid";
    case Code::not_permitted: return "not_permitted";
    case Code::peer_gone: return "peer_gone";
    case Code::no_space: return "no_space";
    case Code::system_error: return "system_error";
  }
  return "unknown";
}

}  // namespace parley::transport
