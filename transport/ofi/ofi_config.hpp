// Settings of the ofi transport, with their PARLEY_OFI_* environment
// overrides (table in transport/README.md, "## ofi").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "transport/common/status.hpp"

namespace parley::transport::ofi {

// Which interfaces the fabric prefers when PARLEY_OFI_IFACE names none.
enum class Scope : std::uint8_t {
  node,     // every peer is on this node: loopback first
  network,  // peers on other nodes: a fabric or private network first
};

struct OfiConfig {
  std::string provider;       // PARLEY_OFI_PROVIDER ("tcp;ofi_rxm"); FI_PROVIDER also filters
  std::string iface;          // PARLEY_OFI_IFACE: domain/interface name or IP address; "any" allows public
  Scope scope = Scope::node;  // PARLEY_OFI_SCOPE=node|network
  bool want_rma = true;       // PARLEY_OFI_RMA=0 pretends FI_RMA is missing (tests the fallback)
  std::size_t eager_size = 16384;  // PARLEY_OFI_EAGER: bytes of one receive buffer = largest message
  std::uint32_t rx_buffers = 256;  // PARLEY_OFI_RX_BUFFERS: receive buffers posted at all times
  std::uint32_t tx_buffers = 256;  // PARLEY_OFI_TX_BUFFERS: sends in flight (each owns a copy)
  // PARLEY_OFI_CREDITS: unconsumed messages one sender may have at a receiver;
  // more than a typical window of nonblocking sends (osu_bw: 64), so such a
  // window never stalls for a credit return.
  std::uint32_t credits = 128;
  // PARLEY_OFI_FRAG_MAX: messages above the eager size and up to this many
  // bytes go eagerly as several back-to-back fragments of at most one
  // receive buffer each (no rendezvous round trips); 0 turns it off. The
  // runtime does it (runtime/engine/engine_ofi.cpp), bounded by the same
  // eager credit as single eager messages.
  std::size_t frag_max = 32u << 10;
  // PARLEY_OFI_INJECT: inject size asked of the provider (tx_attr hint; a
  // provider that cannot is asked again without it). Messages up to the
  // size granted go inline (FI_INJECT): cheaper than a buffered send over
  // tcp;ofi_rxm, whose default is 64 B, less than Parley's headers + a few
  // bytes. 0: take the provider's default.
  std::size_t inject_size = 512;
  // PARLEY_OFI_CQ_DATA=0: do not ask for remote CQ data. Otherwise the
  // hints ask for 8 bytes of it (domain_attr->cq_data_size; asked again
  // without it if a provider refuses), and where it is granted a message
  // may carry its sender and the caller's envelope there instead of in the
  // buffer (Endpoint::try_send_bare), so a payload of a whole receive
  // buffer still goes as one provider message.
  bool want_cq_data = true;
  std::uint32_t read_ops = 64;  // PARLEY_OFI_READ_OPS: rendezvous reads in flight
  std::size_t read_chunk = 4u << 20;  // PARLEY_OFI_READ_CHUNK: bytes of one fi_read
  // PARLEY_OFI_UNEXPECTED_MAX: bytes of eager messages this process may hold
  // unexpected (payload + 128 per message), shared among the peers that
  // may send to it; a sender out of that credit uses rendezvous. The
  // runtime enforces it (runtime/engine/engine_ofi.cpp); same in every process.
  std::size_t unexpected_max = std::size_t{64} << 20;
  // PARLEY_OFI_LEND=0: keep that split static. Otherwise each sender starts
  // with half its even share and the receiver lends the other half, the
  // reserve, to the senders whose messages it consumes, taking surplus back
  // from a bigger holder when the reserve is gone (engine_ofi.cpp); what it
  // has granted never exceeds unexpected_max.
  bool lend_credit = true;
  // PARLEY_OFI_CONNECT_TIMEOUT_MS: how long sends to a peer never reached may
  // keep failing with FI_EAGAIN before the peer counts as gone (providers
  // such as ofi_rxm retry a refused connection forever).
  std::uint32_t connect_timeout_ms = 60000;
  // PARLEY_OFI_PEER_TIMEOUT_MS: how long operations towards a peer (sends
  // or reads in flight, a send refused with FI_EAGAIN) may wait with no sign
  // of it at all (no completion involving it, no message from it) before the
  // peer counts as gone and they end in errors. A provider may queue work
  // for a peer whose connection broke and retry reconnecting forever
  // (ofi_rxm does), so without this bound such a wait never ends. A live
  // peer that does not poll for this long (a software provider serves reads
  // in the target's poll) would be declared gone too: keep it generous.
  // 0: never (wait on the provider).
  std::uint32_t peer_timeout_ms = 120000;

  // Defaults overridden by the environment; invalid values give an error.
  [[nodiscard]] static TransportStatus from_env(OfiConfig* out);
  // Checks ranges (eager_size >= 256, credits >= 2, ...).
  [[nodiscard]] TransportStatus validate() const;
};

}  // namespace parley::transport::ofi
