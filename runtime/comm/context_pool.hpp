// Context ids: which ones this process has free, and the collective
// agreement on one that is free everywhere in a group (DESIGN.md §5: a
// bit-mask allreduce). Freed ids go back to the pool, so creating and
// freeing communicators forever never runs out.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include <mpi.h>

#include "base/status.hpp"
#include "comm/internal_coll.hpp"

namespace parley {

class ContextPool {
 public:
  // Ids are handed out in pairs (pt2pt, collective); this many pairs exist.
  static constexpr int kPairs = 8192;
  static constexpr int kWords = kPairs / 64;
  using Mask = std::array<std::uint64_t, kWords>;

  static ContextPool& get();

  // Agrees with the participants on a pair free in all of them and takes it
  // here; every participant gets the same context id (the pair's first).
  Result<std::uint32_t> agree(const Participants& p);
  // Intercommunicators: both sides' leaders combine their sides' masks
  // through `combine` (called on the leaders only, with the side's AND).
  template <class Combine>
  Result<std::uint32_t> agree_inter(const Participants& local, bool leader, Combine&& combine);
  // Returns a pair to the pool.
  void release(std::uint32_t context_id);
  int in_use() const;

  // The free ids this process may offer now.
  Mask snapshot();
  // Takes the lowest id set in `agreed`; nullopt-like -1 when none.
  static int lowest(const Mask& agreed);
  bool take(int pair);

 private:
  ContextPool();
  mutable std::mutex mu_;
  Mask free_{};
};

template <class Combine>
Result<std::uint32_t> ContextPool::agree_inter(const Participants& local, bool leader, Combine&& combine) {
  Mask m = snapshot();
  if (Status st = allreduce_and(local, m); !st) return st;
  if (leader)
    if (Status st = combine(m); !st) return st;
  if (Status st = bcast(local, m.data(), sizeof(m), 0); !st) return st;
  int pair = lowest(m);
  if (pair < 0) return Status(MPI_ERR_INTERN, "no context id is free in both groups (too many communicators)");
  (void)take(pair);
  return static_cast<std::uint32_t>(pair) * 2;
}

}  // namespace parley
