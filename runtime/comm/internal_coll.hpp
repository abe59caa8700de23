// Small blocking collectives the communicator constructors need (context-id
// agreement, split, intercommunicator set-up), over Engine point-to-point on
// a communicator's collective context. Simple binomial trees; the
// collectives layer has the fast ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.hpp"
#include "comm/communicator.hpp"

namespace parley {

// Who takes part: n processes, member i being rank members[i] of `via`
// (members empty: ranks 0..n-1 of via). `me` is this process's index.
struct Participants {
  Communicator* via = nullptr;
  std::vector<int> members;
  int me = 0;
  int n = 0;
  int tag = 0;
  int peer(int i) const { return members.empty() ? i : members[static_cast<std::size_t>(i)]; }

  // Every rank of an intracommunicator, on its collective context.
  static Participants all_of(Communicator& c, int tag);
};

// Internal tags on the collective context (negative: user tags never are,
// and the public collectives are asked to keep clear of these).
inline constexpr int kTagContextId = -100;
inline constexpr int kTagGather = -101;
inline constexpr int kTagBcast = -102;
inline constexpr int kTagInter = -103;

Status send_bytes(Communicator* via, int dest, int tag, const void* buf, std::size_t bytes);
Status recv_bytes(Communicator* via, int source, int tag, void* buf, std::size_t bytes);
// Send to and receive from one peer at once (no ordering deadlock).
Status sendrecv_bytes(Communicator* via, int peer, int tag, const void* out, std::size_t out_bytes, void* in,
                      std::size_t in_bytes);

Status allreduce_and(const Participants& p, std::span<std::uint64_t> words);
Status bcast(const Participants& p, void* buf, std::size_t bytes, int root);
// all receives n blocks of `bytes`, block i from member i.
Status allgather(const Participants& p, const void* mine, std::size_t bytes, void* all);

}  // namespace parley
