// TransportStatus values for libfabric failures: the message names the
// libfabric call, the peer where there is one, and fi_strerror's text, and
// the code says what the runtime can do about it (peer_gone, would_block...).
#pragma once

#include <cstdint>

#include "transport/common/status.hpp"

namespace parley::transport::ofi {

// Peer id meaning "no particular peer" in messages and events.
inline constexpr std::uint32_t kNoPeer = 0xffffffffu;

// The Code for a libfabric error number (positive FI_E* / errno value).
[[nodiscard]] Code code_for_fi_errno(int err);

// A status for `call` failing with `ret` (a negative libfabric return value
// or a positive error number). `peer` is named when it is not kNoPeer;
// `detail` (may be null) is appended, e.g. the provider's own explanation.
// The message is interned: the pointer stays valid for the process' life.
[[nodiscard]] TransportStatus fi_failure(const char* call, long ret, std::uint32_t peer = kNoPeer,
                                         const char* detail = nullptr);

// Interns `text` (copying it) and returns a pointer valid for the process'
// life. Distinct texts are capped; past the cap a fixed fallback is returned.
[[nodiscard]] const char* intern_message(const char* text);

}  // namespace parley::transport::ofi
