// Shared-memory collectives (see shm.hpp). The segment of a team:
//
//   [Control × size]                  three cache lines per rank
//   [Common]                          the counter barrier's count and release
//   [Mail × kSets × size]             small steps' data with its flag
//   [set 0][set 1] ... [set kSets-1]  each: size slots of kSlot bytes (one
//                                     per rank) and one result slot
//
// Step k uses set k % kSets. Flags only grow (they hold the step a rank last
// did), so "flag >= k" means "that rank has done step k".
#include "coll/shm.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

#include "coll/algorithms.hpp"
#include "engine/engine_wait.hpp"
#include "transport/common/backoff.hpp"
#include "transport/shm/shm_cma.hpp"
#include "runtime.hpp"

namespace parley::coll::shm {
namespace {

Engine& engine() { return Runtime::get().engine(); }

constexpr std::size_t kNameBytes = 128;
// reduce_cma combines a peer's data in pieces of this many bytes (read by
// CMA into a buffer that stays in cache, combined into the result).
constexpr std::size_t kCmaPiece = 64 * 1024;

// Allreduce/reduce below this many bytes: every rank (or the root) combines
// all slots itself (one synchronisation); above it each rank combines its
// share of the vector and the others copy it (two). PARLEY_COLL_SHM_FLAT
// overrides (tests, crossover measurements).
std::size_t flat_limit() {
  static const std::size_t v = [] {
    const char* e = std::getenv("PARLEY_COLL_SHM_FLAT");
    return e != nullptr ? static_cast<std::size_t>(std::strtoull(e, nullptr, 10)) : std::size_t{8192};
  }();
  return v;
}

// The bcast chunk: PARLEY_COLL_SHM_BCAST_CHUNK (bytes, at most a set;
// measurements), else a whole set when oversubscribed and kBcastChunk when
// every rank has a core.
std::size_t bcast_chunk(bool oversubscribed, std::size_t set_bytes) {
  if (const char* e = std::getenv("PARLEY_COLL_SHM_BCAST_CHUNK")) {
    const auto v = static_cast<std::size_t>(std::strtoull(e, nullptr, 10));
    if (v > 0) return std::min(v, set_bytes);
  }
  return oversubscribed ? set_bytes : Team::kBcastChunk;
}

}  // namespace

bool eligible(const Communicator& comm) {
  if (comm.is_inter()) return false;
  const int n = comm.local_size();
  if (n < 2 || n > Team::kMaxRanks) return false;
  const bootstrap::JobInfo& job = Runtime::get().job();
  if (job.num_nodes <= 1) return true;
  for (int r = 0; r < n; ++r)
    if (!std::binary_search(job.local_peers.begin(), job.local_peers.end(), comm.world_rank(r))) return false;
  return true;
}

std::size_t Team::segment_bytes(int size) {
  static_assert((sizeof(Control) + sizeof(Common)) % alignof(Mail) == 0 && sizeof(Common) % alignof(Mail) == 0);
  return sizeof(Control) * static_cast<std::size_t>(size) + sizeof(Common) +
         sizeof(Mail) * kSets * static_cast<std::size_t>(size) + kSets * static_cast<std::size_t>(size + 1) * kSlot;
}

Team::Team(int rank, int size, std::byte* base, std::size_t bytes)
    : rank_(rank),
      size_(size),
      base_(base),
      bytes_(bytes),
      oversubscribed_(transport::node_oversubscribed(static_cast<unsigned>(size))),
      bcast_chunk_(bcast_chunk(oversubscribed_, set_bytes())),
      // Oversubscribed, the counter was as fast or 20% faster than the flat
      // barrier in the measurements (docs/collectives.md); with a core per
      // rank the flat one (no shared read-modify-write).
      counter_barrier_(forced(Collective::barrier) == Algorithm::counter ||
                       (forced(Collective::barrier) != Algorithm::shm && oversubscribed_)) {}

Team::~Team() {
  // MPI_Comm_free with nonblocking team steps pending (legal: they complete
  // later): they finish first, so their requests never touch a freed team.
  drain();
  if (base_ != nullptr) munmap(base_, bytes_);
}

std::byte* Team::set(std::uint64_t step) const {
  return base_ + sizeof(Control) * static_cast<std::size_t>(size_) + sizeof(Common) +
         sizeof(Mail) * kSets * static_cast<std::size_t>(size_) + (step % kSets) * set_bytes();
}

const std::byte* Team::mail_wait(int r, std::uint64_t step) const {
  Mail& m = mail(r, step);
  // The writer cannot reuse this mailbox (step + kSets) before this rank
  // has finished `step`, so ">=" is "== step".
  if (m.seq.load(std::memory_order_acquire) < step)
    engine().wait_until([&m, step] { return m.seq.load(std::memory_order_acquire) >= step; });
  return m.data;
}

std::unique_ptr<Team> Team::create(Communicator& comm, int tag_name, int tag_ack) {
  const int n = comm.local_size();
  const int me = comm.rank();
  const std::size_t bytes = segment_bytes(n);
  char name[kNameBytes] = {};
  std::byte* base = nullptr;
  if (me == 0) {
    static unsigned counter = 0;
    const bootstrap::JobInfo& job = Runtime::get().job();
    std::string nm = "/parley-" + job.jobid.substr(0, 60) + "-coll-" + std::to_string(job.rank) + "-" +
                     std::to_string(counter++);
    for (char& ch : nm)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '/' || ch == '.'))
        ch = '_';
    const int fd = shm_open(nm.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd >= 0) {
      if (ftruncate(fd, static_cast<off_t>(bytes)) == 0) {
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) base = static_cast<std::byte*>(p);
      }
      close(fd);
      if (base != nullptr) std::memcpy(name, nm.c_str(), std::min(nm.size(), kNameBytes - 1));
      else shm_unlink(nm.c_str());
    }
  }
  {
    Schedule s(comm, tag_name);
    coll::bcast(s, name, kNameBytes, 0);
    (void)s.run_blocking();
  }
  if (me != 0 && name[0] != '\0') {
    const int fd = shm_open(name, O_RDWR, 0600);
    if (fd >= 0) {
      void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) base = static_cast<std::byte*>(p);
      close(fd);
    }
  }
  // For the CMA probe (probe_cma): my pid, and where it lies in my memory.
  if (base != nullptr) {
    Published& pub = reinterpret_cast<Control*>(base)[me].pub;
    pub.pid.store(static_cast<std::uint64_t>(getpid()), std::memory_order_relaxed);
    pub.probe.store(reinterpret_cast<std::uint64_t>(&pub.pid), std::memory_order_release);
  }
  // Everyone says whether it mapped the segment; once rank 0 has heard from
  // all, nobody opens the name any more and it is unlinked.
  std::vector<std::byte> ok(static_cast<std::size_t>(n));
  std::vector<std::size_t> one(static_cast<std::size_t>(n), 1), displs(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) displs[static_cast<std::size_t>(r)] = static_cast<std::size_t>(r);
  ok[static_cast<std::size_t>(me)] = std::byte{base != nullptr ? std::uint8_t{1} : std::uint8_t{0}};
  {
    Schedule s(comm, tag_ack);
    coll::allgatherv(s, nullptr, ok.data(), one.data(), displs.data());
    (void)s.run_blocking();
  }
  if (me == 0 && name[0] != '\0') shm_unlink(name);
  bool all = true;
  for (std::byte b : ok) all &= b == std::byte{1};
  if (!all) {
    if (base != nullptr) munmap(base, bytes);
    return nullptr;
  }
  std::unique_ptr<Team> team(new Team(me, n, base, bytes));
  team->probe_cma();
  return team;
}

// Every rank tries one CMA read of every peer (its pid field, whose address
// it published) and says whether all worked; the team uses CMA only when
// every rank can read every other. PARLEY_SHM_CMA=0 (the engine's switch)
// and PARLEY_COLL_SHM_CMA=0 turn it off.
void Team::probe_cma() {
  bool ok = shm_cma_min(Collective::allreduce, size_) != SIZE_MAX || shm_cma_min(Collective::bcast, size_) != SIZE_MAX;
  if (const char* e = std::getenv("PARLEY_SHM_CMA"); e != nullptr && std::string_view(e) == "0") ok = false;
  for (int q = 0; q < size_ && ok; ++q) {
    if (q == rank_) continue;
    const Published& pub = ctl(q).pub;
    const std::uint64_t probe = pub.probe.load(std::memory_order_acquire);
    const std::uint64_t pid = pub.pid.load(std::memory_order_relaxed);
    ok = transport::shm::cma_probe(static_cast<pid_t>(pid), probe, pid).ok();
  }
  ctl(rank_).pub.cma_ok.store(ok ? 1 : 0, std::memory_order_relaxed);
  const std::uint64_t k = ++step_;
  barrier_flat(k);
  post(&Control::finished, k);
  bool all = true;
  for (int q = 0; q < size_; ++q) all &= ctl(q).pub.cma_ok.load(std::memory_order_relaxed) == 1;
  cma_ = all;
}

void Team::publish(const void* p) const {
  ctl(rank_).pub.addr.store(reinterpret_cast<std::uint64_t>(p), std::memory_order_relaxed);
}

bool Team::cma_read(int r, void* local, std::uint64_t remote, std::size_t len) const {
  if (len == 0) return true;
  const iovec l{local, len};
  const iovec rv{reinterpret_cast<void*>(remote), len};
  const auto pid = static_cast<pid_t>(ctl(r).pub.pid.load(std::memory_order_relaxed));
  return transport::shm::cma_read(pid, transport::IovSpan(&l, 1), transport::IovSpan(&rv, 1)).ok();
}

bool Team::use_cma(Collective c, std::size_t bytes) const {
  // Every CMA threshold is at least a cache line's worth (small calls skip the table).
  return cma_ && bytes >= 64 && bytes >= shm_cma_min(c, size_);
}

void Team::wait_one(int r, Flag Control::*field, std::uint64_t value) const {
  std::atomic<std::uint64_t>& f = (ctl(r).*field).value;
  if (f.load(std::memory_order_acquire) >= value) return;
  engine().wait_until([&f, value] { return f.load(std::memory_order_acquire) >= value; });
}

void Team::wait_all(Flag Control::*field, std::uint64_t value) const {
  int next = 0;
  auto all_there = [&] {
    for (; next < size_; ++next)
      if (next != rank_ && (ctl(next).*field).value.load(std::memory_order_acquire) < value) return false;
    return true;
  };
  if (all_there()) return;
  engine().wait_until(all_there);
}

void Team::wait_free(std::uint64_t step) const {
  if (step <= kSets || step - kSets <= seen_finished_) return;
  wait_all(&Control::finished, step - kSets);
  note_finished(step - kSets);
}

void Team::note_finished(std::uint64_t floor) const {
  std::uint64_t least = UINT64_MAX;
  for (int q = 0; q < size_; ++q)
    if (q != rank_) least = std::min(least, ctl(q).finished.value.load(std::memory_order_acquire));
  seen_finished_ = std::max({seen_finished_, floor, least == UINT64_MAX ? floor : least});
}

void Team::post(Flag Control::*field, std::uint64_t step) const {
  (ctl(rank_).*field).value.store(step, std::memory_order_release);
}

void Team::barrier() {
  drain();
  const std::uint64_t k = ++step_;
  if (counter_barrier_) barrier_counter(k);
  else barrier_flat(k);
  post(&Control::finished, k);
}

void Team::barrier_flat(std::uint64_t k) {
  post(&Control::arrived, k);
  wait_all(&Control::arrived, k);
}

// Rank 0 waits for the others' arrivals, resets the count and releases
// them; nobody counts in for the next barrier before it has seen the
// release, so the reset cannot race. Rank 0 rather than the last arriver
// releases, so rank 0 — the root of most bcasts and scatters — holds a core
// when the barrier opens and has its data in place before the readers come
// (when the last one out was a reader, it waited for the root to get a core
// again: 4 ranks on 2 cores, 4 B bcast 3.6 us against Open MPI's 0.4-1).
void Team::barrier_counter(std::uint64_t k) {
  Common& c = common();
  const auto others = static_cast<std::uint64_t>(size_ - 1);
  if (rank_ == 0) {
    if (c.count.value.load(std::memory_order_acquire) != others)
      engine().wait_until([&c, others] { return c.count.value.load(std::memory_order_acquire) == others; });
    c.count.value.store(0, std::memory_order_relaxed);
    c.release.value.store(k, std::memory_order_release);
    return;
  }
  c.count.value.fetch_add(1, std::memory_order_acq_rel);
  if (c.release.value.load(std::memory_order_acquire) < k)
    engine().wait_until([&c, k] { return c.release.value.load(std::memory_order_acquire) >= k; });
}

Status Team::bcast(void* buf, std::size_t bytes, int root) {
  drain();
  if (use_cma(Collective::bcast, bytes)) return bcast_cma(buf, bytes, root);
  auto* p = static_cast<std::byte*>(buf);
  if (bytes <= kMail) {
    const std::uint64_t k = ++step_;
    if (rank_ == root) {
      wait_free(k);
      std::memcpy(mail(rank_, k).data, p, bytes);
      mail_post(k);
    } else {
      std::memcpy(p, mail_wait(root, k), bytes);
    }
    post(&Control::finished, k);
    return Status::ok();
  }
  for (std::size_t off = 0; off < bytes; off += bcast_chunk_) {
    const std::size_t len = std::min(bcast_chunk_, bytes - off);
    const std::uint64_t k = ++step_;
    if (rank_ == root) {
      wait_free(k);
      std::memcpy(set(k), p + off, len);
      post(&Control::arrived, k);
    } else {
      wait_one(root, &Control::arrived, k);
      std::memcpy(p + off, set(k), len);
    }
    post(&Control::finished, k);
  }
  return Status::ok();
}

// The root publishes its buffer; the others read it straight into theirs
// and say so; the root returns once all have (its buffer is theirs to read
// until then).
Status Team::bcast_cma(void* buf, std::size_t bytes, int root) {
  const std::uint64_t k = ++step_;
  bool ok = true;
  if (rank_ == root) {
    publish(buf);
    post(&Control::arrived, k);
    wait_all(&Control::finished, k);
    seen_finished_ = std::max(seen_finished_, k);
  } else {
    wait_one(root, &Control::arrived, k);
    ok = cma_read(root, buf, published(root), bytes);
  }
  post(&Control::finished, k);
  return ok ? Status::ok() : Status(MPI_ERR_BUFFER, "MPI_Bcast: cannot read the root's buffer (CMA)");
}

Status Team::reduce(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r,
                    int root) {
  drain();
  const std::size_t bytes = count * item_bytes;
  if (bytes == 0) return Status::ok();
  if (use_cma(root < 0 ? Collective::allreduce : Collective::reduce, bytes))
    return reduce_cma(send, recv, count, item_bytes, r, root);
  if (bytes > flat_limit() || bytes > kSlot) return reduce_chunked(send, recv, count, item_bytes, r, root);
  if (bytes <= kMail) {
    // As below, through the mailboxes (16-byte aligned data).
    const std::uint64_t k = ++step_;
    wait_free(k);
    std::memcpy(mail(rank_, k).data, send, bytes);
    mail_post(k);
    Status st;
    if (root < 0 || rank_ == root) {
      std::memcpy(recv, mail_wait(size_ - 1, k), bytes);
      for (int q = size_ - 2; q >= 0 && st; --q) st = r.apply(mail_wait(q, k), recv, count);
    }
    post(&Control::finished, k);
    return st;
  }
  // Flat: everyone leaves its vector in its slot, the root combines them.
  const std::uint64_t k = ++step_;
  wait_free(k);
  std::memcpy(slot(k, rank_), send, bytes);
  post(&Control::arrived, k);
  Status st;
  if (root < 0 || rank_ == root) {
    wait_all(&Control::arrived, k);
    // out = a0 op (a1 op (... op a_{n-1})): lower ranks' data as `in`.
    std::memcpy(recv, slot(k, size_ - 1), bytes);
    for (int q = size_ - 2; q >= 0 && st; --q) st = r.apply(slot(k, q), recv, count);
  }
  post(&Control::finished, k);
  return st;
}

Status Team::allreduce(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r) {
  return reduce(send, recv, count, item_bytes, r, -1);
}

// Chunks of up to kSlot bytes: everyone copies its chunk in, combines its
// share (a contiguous run of items) of all ranks' chunks into the result
// slot, and then everyone (allreduce, root < 0) or the root copies it out.
Status Team::reduce_chunked(const void* send, void* recv, std::size_t count, std::size_t item_bytes,
                            const Reducer& r, int root) {
  const std::size_t per_chunk = std::max<std::size_t>(1, kSlot / item_bytes);
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  const bool gets_result = root < 0 || rank_ == root;
  const auto n = static_cast<std::size_t>(size_);
  const auto me = static_cast<std::size_t>(rank_);
  Status st;
  for (std::size_t first = 0; first < count; first += per_chunk) {
    const std::size_t items = std::min(per_chunk, count - first);
    const std::uint64_t k = ++step_;
    wait_free(k);
    std::memcpy(slot(k, rank_), in + first * item_bytes, items * item_bytes);
    post(&Control::arrived, k);
    wait_all(&Control::arrived, k);
    // My share: items [lo, hi) of this chunk.
    const std::size_t lo = items * me / n;
    const std::size_t hi = items * (me + 1) / n;
    if (hi > lo) {
      std::byte* res = result(k) + lo * item_bytes;
      std::memcpy(res, slot(k, size_ - 1) + lo * item_bytes, (hi - lo) * item_bytes);
      for (int q = size_ - 2; q >= 0 && st; --q) st = r.apply(slot(k, q) + lo * item_bytes, res, hi - lo);
    }
    post(&Control::reduced, k);
    if (gets_result) {
      wait_all(&Control::reduced, k);
      std::memcpy(out + first * item_bytes, result(k), items * item_bytes);
    }
    post(&Control::finished, k);
  }
  return st;
}

// Chunks of up to a whole set's bytes (the result area): everyone publishes
// its input; each rank combines its share of the chunk, reading the peers'
// pieces by CMA (in kCmaPiece pieces, the highest rank's straight into the
// result) in the same order as the other paths; once every share is in
// (which also means nobody reads an input any more) the root or everyone
// copies the result out. Two synchronisations per set instead of per slot.
Status Team::reduce_cma(const void* send, void* recv, std::size_t count, std::size_t item_bytes, const Reducer& r,
                        int root) {
  const std::size_t per_chunk = std::max<std::size_t>(1, set_bytes() / item_bytes);
  const std::size_t per_piece = std::max<std::size_t>(1, kCmaPiece / item_bytes);
  if (scratch_bytes_ < per_piece * item_bytes) {
    scratch_bytes_ = per_piece * item_bytes;
    scratch_.reset(new std::byte[scratch_bytes_]);
  }
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  const bool gets_result = root < 0 || rank_ == root;
  const auto n = static_cast<std::size_t>(size_);
  const auto me = static_cast<std::size_t>(rank_);
  Status st;
  bool ok = true;
  for (std::size_t first = 0; first < count; first += per_chunk) {
    const std::size_t items = std::min(per_chunk, count - first);
    const std::uint64_t k = ++step_;
    wait_free(k);
    publish(in + first * item_bytes);
    post(&Control::arrived, k);
    wait_all(&Control::arrived, k);
    const std::size_t lo = items * me / n;
    const std::size_t hi = items * (me + 1) / n;
    for (std::size_t a = lo; a < hi; a += per_piece) {
      const std::size_t m = std::min(per_piece, hi - a);
      const std::size_t off = (first + a) * item_bytes;
      std::byte* res = set(k) + a * item_bytes;
      for (int q = size_ - 1; q >= 0; --q) {
        const std::byte* src;
        if (q == rank_) {
          src = in + off;
        } else {
          std::byte* dst = q == size_ - 1 ? res : scratch_.get();
          if (!cma_read(q, dst, published(q) + a * item_bytes, m * item_bytes)) {
            ok = false;
            std::memset(dst, 0, m * item_bytes);
          }
          src = dst;
        }
        if (q == size_ - 1) {
          if (src != res) std::memcpy(res, src, m * item_bytes);
        } else if (st) {
          st = r.apply(src, res, m);
        }
      }
    }
    post(&Control::reduced, k);
    wait_all(&Control::reduced, k);
    if (gets_result) std::memcpy(out + first * item_bytes, set(k), items * item_bytes);
    post(&Control::finished, k);
  }
  if (!ok && st) st = Status(MPI_ERR_BUFFER, "cannot read a peer's send buffer (CMA)");
  return st;
}

// --- block movers -------------------------------------------------------------
// Each step moves bytes [off, off + kSlot) of every block; a rank's slot of
// the step's set holds its piece, written once and read by everyone who
// needs it. Writers wait only for the set to be free (four steps back), so
// a rank may run up to kSets steps ahead of the slowest reader.

Status Team::allgatherv(const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs) {
  drain();
  auto* out = static_cast<std::byte*>(recv);
  const auto me = static_cast<std::size_t>(rank_);
  std::size_t most = 0;
  for (int q = 0; q < size_; ++q) most = std::max(most, bytes[q]);
  if (use_cma(Collective::allgather, most)) return allgatherv_cma(send, recv, bytes, displs);
  if (most <= kMail) {
    const std::uint64_t k = ++step_;
    wait_free(k);
    if (bytes[me] > 0) std::memcpy(mail(rank_, k).data, send != nullptr ? send : out + displs[me], bytes[me]);
    mail_post(k);
    if (send != nullptr && bytes[me] > 0) std::memcpy(out + displs[me], send, bytes[me]);
    for (int q = 0; q < size_; ++q) {
      const auto uq = static_cast<std::size_t>(q);
      if (q != rank_ && bytes[uq] > 0) std::memcpy(out + displs[uq], mail_wait(q, k), bytes[uq]);
    }
    post(&Control::finished, k);
    return Status::ok();
  }
  if (send != nullptr && bytes[me] > 0) std::memcpy(out + displs[me], send, bytes[me]);
  for (std::size_t off = 0; off < most; off += kSlot) {
    const std::uint64_t k = ++step_;
    wait_free(k);
    if (off < bytes[me]) std::memcpy(slot(k, rank_), out + displs[me] + off, std::min(kSlot, bytes[me] - off));
    post(&Control::arrived, k);
    wait_all(&Control::arrived, k);
    for (int q = 0; q < size_; ++q) {
      const auto uq = static_cast<std::size_t>(q);
      if (q == rank_ || off >= bytes[uq]) continue;
      std::memcpy(out + displs[uq] + off, slot(k, q), std::min(kSlot, bytes[uq] - off));
    }
    post(&Control::finished, k);
  }
  return Status::ok();
}

Status Team::gather(const void* send, std::size_t block, void* recv, const std::size_t* displs, int root) {
  drain();
  if (use_cma(Collective::gather, block)) return gather_cma(send, block, recv, displs, root);
  auto* out = static_cast<std::byte*>(recv);
  const auto* in = static_cast<const std::byte*>(send);
  if (rank_ == root && send != nullptr) std::memcpy(out + displs[root], in, block);
  for (std::size_t off = 0; off < block; off += kSlot) {
    const std::size_t len = std::min(kSlot, block - off);
    const std::uint64_t k = ++step_;
    if (rank_ == root) {
      wait_all(&Control::arrived, k);
      for (int q = 0; q < size_; ++q)
        if (q != root) std::memcpy(out + displs[q] + off, slot(k, q), len);
    } else {
      wait_free(k);
      std::memcpy(slot(k, rank_), in + off, len);
      post(&Control::arrived, k);
    }
    post(&Control::finished, k);
  }
  return Status::ok();
}

Status Team::scatter(const void* send, const std::size_t* displs, void* recv, std::size_t block, int root) {
  drain();
  if (use_cma(Collective::scatter, block)) return scatter_cma(send, displs, recv, block, root);
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  if (rank_ == root && recv != nullptr) std::memcpy(out, in + displs[root], block);
  for (std::size_t off = 0; off < block; off += kSlot) {
    const std::size_t len = std::min(kSlot, block - off);
    const std::uint64_t k = ++step_;
    if (rank_ == root) {
      wait_free(k);
      for (int q = 0; q < size_; ++q)
        if (q != root) std::memcpy(slot(k, q), in + displs[q] + off, len);
      post(&Control::arrived, k);
    } else {
      wait_one(root, &Control::arrived, k);
      std::memcpy(out + off, slot(k, rank_), len);
    }
    post(&Control::finished, k);
  }
  return Status::ok();
}

Status Team::gatherv(const void* send, std::size_t mine, void* recv, const std::size_t* bytes,
                     const std::size_t* displs, int root) {
  drain();
  const std::uint64_t k = ++step_;
  if (rank_ != root) {
    wait_free(k);
    Mail& m = mail(rank_, k);
    if (mine <= kMail) {
      if (mine > 0) std::memcpy(m.data, send, mine);
      mail_post(k);
    } else if (mine <= kSlot) {
      std::memcpy(slot(k, rank_), send, mine);
      mail_post(k);
    } else {
      const auto addr = reinterpret_cast<std::uint64_t>(send);
      std::memcpy(m.data, &addr, sizeof addr);
      mail_post(k);
      wait_one(root, &Control::finished, k);  // my buffer is the root's to read until then
    }
    post(&Control::finished, k);
    return Status::ok();
  }
  auto* out = static_cast<std::byte*>(recv);
  if (send != nullptr && bytes[root] > 0) std::memcpy(out + displs[root], send, bytes[root]);
  bool ok = true;
  for (int i = 1; i < size_; ++i) {
    const int q = (rank_ + i) % size_;
    const auto uq = static_cast<std::size_t>(q);
    const std::byte* data = mail_wait(q, k);
    if (bytes[uq] <= kMail) {
      if (bytes[uq] > 0) std::memcpy(out + displs[uq], data, bytes[uq]);
    } else if (bytes[uq] <= kSlot) {
      std::memcpy(out + displs[uq], slot(k, q), bytes[uq]);
    } else {
      std::uint64_t addr = 0;
      std::memcpy(&addr, data, sizeof addr);
      ok &= cma_read(q, out + displs[uq], addr, bytes[uq]);
    }
  }
  post(&Control::finished, k);
  return ok ? Status::ok() : Status(MPI_ERR_BUFFER, "MPI_Gatherv: cannot read a peer's buffer (CMA)");
}

Status Team::scatterv(const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv,
                      std::size_t mine, int root) {
  drain();
  const std::uint64_t k = ++step_;
  // Per rank: where its piece is (an offset into the set, or an address in
  // the root's memory), its length, and whether it is read by CMA.
  struct Entry {
    std::uint64_t where, len, by_cma;
  };
  auto* table = reinterpret_cast<Entry*>(set(k));
  const auto n = static_cast<std::size_t>(size_);
  if (rank_ == root) {
    const auto* in = static_cast<const std::byte*>(send);
    wait_free(k);
    std::size_t off = (n * sizeof(Entry) + 63) & ~std::size_t{63};
    bool any_cma = false;
    for (std::size_t q = 0; q < n; ++q) {
      if (static_cast<int>(q) == root) continue;
      if (off + bytes[q] <= set_bytes()) {
        if (bytes[q] > 0) std::memcpy(set(k) + off, in + displs[q], bytes[q]);
        table[q] = {off, bytes[q], 0};
        off += (bytes[q] + 63) & ~std::size_t{63};
      } else {
        table[q] = {reinterpret_cast<std::uint64_t>(in + displs[q]), bytes[q], 1};
        any_cma = true;
      }
    }
    post(&Control::arrived, k);
    if (recv != nullptr && bytes[root] > 0) std::memcpy(recv, in + displs[root], bytes[root]);
    if (any_cma) {
      wait_all(&Control::finished, k);  // my buffer is theirs to read until then
      seen_finished_ = std::max(seen_finished_, k);
    }
    post(&Control::finished, k);
    return Status::ok();
  }
  wait_one(root, &Control::arrived, k);
  const Entry e = table[static_cast<std::size_t>(rank_)];
  Status st;
  if (e.len > mine) {
    st = Status(MPI_ERR_TRUNCATE, "MPI_Scatterv: the root sends " + std::to_string(e.len) + " bytes, recvcount holds " +
                                      std::to_string(mine));
  } else if (e.by_cma != 0) {
    if (!cma_read(root, recv, e.where, e.len))
      st = Status(MPI_ERR_BUFFER, "MPI_Scatterv: cannot read the root's buffer (CMA)");
  } else if (e.len > 0) {
    std::memcpy(recv, set(k) + e.where, e.len);
  }
  post(&Control::finished, k);
  return st;
}

namespace {
// Where a piece of a v form is: an offset into the writer's area of the
// step's set, or an address in the writer's memory (by_cma), and its length.
struct PieceEntry {
  std::uint64_t where, len, by_cma;
};
}  // namespace

Status Team::alltoallv(const void* send, const std::size_t* sbytes, const std::size_t* sdispls, void* recv,
                       const std::size_t* rbytes, const std::size_t* rdispls) {
  drain();
  const std::uint64_t k = ++step_;
  const auto n = static_cast<std::size_t>(size_);
  const auto me = static_cast<std::size_t>(rank_);
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  wait_free(k);
  std::byte* mine = slot(k, rank_);
  auto* table = reinterpret_cast<PieceEntry*>(mine);
  std::size_t off = (n * sizeof(PieceEntry) + 63) & ~std::size_t{63};
  bool any_cma = false;
  for (std::size_t q = 0; q < n; ++q) {
    if (q == me) continue;
    if (off + sbytes[q] <= kSlot) {
      if (sbytes[q] > 0) std::memcpy(mine + off, in + sdispls[q], sbytes[q]);
      table[q] = {off, sbytes[q], 0};
      off += (sbytes[q] + 63) & ~std::size_t{63};
    } else {
      table[q] = {reinterpret_cast<std::uint64_t>(in + sdispls[q]), sbytes[q], 1};
      any_cma = true;
    }
  }
  post(&Control::arrived, k);
  Status st;
  if (sbytes[me] > rbytes[me]) st = Status(MPI_ERR_TRUNCATE, "MPI_Alltoallv: a block longer than its receive count");
  else if (sbytes[me] > 0) std::memcpy(out + rdispls[me], in + sdispls[me], sbytes[me]);
  for (int i = 1; i < size_; ++i) {
    const int q = (rank_ + i) % size_;
    const auto uq = static_cast<std::size_t>(q);
    wait_one(q, &Control::arrived, k);
    const PieceEntry e = reinterpret_cast<const PieceEntry*>(slot(k, q))[me];
    if (e.len > rbytes[uq]) {
      if (st) st = Status(MPI_ERR_TRUNCATE, "MPI_Alltoallv: rank " + std::to_string(q) + " sends " +
                                                std::to_string(e.len) + " bytes, the receive count holds " +
                                                std::to_string(rbytes[uq]));
    } else if (e.by_cma != 0) {
      if (!cma_read(q, out + rdispls[uq], e.where, e.len) && st)
        st = Status(MPI_ERR_BUFFER, "MPI_Alltoallv: cannot read a peer's buffer (CMA)");
    } else if (e.len > 0) {
      std::memcpy(out + rdispls[uq], slot(k, q) + e.where, e.len);
    }
  }
  post(&Control::finished, k);
  if (any_cma) {
    wait_all(&Control::finished, k);  // my buffer is theirs to read until then
    seen_finished_ = std::max(seen_finished_, k);
  }
  return st;
}

// Rank r's slot of a step holds, for every destination q, piece q (piece
// bytes of block q from off); q reads piece q of every rank's slot.
Status Team::alltoall(const void* send, const std::size_t* sdispls, void* recv, const std::size_t* rdispls,
                      std::size_t block) {
  drain();
  if (use_cma(Collective::alltoall, block)) return alltoall_cma(send, sdispls, recv, rdispls, block);
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  const auto n = static_cast<std::size_t>(size_);
  const auto me = static_cast<std::size_t>(rank_);
  if (block == 0) return Status::ok();
  if ((n - 1) * block <= kMail) {
    // Piece for q at index q (q < me) or q - 1 (q > me) of my mailbox.
    const std::uint64_t k = ++step_;
    wait_free(k);
    std::byte* box = mail(rank_, k).data;
    for (std::size_t q = 0; q < n; ++q)
      if (q != me) std::memcpy(box + (q < me ? q : q - 1) * block, in + sdispls[q], block);
    mail_post(k);
    std::memcpy(out + rdispls[me], in + sdispls[me], block);
    for (std::size_t q = 0; q < n; ++q)
      if (q != me)
        std::memcpy(out + rdispls[q], mail_wait(static_cast<int>(q), k) + (me < q ? me : me - 1) * block, block);
    post(&Control::finished, k);
    return Status::ok();
  }
  std::memcpy(out + rdispls[me], in + sdispls[me], block);
  // Pieces start on cache lines when they can.
  std::size_t piece = kSlot / n;
  if (piece >= 64) piece &= ~std::size_t{63};
  for (std::size_t off = 0; off < block; off += piece) {
    const std::size_t len = std::min(piece, block - off);
    const std::uint64_t k = ++step_;
    wait_free(k);
    std::byte* mine = slot(k, rank_);
    for (std::size_t q = 0; q < n; ++q)
      if (q != me) std::memcpy(mine + q * piece, in + sdispls[q] + off, len);
    post(&Control::arrived, k);
    wait_all(&Control::arrived, k);
    for (std::size_t q = 0; q < n; ++q)
      if (q != me) std::memcpy(out + rdispls[q] + off, slot(k, static_cast<int>(q)) + me * piece, len);
    post(&Control::finished, k);
  }
  return Status::ok();
}

// --- nonblocking steps ----------------------------------------------------------

bool Team::set_free(std::uint64_t step) const {
  if (step <= kSets || step - kSets <= seen_finished_) return true;
  for (int q = 0; q < size_; ++q)
    if (q != rank_ && ctl(q).finished.value.load(std::memory_order_acquire) < step - kSets) return false;
  note_finished(step - kSets);
  return true;
}

void Team::enqueue(Schedule& s, std::shared_ptr<Pending> p) {
  // A deferred schedule (a persistent collective built at its init) takes
  // its step number at its first start, in the restart function below.
  if (!s.deferred()) {
    p->k = ++step_;
    pending_.push_back(p);
  }
  // Not advanced here: the schedule's start packs noncontiguous input
  // (at_start) before its first step runs; start() advances it at once (a
  // bcast root with a free set is done then).
  // Once p is done the team is not touched (it may be gone: ~Team).
  // A restart (a persistent collective's next MPI_Start) takes the next
  // step number then, as a new call would.
  s.poll(
      [this, p] {
        if (!p->done) progress();
        return p->done;
      },
      [this, p] {
        p->k = ++step_;
        p->phase = 0;
        p->done = false;
        p->status = Status::ok();
        pending_.push_back(p);
      });
  s.call([p] { return p->status; });
  s.fence();
}

// A new step of the given kind on these buffers (numbered by enqueue).
std::shared_ptr<Team::Pending> Team::pending(Pending::Kind kind, const void* send, void* recv, int root) {
  auto p = std::make_shared<Pending>();
  p->kind = kind;
  p->root = root;
  p->send = send;
  p->recv = recv;
  return p;
}

void Team::ibarrier(Schedule& s) {
  enqueue(s, pending(Pending::Kind::barrier));
}

void Team::ibcast(Schedule& s, void* buf, std::size_t bytes, int root) {
  auto p = pending(Pending::Kind::bcast, nullptr, buf, root);
  p->bytes = std::min(bytes, kMail);
  enqueue(s, std::move(p));
}

void Team::iallreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes) {
  auto p = pending(Pending::Kind::allreduce, send, recv);
  p->count = count;
  p->bytes = std::min(count * item_bytes, kMail);
  p->reducer = &s.reducer();
  enqueue(s, std::move(p));
}

void Team::iallgatherv(Schedule& s, const void* send, void* recv, const std::size_t* bytes,
                       const std::size_t* displs) {
  auto p = pending(Pending::Kind::allgather, send, recv);
  p->a.assign(bytes, bytes + size_);
  p->b.assign(displs, displs + size_);
  for (std::size_t& x : p->a) x = std::min(x, kMail);
  enqueue(s, std::move(p));
}

void Team::ialltoall(Schedule& s, const void* send, const std::size_t* sdispls, void* recv,
                     const std::size_t* rdispls, std::size_t block) {
  auto p = pending(Pending::Kind::alltoall, send, recv);
  p->a.assign(sdispls, sdispls + size_);
  p->b.assign(rdispls, rdispls + size_);
  p->bytes = size_ > 1 ? std::min(block, kMail / static_cast<std::size_t>(size_ - 1)) : 0;
  enqueue(s, std::move(p));
}

void Team::ireduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root) {
  auto p = pending(Pending::Kind::reduce, send, recv, root);
  p->count = count;
  p->bytes = std::min(count * item_bytes, kMail);
  p->reducer = &s.reducer();
  enqueue(s, std::move(p));
}

void Team::igather(Schedule& s, const void* send, std::size_t block, void* recv, const std::size_t* displs,
                   int root) {
  auto p = pending(Pending::Kind::gather, send, recv, root);
  p->bytes = std::min(block, kMail);
  if (rank_ == root) p->a.assign(displs, displs + size_);
  enqueue(s, std::move(p));
}

void Team::iscatter(Schedule& s, const void* send, const std::size_t* displs, void* recv, std::size_t block,
                    int root) {
  auto p = pending(Pending::Kind::scatter, send, recv, root);
  p->bytes = size_ > 1 ? std::min(block, kMail / static_cast<std::size_t>(size_ - 1)) : 0;
  if (rank_ == root) p->a.assign(displs, displs + size_);
  enqueue(s, std::move(p));
}

bool Team::poll(Pending& p) {
  const std::uint64_t k = p.k;
  switch (p.kind) {
    case Pending::Kind::barrier:
      if (p.phase == 0) {
        post(&Control::arrived, k);
        p.phase = 1;
      }
      for (int q = 0; q < size_; ++q)
        if (q != rank_ && ctl(q).arrived.value.load(std::memory_order_acquire) < k) return false;
      break;
    case Pending::Kind::bcast:
      if (rank_ == p.root) {
        if (!set_free(k)) return false;
        std::memcpy(mail(rank_, k).data, p.recv, p.bytes);
        mail_post(k);
      } else {
        Mail& m = mail(p.root, k);
        if (m.seq.load(std::memory_order_acquire) < k) return false;
        std::memcpy(p.recv, m.data, p.bytes);
      }
      break;
    case Pending::Kind::allreduce:
      if (p.phase == 0) {
        if (!set_free(k)) return false;
        std::memcpy(mail(rank_, k).data, p.send, p.bytes);
        mail_post(k);
        p.phase = 1;
      }
      for (int q = 0; q < size_; ++q)
        if (q != rank_ && mail(q, k).seq.load(std::memory_order_acquire) < k) return false;
      // The same order as the blocking forms: a0 op (a1 op (... op a_{n-1})).
      std::memcpy(p.recv, mail(size_ - 1, k).data, p.bytes);
      for (int q = size_ - 2; q >= 0 && p.status; --q) p.status = p.reducer->apply(mail(q, k).data, p.recv, p.count);
      break;
    case Pending::Kind::allgather: {
      const auto me = static_cast<std::size_t>(rank_);
      auto* out = static_cast<std::byte*>(p.recv);
      if (p.phase == 0) {
        if (!set_free(k)) return false;
        if (p.a[me] > 0)
          std::memcpy(mail(rank_, k).data, p.send != nullptr ? p.send : out + p.b[me], p.a[me]);
        mail_post(k);
        if (p.send != nullptr && p.a[me] > 0) std::memcpy(out + p.b[me], p.send, p.a[me]);
        p.phase = 1;
      }
      for (int q = 0; q < size_; ++q)
        if (q != rank_ && mail(q, k).seq.load(std::memory_order_acquire) < k) return false;
      for (int q = 0; q < size_; ++q) {
        const auto uq = static_cast<std::size_t>(q);
        if (q != rank_ && p.a[uq] > 0) std::memcpy(out + p.b[uq], mail(q, k).data, p.a[uq]);
      }
      break;
    }
    case Pending::Kind::alltoall: {
      // The layout of alltoall(): piece for q at q (q < me) or q - 1.
      const auto me = static_cast<std::size_t>(rank_);
      const auto n = static_cast<std::size_t>(size_);
      const auto* in = static_cast<const std::byte*>(p.send);
      auto* out = static_cast<std::byte*>(p.recv);
      if (p.phase == 0) {
        if (!set_free(k)) return false;
        std::byte* box = mail(rank_, k).data;
        for (std::size_t q = 0; q < n; ++q)
          if (q != me) std::memcpy(box + (q < me ? q : q - 1) * p.bytes, in + p.a[q], p.bytes);
        mail_post(k);
        std::memcpy(out + p.b[me], in + p.a[me], p.bytes);
        p.phase = 1;
      }
      for (int q = 0; q < size_; ++q)
        if (q != rank_ && mail(q, k).seq.load(std::memory_order_acquire) < k) return false;
      for (std::size_t q = 0; q < n; ++q)
        if (q != me)
          std::memcpy(out + p.b[q], mail(static_cast<int>(q), k).data + (me < q ? me : me - 1) * p.bytes, p.bytes);
      break;
    }
    case Pending::Kind::reduce:
      // As the blocking mailbox reduce: everyone posts, the root combines
      // a0 op (a1 op (... op a_{n-1})); the others are done once posted.
      if (p.phase == 0) {
        if (!set_free(k)) return false;
        std::memcpy(mail(rank_, k).data, p.send, p.bytes);
        mail_post(k);
        p.phase = 1;
      }
      if (rank_ == p.root) {
        for (int q = 0; q < size_; ++q)
          if (q != rank_ && mail(q, k).seq.load(std::memory_order_acquire) < k) return false;
        std::memcpy(p.recv, mail(size_ - 1, k).data, p.bytes);
        for (int q = size_ - 2; q >= 0 && p.status; --q)
          p.status = p.reducer->apply(mail(q, k).data, p.recv, p.count);
      }
      break;
    case Pending::Kind::gather: {
      auto* out = static_cast<std::byte*>(p.recv);
      if (rank_ != p.root) {
        if (!set_free(k)) return false;
        std::memcpy(mail(rank_, k).data, p.send, p.bytes);
        mail_post(k);
        break;
      }
      if (p.phase == 0) {
        if (p.send != nullptr) std::memcpy(out + p.a[static_cast<std::size_t>(rank_)], p.send, p.bytes);
        p.phase = 1;
      }
      for (int q = 0; q < size_; ++q)
        if (q != rank_ && mail(q, k).seq.load(std::memory_order_acquire) < k) return false;
      for (int q = 0; q < size_; ++q)
        if (q != rank_) std::memcpy(out + p.a[static_cast<std::size_t>(q)], mail(q, k).data, p.bytes);
      break;
    }
    case Pending::Kind::scatter: {
      // The root's mailbox: the piece for q at q (q < root) or q - 1.
      const auto root = static_cast<std::size_t>(p.root);
      const auto me = static_cast<std::size_t>(rank_);
      if (rank_ == p.root) {
        if (!set_free(k)) return false;
        const auto* in = static_cast<const std::byte*>(p.send);
        std::byte* box = mail(rank_, k).data;
        for (std::size_t q = 0; q < static_cast<std::size_t>(size_); ++q)
          if (q != root) std::memcpy(box + (q < root ? q : q - 1) * p.bytes, in + p.a[q], p.bytes);
        mail_post(k);
        if (p.recv != nullptr) std::memcpy(p.recv, in + p.a[root], p.bytes);
        break;
      }
      Mail& m = mail(p.root, k);
      if (m.seq.load(std::memory_order_acquire) < k) return false;
      std::memcpy(p.recv, m.data + (me < root ? me : me - 1) * p.bytes, p.bytes);
      break;
    }
  }
  post(&Control::finished, k);
  return true;
}

void Team::progress() {
  while (!pending_.empty()) {
    Pending& p = *pending_.front();
    if (!poll(p)) return;
    p.done = true;
    pending_.pop_front();
  }
}

void Team::drain_slow() {
  engine().wait_until([this] {
    progress();
    return pending_.empty();
  });
}

// --- CMA block movers ---------------------------------------------------------
// One step whatever the size: a rank publishes where its data is (one
// address, or a table of them in its slot), waits for the ranks it reads
// from, reads their blocks straight into its own buffer, and posts
// `finished`; a rank whose buffer others read returns only once they all
// have (it may reuse the buffer then). Readers start at the next rank up, so
// that they do not all read the same rank at once.

namespace {
Status cma_failed(bool ok, const char* what) {
  return ok ? Status::ok() : Status(MPI_ERR_BUFFER, std::string(what) + ": cannot read a peer's buffer (CMA)");
}
}  // namespace

Status Team::allgatherv_cma(const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs) {
  auto* out = static_cast<std::byte*>(recv);
  const auto me = static_cast<std::size_t>(rank_);
  const std::uint64_t k = ++step_;
  // Peers read my block from the send buffer (or, in place, from recv).
  publish(send != nullptr ? send : out + displs[me]);
  post(&Control::arrived, k);
  if (send != nullptr && bytes[me] > 0) std::memcpy(out + displs[me], send, bytes[me]);
  bool ok = true;
  for (int i = 1; i < size_; ++i) {
    const int q = (rank_ + i) % size_;
    const auto uq = static_cast<std::size_t>(q);
    if (bytes[uq] == 0) continue;
    wait_one(q, &Control::arrived, k);
    ok &= cma_read(q, out + displs[uq], published(q), bytes[uq]);
  }
  post(&Control::finished, k);
  wait_all(&Control::finished, k);
  seen_finished_ = std::max(seen_finished_, k);
  return cma_failed(ok, "MPI_Allgather");
}

Status Team::gather_cma(const void* send, std::size_t block, void* recv, const std::size_t* displs, int root) {
  auto* out = static_cast<std::byte*>(recv);
  const std::uint64_t k = ++step_;
  bool ok = true;
  if (rank_ == root) {
    if (send != nullptr) std::memcpy(out + displs[root], send, block);
    for (int i = 1; i < size_; ++i) {
      const int q = (rank_ + i) % size_;
      wait_one(q, &Control::arrived, k);
      ok &= cma_read(q, out + displs[q], published(q), block);
    }
  } else {
    publish(send);
    post(&Control::arrived, k);
    wait_one(root, &Control::finished, k);
  }
  post(&Control::finished, k);
  return cma_failed(ok, "MPI_Gather");
}

// The root's slot holds the address of every rank's block.
Status Team::scatter_cma(const void* send, const std::size_t* displs, void* recv, std::size_t block, int root) {
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  const std::uint64_t k = ++step_;
  bool ok = true;
  if (rank_ == root) {
    wait_free(k);
    auto* table = reinterpret_cast<std::uint64_t*>(slot(k, root));
    for (int q = 0; q < size_; ++q) table[q] = reinterpret_cast<std::uint64_t>(in + displs[q]);
    post(&Control::arrived, k);
    if (recv != nullptr) std::memcpy(out, in + displs[root], block);
    wait_all(&Control::finished, k);
    seen_finished_ = std::max(seen_finished_, k);
  } else {
    wait_one(root, &Control::arrived, k);
    ok = cma_read(root, out, reinterpret_cast<const std::uint64_t*>(slot(k, root))[rank_], block);
  }
  post(&Control::finished, k);
  return cma_failed(ok, "MPI_Scatter");
}

// Every rank's slot holds the address of its block for each destination.
Status Team::alltoall_cma(const void* send, const std::size_t* sdispls, void* recv, const std::size_t* rdispls,
                          std::size_t block) {
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  const auto me = static_cast<std::size_t>(rank_);
  const std::uint64_t k = ++step_;
  wait_free(k);
  auto* mine = reinterpret_cast<std::uint64_t*>(slot(k, rank_));
  for (int q = 0; q < size_; ++q) mine[q] = reinterpret_cast<std::uint64_t>(in + sdispls[q]);
  post(&Control::arrived, k);
  std::memcpy(out + rdispls[me], in + sdispls[me], block);
  bool ok = true;
  for (int i = 1; i < size_; ++i) {
    const int q = (rank_ + i) % size_;
    wait_one(q, &Control::arrived, k);
    ok &= cma_read(q, out + rdispls[q], reinterpret_cast<const std::uint64_t*>(slot(k, q))[me], block);
  }
  post(&Control::finished, k);
  wait_all(&Control::finished, k);
  seen_finished_ = std::max(seen_finished_, k);
  return cma_failed(ok, "MPI_Alltoall");
}

}  // namespace parley::coll::shm
