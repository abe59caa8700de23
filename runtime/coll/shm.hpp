// Shared-memory collectives for a communicator whose ranks are all on this
// node: barrier, bcast, reduce and allreduce through a segment of the
// communicator's own, with flags in shared memory and no point-to-point
// message on the way (docs/collectives.md, "Shared-memory collectives").
//
// Every rank keeps the same step counter (collectives run in the same order
// everywhere); each step uses one of kSets buffer sets in turn, and a rank
// only writes a set once every rank has finished the step that last used it.
// Waiting goes through Engine::wait_until: it progresses the engine (so
// nonblocking collectives and point-to-point keep moving) and spins briefly,
// then yields — at once when the node is oversubscribed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "base/status.hpp"
#include "coll/algorithms.hpp"
#include "coll/schedule.hpp"
#include "comm/communicator.hpp"

namespace parley::coll::shm {

// Whether comm could use a team: an intracommunicator of 2..kMaxRanks ranks,
// all on this node. Cheap; the same answer on every rank of comm.
bool eligible(const Communicator& comm);

class Team {
 public:
  static constexpr int kMaxRanks = 64;
  static constexpr int kSets = 4;
  static constexpr std::size_t kSlot = 128 * 1024;  // per-rank bytes of a set
  static constexpr std::size_t kBcastChunk = 64 * 1024;  // when not oversubscribed
  // Data bytes of a mailbox (below): what the small steps move inline.
  static constexpr std::size_t kMail = 240;

  // Collective over comm (every rank calls it at the same point): rank 0
  // creates the segment and sends its name over two internal collectives
  // tagged tag_name and tag_ack; nullptr on every rank if any rank could not
  // map it.
  static std::unique_ptr<Team> create(Communicator& comm, int tag_name, int tag_ack);
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  // Flat (every rank posts its arrival and watches everyone's) or counter
  // (one shared arrival counter whose last arriver bumps a release flag the
  // others watch): PARLEY_COLL_BARRIER=shm / counter, else the default rule
  // in barrier_counter().
  void barrier();
  // Whether every rank can read every other's memory by CMA (probed at
  // creation; the same on every rank). The data of large collectives then
  // moves once, straight between the ranks' buffers, with only addresses in
  // the segment (shm_cma_min in algorithms.hpp says from which size).
  bool cma() const { return cma_; }
  // The block movers and bcast return an error only when a CMA read failed
  // (a bad buffer); the collective is still completed on every rank.
  Status bcast(void* buf, std::size_t bytes, int root);
  // send == recv allowed (in place). recv is significant at root only.
  // Combines in rank order (lower ranks' data as `in`), so non-commutative
  // ops are right. Reducer errors are returned after the collective is done.
  Status reduce(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r,
                int root);
  Status allreduce(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r);
  // Block movers, in steps of up to kSlot bytes of every block: a rank
  // copies what it contributes into its slot once, posts, and the readers
  // copy out. recv + displs[q] is rank q's block (bytes[q] of it).
  // Allgather(v): every rank knows every block's size; send == nullptr when
  // this rank's block is already in place.
  Status allgatherv(const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs);
  // Gather/scatter of `block` bytes per rank (the same on every rank);
  // displs at the root only; send (gather) / recv (scatter) == nullptr at
  // the root when its block stays in place.
  Status gather(const void* send, std::size_t block, void* recv, const std::size_t* displs, int root);
  Status scatter(const void* send, const std::size_t* displs, void* recv, std::size_t block, int root);
  // Gatherv in one step, on a team with CMA only (cma(): the same answer
  // everywhere, where a non-root does not know the other blocks' sizes):
  // a block of at most kMail bytes travels in its writer's mailbox, one of
  // at most kSlot in its slot of the step's set, a larger one is read by
  // the root from the writer's buffer (whose address the mailbox holds);
  // its writer waits for the root then. The root knows every size, so it
  // knows which. `mine` is this
  // rank's block; bytes and displs (every rank's) at the root only; send
  // == nullptr at the root when its block stays in place.
  Status gatherv(const void* send, std::size_t mine, void* recv, const std::size_t* bytes, const std::size_t* displs,
                 int root);
  // Scatterv in one step, on a team with CMA only (as gatherv): the root's
  // step set starts with a table of every rank's piece (where in the set,
  // or its address in the root's buffer when the set is full) and its
  // length; the root waits for the readers only when one reads by CMA.
  // `mine` is this rank's block (recv == nullptr at the root in place).
  Status scatterv(const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv, std::size_t mine,
                  int root);
  // Alltoallv in one step, on a team with CMA only: every rank's slot
  // starts with a table of its pieces for each destination (copied into
  // the slot while it has room, else read by CMA from its buffer, the rank
  // then waiting for its readers). The buffers do not overlap.
  Status alltoallv(const void* send, const std::size_t* sbytes, const std::size_t* sdispls, void* recv,
                   const std::size_t* rbytes, const std::size_t* rdispls);
  // Block q of send (block bytes at sdispls[q]) goes to rank q, block q of
  // recv (at rdispls[q]) comes from rank q; the buffers do not overlap.
  Status alltoall(const void* send, const std::size_t* sdispls, void* recv, const std::size_t* rdispls,
                  std::size_t block);

  // Nonblocking forms (barrier; bcast, allreduce, allgather(v) blocks and
  // alltoall's n - 1 pieces of at most kMail bytes, through the mailboxes): the call takes its step now, so it keeps
  // its place in the step sequence, and adds to s a poll step that is done
  // once the team step is. Team steps complete in order on every rank (a
  // flag says "the last step this rank did"), so pending ones are advanced
  // oldest first, and every blocking call above first finishes them all.
  // iallreduce combines with s.reducer(); send == recv allowed.
  void ibarrier(Schedule& s);
  void ibcast(Schedule& s, void* buf, std::size_t bytes, int root);
  void iallreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes);
  // As allgatherv() and alltoall() (the arrays are copied).
  void iallgatherv(Schedule& s, const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs);
  void ialltoall(Schedule& s, const void* send, const std::size_t* sdispls, void* recv, const std::size_t* rdispls,
                 std::size_t block);
  // Reduce of at most kMail bytes (as reduce(); recv at the root only).
  void ireduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root);
  // Gather of blocks of at most kMail bytes: each non-root's block in its
  // mailbox; the root's displs and recv as gather().
  void igather(Schedule& s, const void* send, std::size_t block, void* recv, const std::size_t* displs, int root);
  // Scatter whose n - 1 blocks of the root fit its mailbox together
  // (alltoall's layout); the root's send and displs as scatter().
  void iscatter(Schedule& s, const void* send, const std::size_t* displs, void* recv, std::size_t block, int root);

 private:
  struct Pending {
    enum class Kind : std::uint8_t { barrier, bcast, allreduce, allgather, alltoall, reduce, gather, scatter } kind;
    std::uint64_t k = 0;
    int phase = 0;
    int root = 0;
    const void* send = nullptr;
    void* recv = nullptr;
    std::size_t bytes = 0;
    std::size_t count = 0;
    const Reducer* reducer = nullptr;
    // allgather: bytes and displacements of every block; alltoall: the send
    // and receive displacements (bytes = the block); gather / scatter: the
    // root's displacements (bytes = the block).
    std::vector<std::size_t> a, b;
    bool done = false;
    Status status;
  };
  // Runs p as far as it can without waiting; true once it is done.
  bool poll(Pending& p);
  // Polls the pending steps, oldest first, while they complete.
  void progress();
  void drain() {
    if (!pending_.empty()) drain_slow();
  }
  void drain_slow();
  void enqueue(Schedule& s, std::shared_ptr<Pending> p);
  std::shared_ptr<Pending> pending(Pending::Kind kind, const void* send = nullptr, void* recv = nullptr,
                                   int root = 0);
  // Whether every rank has finished the step that last used step's set.
  bool set_free(std::uint64_t step) const;

  struct alignas(64) Flag {
    std::atomic<std::uint64_t> value;
    char pad[64 - sizeof(std::atomic<std::uint64_t>)];
  };
  // Per rank: arrived (data of the step is in its slot), reduced (its part of
  // the step's result is written), finished (done reading the step's set).
  // What a rank publishes for CMA: the address (in its own address space)
  // of the buffer of the current step, written before `arrived`; its pid
  // and the address of that pid field (the creation's probe), and whether
  // it could read every peer.
  struct alignas(64) Published {
    std::atomic<std::uint64_t> addr;
    std::atomic<std::uint64_t> pid;
    std::atomic<std::uint64_t> probe;
    std::atomic<std::uint64_t> cma_ok;
  };
  struct Control {
    Flag arrived;
    Flag reduced;
    Flag finished;
    Published pub;
  };

  // Shared by all ranks, after the Controls.
  struct Common {
    Flag count;    // arrivals at the current counter barrier
    Flag release;  // the step of the last counter barrier everyone reached
  };
  // Per rank and set, after Common: a small step's data travels with its
  // flag (seq = the step, stored with release after the data), so a reader
  // that sees the flag has the first 48 data bytes in the same cache line
  // (and the next 64 in the pair the line prefetcher fetches with it)
  // instead of waiting for a flag line and then a slot line. Written, like
  // the set, only once every rank has finished the step that last used it
  // (wait_free). Data is 16-byte aligned (reductions read it in place).
  struct alignas(128) Mail {
    std::atomic<std::uint64_t> seq;
    std::uint64_t pad;
    std::byte data[kMail];
  };

  Team(int rank, int size, std::byte* base, std::size_t bytes);
  static std::size_t segment_bytes(int size);

  Control& ctl(int r) const { return reinterpret_cast<Control*>(base_)[r]; }
  Common& common() const { return *reinterpret_cast<Common*>(base_ + sizeof(Control) * static_cast<std::size_t>(size_)); }
  Mail& mail(int r, std::uint64_t step) const {
    return reinterpret_cast<Mail*>(base_ + sizeof(Control) * static_cast<std::size_t>(size_) +
                                   sizeof(Common))[static_cast<std::size_t>(r) * kSets + step % kSets];
  }
  // My mailbox of `step` is written; rank r's, once it has been.
  void mail_post(std::uint64_t step) const { mail(rank_, step).seq.store(step, std::memory_order_release); }
  const std::byte* mail_wait(int r, std::uint64_t step) const;
  std::byte* set(std::uint64_t step) const;
  std::byte* slot(std::uint64_t step, int r) const { return set(step) + static_cast<std::size_t>(r) * kSlot; }
  std::byte* result(std::uint64_t step) const { return slot(step, size_); }
  std::size_t set_bytes() const { return static_cast<std::size_t>(size_ + 1) * kSlot; }

  // Waits until every rank (but this one) has `field` >= value.
  void wait_all(Flag Control::*field, std::uint64_t value) const;
  void wait_one(int r, Flag Control::*field, std::uint64_t value) const;
  // Before writing the set of `step`: every rank is done with its last use.
  // Reads the others' `finished` lines only when what was last seen of them
  // (seen_finished_) does not already say so.
  void wait_free(std::uint64_t step) const;
  // Records what every other rank's `finished` is now (at least `floor`).
  void note_finished(std::uint64_t floor) const;
  void post(Flag Control::*field, std::uint64_t step) const;

  void barrier_flat(std::uint64_t k);
  void barrier_counter(std::uint64_t k);

  Status reduce_chunked(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r,
                        int root);

  // The CMA forms (single copy between the ranks' buffers).
  void probe_cma();
  void publish(const void* p) const;
  std::uint64_t published(int r) const { return ctl(r).pub.addr.load(std::memory_order_relaxed); }
  // Reads len bytes at remote (in rank r's address space) into local.
  bool cma_read(int r, void* local, std::uint64_t remote, std::size_t len) const;
  bool use_cma(Collective c, std::size_t bytes) const;
  Status bcast_cma(void* buf, std::size_t bytes, int root);
  Status reduce_cma(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r,
                    int root);
  Status allgatherv_cma(const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs);
  Status gather_cma(const void* send, std::size_t block, void* recv, const std::size_t* displs, int root);
  Status scatter_cma(const void* send, const std::size_t* displs, void* recv, std::size_t block, int root);
  Status alltoall_cma(const void* send, const std::size_t* sdispls, void* recv, const std::size_t* rdispls,
                      std::size_t block);

  int rank_;
  int size_;
  std::byte* base_;
  std::size_t bytes_;
  std::uint64_t step_ = 0;
  // Every other rank had finished this step when their flags were last
  // read (flags only grow). Writers check it first: in a sequence of small
  // steps the others' `finished` lines, which they write at every step, are
  // then read once every few steps instead of at each (a cache line moved
  // from another core on every root's path).
  mutable std::uint64_t seen_finished_ = 0;
  bool oversubscribed_;  // more ranks of the team than cores (the same on every rank)
  // Bcast chunk: kBcastChunk (pipelined) when every rank has a core, the
  // whole set when the node is oversubscribed (each chunk costs the readers
  // a turn on a core). The same on every rank.
  std::size_t bcast_chunk_;
  bool counter_barrier_;  // barrier(): the counter form (else the flat one)
  bool cma_ = false;
  std::deque<std::shared_ptr<Pending>> pending_;  // nonblocking steps not done yet, oldest first
  std::unique_ptr<std::byte[]> scratch_;  // reduce_cma's staging of peers' pieces
  std::size_t scratch_bytes_ = 0;
};

}  // namespace parley::coll::shm
