// The point-to-point wire protocol between two ranks: one fixed header per
// message, carried inline by the transport (DESIGN.md §3).
//
//   eager        header + payload in the transport's queue; done at the sender
//   eager_sync   same, the receiver answers ack when it matches (MPI_Ssend)
//   rts          "ready to send" size bytes at addr (sender's memory): the
//                receiver either pulls them with CMA and answers fin, or answers
//                cts_pipe and both run the copy pipeline
//   fin / ack    completion of the sender's request `sender_req`
//   cts_pipe     the receiver starts the copy pipeline for `sender_req`
//   cts_split    shm, a large contiguous rts whose sender is waiting: the
//                receiver reads the tail of the message itself and asks the
//                sender to write the first `size` bytes (its own send buffer
//                from offset 0) to `addr` in the receiver's memory with CMA, so
//                both cores copy at once; the receiver's fin then follows as
//                for a plain rts
//   fin_split    the sender wrote its part of the oldest split receive from it
//                (flag kFinFailed: the write failed)
//
// Over shm, an rts from a noncontiguous send buffer carries a TypeRef after
// the header (flag kRtsTyped, header length 40 + 64): where the sender's
// compiled datatype lies in its memory. The receiver reads that program
// through CMA and generates the sender's iovecs itself, batch by batch, so
// neither side ever holds a whole-message list or copy (docs/datatypes.md).
//
// Over libfabric (engine_ofi.cpp) the same header is the caller header of an
// endpoint message. An rts is followed by the 8-byte remote key of the
// sender's registered buffer (header length 48) when the provider has
// FI_RMA: the receiver fi_reads `addr` and answers fin. Without FI_RMA (length
// 40) the receiver answers cts_pipe with its own request in `addr`, and the
// sender streams pipe_data messages: `addr` = the receiver's request, `size` =
// the chunk's offset, the payload = the chunk.
#pragma once

#include <cstdint>

namespace parley::p2p {

enum class MsgType : std::uint8_t { eager, eager_sync, rts, fin, ack, cts_pipe, pipe_data, cts_split, fin_split };

struct MsgHeader {
  MsgType type;
  std::uint8_t flags = 0;
  std::uint16_t reserved = 0;
  std::uint32_t context = 0;   // communicator context id
  std::int32_t source = 0;     // sender's rank in that communicator
  std::int32_t tag = 0;
  std::uint64_t size = 0;      // bytes of the whole message
  std::uint64_t sender_req = 0;  // the sender's request, echoed in fin/ack/cts_pipe
  std::uint64_t addr = 0;      // rts: the sender's buffer
};
static_assert(sizeof(MsgHeader) == 40);

// MsgHeader::flags of an rts followed by a TypeRef.
inline constexpr std::uint8_t kRtsTyped = 1;
// MsgHeader::flags of a fin_split whose CMA write failed.
inline constexpr std::uint8_t kFinFailed = 2;

// The sender's datatype, as the receiver needs it to describe the sender's
// buffer (`addr` of the rts) as iovecs: dt::Program's two arrays (in the
// sender's memory) and the layout of (count, type).
struct TypeRef {
  std::uint64_t nodes = 0;   // address of Program::nodes.data()
  std::uint64_t blocks = 0;  // address of Program::blocks.data()
  std::uint32_t n_nodes = 0;
  std::uint32_t n_blocks = 0;
  std::uint32_t root = 0;
  std::int32_t depth = 0;
  std::int64_t count = 0;
  std::int64_t extent = 0;
  std::int64_t size = 0;
  std::int64_t runs = 0;     // contiguous pieces of one instance (Program::runs)
};
static_assert(sizeof(TypeRef) == 64);

}  // namespace parley::p2p
