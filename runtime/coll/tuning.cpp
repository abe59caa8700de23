// Algorithm names and the PARLEY_COLL_* variables that force one (tests run
// every algorithm through these).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "coll/algorithms.hpp"
#include "transport/common/backoff.hpp"

namespace parley::coll {
namespace {

constexpr std::size_t kShmReduceMax = 32 * 1024;
constexpr std::size_t kShmAllreduceMax = 128 * 1024;
// Block movers (one rank's block), measured at 2, 4 and 8 ranks
// (docs/collectives.md): allgather on the team at every size; alltoall
// below 128 KiB (the pairwise exchange's single CMA copy wins above, at 2
// ranks from 128 KiB, at 4 from 256 KiB); gather below 512 KiB; scatter
// below 8 KiB (above it the root's linear sends, read by CMA, won at 4 ranks).
constexpr std::size_t kShmAlltoallMax = 128 * 1024;
constexpr std::size_t kShmPairAllgatherMax = 256 * 1024;  // 2 ranks
constexpr std::size_t kShmPairAlltoallMax = 16 * 1024;    // 2 ranks
constexpr std::size_t kShmGatherMax = 512 * 1024;
constexpr std::size_t kShmScatterMax = 8 * 1024;

// From these sizes the team moves the data by CMA between the ranks' own
// buffers (one copy, one or two synchronisations for the whole message)
// rather than through its segment; `Over` when the node is oversubscribed.
// Measured at 2, 4 and 8 ranks (docs/collectives.md): the kernel's copy
// costs more per byte than a memcpy through the (cached) segment, and with
// a core per rank the segment's pipelined copies run on both cores at
// once, so CMA wins only where it saves many synchronisations: the
// reductions from 128 KiB (one step per set instead of per slot) and
// alltoall (the segment moves 128 KiB / n of every block a step; at 2
// ranks CMA matched the pairwise exchange from 16 KiB), 2-rank
// allgather (the same exchange) from 32 KiB and bcast with a core per rank
// from 64 KiB. Oversubscribed bcast and allgather on 3+ ranks stay on the segment (without CMA, 2-rank allgather hands over to
// point-to-point from 256 KiB as before); gather and scatter keep their crossovers to
// point-to-point (their CMA forms are untimed: only PARLEY_COLL_SHM_CMA
// turns them on).
constexpr std::size_t kNever = SIZE_MAX;
// With a core per rank (2 ranks here) the bcast moves by CMA from 64 KiB
// (fifth round, load 7-11, medians of 7 interleaved runs: 128 KiB 19-28 us
// against the segment's 69, 512 KiB 128-150 against 347, 1 MiB 302-314
// against 505; Open MPI 45 / 276 / 345): under load the segment's
// pipeline stalls whenever the reader is off its core, CMA synchronises
// once. On a quiet machine the segment was slightly ahead (third round:
// 1 MiB 207 against 224 us).
constexpr std::size_t kCmaBcast = 64 * 1024;
constexpr std::size_t kCmaBcastOver = kNever;
constexpr std::size_t kCmaReduce = 128 * 1024;
constexpr std::size_t kCmaAllgather = kNever;
// 2 ranks: the exchange is alltoall's, and CMA won from 32 KiB as it does
// there (A/B at load 3, medians: 128 KiB 57 us against the segment's
// 99-118; 1 MiB 566 against the segment's 1333 and the ring's 1226).
constexpr std::size_t kCmaPairAllgather = 32 * 1024;
constexpr std::size_t kCmaAllgatherOver = kNever;
constexpr std::size_t kCmaAlltoall = 16 * 1024;
constexpr std::size_t kCmaAlltoallOver = 128 * 1024;
constexpr std::size_t kCmaGather = kNever;
constexpr std::size_t kCmaScatter = kNever;

constexpr std::array<const char*, static_cast<std::size_t>(Collective::count_)> kVariables = {
    "PARLEY_COLL_BARRIER", "PARLEY_COLL_BCAST",     "PARLEY_COLL_REDUCE",
    "PARLEY_COLL_ALLREDUCE", "PARLEY_COLL_ALLGATHER", "PARLEY_COLL_ALLTOALL",
    "PARLEY_COLL_GATHER",  "PARLEY_COLL_SCATTER",
};

Algorithm parse(const char* v) {
  if (v == nullptr) return Algorithm::automatic;
  const std::string_view s(v);
  for (int i = 0; i <= static_cast<int>(Algorithm::counter); ++i)
    if (algorithm_name(static_cast<Algorithm>(i)) == s) return static_cast<Algorithm>(i);
  return Algorithm::automatic;
}

// transport::node_oversubscribed costs a system call and a read of
// /sys (26 us a barrier when it ran on every call): once per size.
bool oversubscribed(int size) {
  static std::array<std::atomic<std::int8_t>, 65> known{};  // 0 unknown, 1 no, 2 yes
  if (size < 0 || size >= static_cast<int>(known.size()))
    return transport::node_oversubscribed(static_cast<unsigned>(size));
  std::atomic<std::int8_t>& k = known[static_cast<std::size_t>(size)];
  std::int8_t v = k.load(std::memory_order_relaxed);
  if (v == 0) {
    v = transport::node_oversubscribed(static_cast<unsigned>(size)) ? 2 : 1;
    k.store(v, std::memory_order_relaxed);
  }
  return v == 2;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::automatic: return "auto";
    case Algorithm::binomial: return "binomial";
    case Algorithm::scatter_allgather: return "scatter_allgather";
    case Algorithm::recursive_doubling: return "recursive_doubling";
    case Algorithm::rabenseifner: return "rabenseifner";
    case Algorithm::ring: return "ring";
    case Algorithm::pairwise: return "pairwise";
    case Algorithm::bruck: return "bruck";
    case Algorithm::linear: return "linear";
    case Algorithm::dissemination: return "dissemination";
    case Algorithm::shm: return "shm";
    case Algorithm::counter: return "counter";
  }
  return "auto";
}

Algorithm forced(Collective c) {
  static const auto table = [] {
    std::array<Algorithm, kVariables.size()> t{};
    for (std::size_t i = 0; i < kVariables.size(); ++i) t[i] = parse(std::getenv(kVariables[i]));
    return t;
  }();
  return table[static_cast<std::size_t>(c)];
}

namespace {
// PARLEY_COLL_SHM_CMA=<bytes>: one threshold for every collective (0: the
// team never uses CMA); tests and measurements. 1 when unset (the table).
std::size_t cma_env() {
  static const std::size_t env = [] {
    const char* e = std::getenv("PARLEY_COLL_SHM_CMA");
    if (e == nullptr || *e == '\0') return std::size_t{1};
    const auto v = static_cast<std::size_t>(std::strtoull(e, nullptr, 10));
    return v == 0 ? SIZE_MAX : (v == 1 ? std::size_t{2} : v);
  }();
  return env;
}
// Below this no collective takes a CMA form (the small calls skip the table).
std::size_t cma_floor() {
  const std::size_t env = cma_env();
  return env != 1 ? env : std::min(kCmaReduce, kCmaAlltoall);
}
}  // namespace

std::size_t shm_cma_min(Collective c, int size) {
  const std::size_t env = cma_env();
  if (env != 1) return env;
  const bool over = oversubscribed(size);
  switch (c) {
    case Collective::bcast: return over ? kCmaBcastOver : kCmaBcast;
    case Collective::reduce:
    case Collective::allreduce: return kCmaReduce;
    case Collective::allgather: return over ? kCmaAllgatherOver : (size == 2 ? kCmaPairAllgather : kCmaAllgather);
    case Collective::alltoall: return over ? kCmaAlltoallOver : kCmaAlltoall;
    case Collective::gather: return kCmaGather;
    case Collective::scatter: return kCmaScatter;
    default: return SIZE_MAX;
  }
}

bool prefer_shm(Collective c, std::size_t bytes, int size, bool cma) {
  // PARLEY_COLL_SHM=0 turns the shared-memory team off (everything p2p).
  static const bool disabled = [] {
    const char* e = std::getenv("PARLEY_COLL_SHM");
    return e != nullptr && std::string_view(e) == "0";
  }();
  if (disabled) return false;
  const Algorithm f = forced(c);
  if (f == Algorithm::shm || f == Algorithm::counter) return true;
  if (f != Algorithm::automatic) return false;
  if (cma && bytes >= cma_floor() && bytes >= shm_cma_min(c, size)) return true;
  // Crossovers measured with bench/coll/compare.py at 2 and 4 ranks on the
  // 2-core machines (docs/collectives.md): the team copies through its
  // segment (two copies per byte) and synchronises every rank per 128 KiB
  // chunk, which loses to the single-copy (CMA) point-to-point algorithms
  // on large messages, earlier when oversubscribed.
  switch (c) {
    case Collective::barrier: return true;
    // Oversubscribed, the team moves a bcast in one step per set (1.1 MiB
    // at 8 ranks) and beats the tree, whose every hop waits for a turn on a core.
    // With a core per rank (2 ranks), the pipelined team bcast matched or
    // beat the single point-to-point transfer at 512 KiB and 1 MiB as well
    // (two interleaved runs), so it takes every size.
    case Collective::bcast: return true;
    case Collective::reduce: return bytes < kShmReduceMax;
    // The chunked team allreduce lost from 128 KiB only when oversubscribed;
    // with a core per rank each rank reduces its half in parallel and it won
    // at 128 KiB-1 MiB.
    case Collective::allreduce:
      return bytes < kShmAllreduceMax || !oversubscribed(size);
    // At 2 ranks both are one exchange, which point-to-point makes with a
    // single (CMA) copy: it won from 256 KiB (allgather) and 32 KiB
    // (alltoall) in the final 2-rank run.
    case Collective::allgather: return size > 2 || bytes < kShmPairAllgatherMax;
    case Collective::alltoall: return bytes < (size > 2 ? kShmAlltoallMax : kShmPairAlltoallMax);
    case Collective::gather: return bytes < kShmGatherMax;
    case Collective::scatter: return bytes < kShmScatterMax;
    default: return false;
  }
}

}  // namespace parley::coll
