// Context ids: which ones this process has free, and the collective
// agreement on one that is free everywhere in a group (DESIGN.md §5: a
// bit-mask allreduce). Freed ids go back to the pool, so creating and
// freeing communicators forever never runs out.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>

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
  // Intercommunicators: `local` is one side; its leader combines the side's
  // AND with the other side's through `combine` (a Status(std::span<
  // std::uint64_t>) that swaps the words with the remote leader and ANDs
  // them in), then the leader broadcasts the result to its side.
  template <class Combine>
  Result<std::uint32_t> agree_inter(const Participants& local, bool leader, Combine&& combine);
  // Returns a pair to the pool.
  void release(std::uint32_t context_id);
  int in_use() const;

  // The free ids this process may offer now.
  Mask snapshot();
  // The lowest pair set in `agreed`, or -1 when none.
  static int lowest(const Mask& agreed);
  // The first pair set in `agreed` at or after `start`, wrapping around; -1
  // when none. Retries after a lost race start elsewhere (see agree()).
  static int lowest_from(const Mask& agreed, int start);
  // Where attempt `attempt` (0: the first) of an agreement among the
  // participants of parent context `parent_ctx` starts looking: 0 first,
  // then a spot every participant computes alike and that differs between
  // parents, so two agreements that collided do not collide again in step.
  static int start_of_attempt(std::uint32_t parent_ctx, int attempt);
  bool take(int pair);
  // Whether another thread may take ids between snapshot() and take(): then
  // a second round confirms the choice (MPI_THREAD_MULTIPLE only).
  static bool needs_confirmation();

 private:
  ContextPool();
  mutable std::mutex mu_;
  Mask free_{};
};

template <class Combine>
Result<std::uint32_t> ContextPool::agree_inter(const Participants& local, bool leader, Combine&& combine) {
  // One side ANDs, the leaders combine across, each leader tells its side.
  auto both_sides = [&](std::span<std::uint64_t> words) -> Status {
    if (Status st = allreduce_and(local, words); !st) return st;
    if (leader)
      if (Status st = combine(words); !st) return st;
    return bcast(local, words.data(), words.size_bytes(), 0);
  };
  const bool confirm = needs_confirmation();
  const std::uint32_t parent_ctx = local.via != nullptr ? local.via->context_id() : 0;
  for (int attempt = 0;; ++attempt) {
    Mask m = snapshot();
    if (Status st = both_sides(m); !st) return st;
    int pair = lowest_from(m, start_of_attempt(parent_ctx, attempt));
    if (pair < 0) return Status(MPI_ERR_INTERN, "no context id is free in both groups (too many communicators)");
    bool got = take(pair);
    if (!confirm) return static_cast<std::uint32_t>(pair) * 2;
    std::uint64_t ok = got ? 1 : 0;
    if (Status st = both_sides(std::span<std::uint64_t>(&ok, 1)); !st) return st;
    if (ok) return static_cast<std::uint32_t>(pair) * 2;
    if (got) release(static_cast<std::uint32_t>(pair) * 2);
  }
}

}  // namespace parley
