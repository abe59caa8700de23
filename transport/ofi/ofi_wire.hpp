// The ofi transport's own header, in front of every message it sends:
//
//   [WireHeader][sender address, first message to a peer only][caller header][payload]
//
// It carries the sender's id (the receiver may not have it in its address
// vector yet), credits handed back to the receiver of this message, and the
// lengths of the parts. Credit-only messages have no caller header or payload.
//
// A bare message (Endpoint::try_send_bare) has no WireHeader at all: the
// provider's remote CQ data (FI_REMOTE_CQ_DATA, 8 bytes) carries the
// sender's PeerId in its low 20 bits and the caller's 44 bits above them,
// and the buffer holds the payload alone. The completion's FI_REMOTE_CQ_DATA
// flag tells the two kinds apart.
#pragma once

#include <cstdint>

namespace parley::transport::ofi {

enum class WireKind : std::uint8_t {
  data = 1,    // caller header + payload, costs the sender one credit
  credit = 2,  // only returns credits; costs none and is never answered
};

struct WireHeader {
  std::uint32_t src;      // sender's PeerId
  std::uint16_t credits;  // credits returned to the receiver
  WireKind kind;
  std::uint8_t addr_len;     // bytes of the sender's address that follow (hello), else 0
  std::uint16_t header_len;  // caller header bytes
  std::uint16_t reserved;
  std::uint32_t payload_len;  // payload bytes
};
static_assert(sizeof(WireHeader) == 16);

}  // namespace parley::transport::ofi
