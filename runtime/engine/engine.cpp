// Engine set-up and tear-down, the progress loop, and the request pool.
#include "engine/engine.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "datatype/pack.hpp"
#include "transport/common/backoff.hpp"
#include "transport/shm/shm_cma.hpp"

namespace parley {
namespace {

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 0);
  return (end != nullptr && *end == '\0') ? static_cast<std::size_t>(x) : fallback;
}

Status transport_error(const std::string& what, const transport::TransportStatus& st) {
  return Status(MPI_ERR_INTERN, what + ": " + st.what + " (" + transport::to_string(st.code) + ")");
}

std::atomic<std::uint64_t> g_staging_allocations{0};

}  // namespace

Engine::~Engine() { close(); }

Status Engine::init(const bootstrap::JobInfo& job, bootstrap::PmixClient& pmix) {
  params_.eager_limit = env_size("PARLEY_EAGER_LIMIT", params_.eager_limit);
  params_.spin_count = static_cast<std::uint32_t>(env_size("PARLEY_SPIN_COUNT", params_.spin_count));
  params_.spin_ns = static_cast<std::int64_t>(env_size("PARLEY_SPIN_NS", static_cast<std::size_t>(params_.spin_ns)));
  params_.cma_min_piece = env_size("PARLEY_SHM_CMA_MIN_PIECE", params_.cma_min_piece);
  params_.cma_split_set = std::getenv("PARLEY_SHM_CMA_SPLIT") != nullptr;
  params_.cma_split = env_size("PARLEY_SHM_CMA_SPLIT", params_.cma_split);
  if (const char* t = std::getenv("PARLEY_TRANSPORT"); t != nullptr && *t != '\0') {
    const std::string v = t;
    if (v == "ofi") {
      params_.force_ofi = true;
    } else if (v != "shm" && v != "auto") {
      return Status(MPI_ERR_OTHER, "bad PARLEY_TRANSPORT='" + v + "': use 'shm' (default) or 'ofi'");
    }
  }
  pmix_ = &pmix;
  world_rank_ = job.rank;
  oversubscribed_ = transport::node_oversubscribed(static_cast<std::uint32_t>(job.local_peers.size()));
  // The ranks this one reaches through shared memory: its node's, unless
  // PARLEY_TRANSPORT=ofi sends everything through libfabric.
  local_to_world_ = params_.force_ofi ? std::vector<int>{job.rank} : job.local_peers;
  routes_.assign(static_cast<std::size_t>(job.size), PeerRoute{});
  for (std::size_t i = 0; i < local_to_world_.size(); ++i) {
    routes_[static_cast<std::size_t>(local_to_world_[i])] = PeerRoute{Route::shm, static_cast<int>(i)};
    if (local_to_world_[i] == job.rank) my_local_ = static_cast<int>(i);
  }
  routes_[static_cast<std::size_t>(job.rank)] = PeerRoute{Route::self, my_local_};
  const auto local_size = static_cast<std::uint32_t>(local_to_world_.size());
  peers_ = std::make_unique<Peer[]>(local_size);
  eager_max_ = params_.eager_limit;
  const bool need_ofi = static_cast<int>(local_size) < job.size;
  const bool multi_node = static_cast<int>(job.local_peers.size()) < job.size;
  if (need_ofi) {
    if (Status st = init_ofi(job, multi_node); !st) return st;
  }
  if (local_size < 2) {
    // Nobody shares a segment with us; the fence publishes our address.
    if (need_ofi) return pmix.fence(true);
    return Status::ok();
  }

  if (auto st = transport::shm::ShmConfig::from_env(shm_config_); !st.ok())
    return Status(MPI_ERR_OTHER, std::string("bad PARLEY_SHM_* setting: ") + st.what);
  const std::string name =
      transport::shm::segment_name(job.jobid, "node" + std::to_string(job.node_id));
  // Local rank 0 creates the segment; the fence makes it visible to the rest
  // (and, with libfabric in use, exchanges the endpoint addresses).
  if (my_local_ == 0) {
    if (auto st = transport::shm::Segment::create(name, local_size, shm_config_, segment_); !st.ok())
      return transport_error("cannot create the shared-memory segment " + name, st);
  }
  if (Status st = pmix.fence(need_ofi); !st) return st;
  if (my_local_ != 0) {
    if (auto st = transport::shm::Segment::attach(name, segment_); !st.ok())
      return transport_error("cannot attach the shared-memory segment " + name, st);
  }
  segment_.rank_info(static_cast<std::uint32_t>(my_local_))->pid.store(getpid(), std::memory_order_release);
  waiting_flag_ = &segment_.rank_info(static_cast<std::uint32_t>(my_local_))->waiting;
  split_ok_ = params_.cma_split > 0 && (params_.cma_split_set || !oversubscribed_);
  // The last rank to attach removes the name: nothing outlives a crash.
  if (segment_.mark_attached() == local_size) (void)segment_.unlink();
  if (auto st = queues_.init(segment_, static_cast<std::uint32_t>(my_local_)); !st.ok())
    return transport_error("cannot set up the shared-memory queues", st);
  bool cma = transport::shm::cma_allowed(shm_config_);
  for (std::uint32_t i = 0; i < local_size; ++i) peers_[i].cma_refused = !cma;
  eager_max_ = std::min(params_.eager_limit, queues_.max_payload(sizeof(p2p::MsgHeader)));
  shm_ready_ = true;
  return Status::ok();
}

Status Engine::drain() {
  // Peers may still wait for our fin/ack/cts or for queued sends.
  wait_until([this] { return busy_peers_.empty() && ofi_idle(); });
  return Status::ok();
}

void Engine::close() {
  close_ofi();
  if (!shm_ready_) return;
  shm_ready_ = false;
  if (const char* s = std::getenv("PARLEY_SHM_STATS"); s != nullptr && *s != '\0' && *s != '0' && splits_received_ > 0) {
    std::fprintf(stderr, "parley: rank %d: split rendezvous received: %llu\n", world_rank_,
                 static_cast<unsigned long long>(splits_received_));
    std::fflush(stderr);
  }
  waiting_flag_ = nullptr;
  (void)segment_.unlink();
  segment_ = transport::shm::Segment();
}

bool Engine::progress() {
  std::size_t delivered = 0;
  if (shm_ready_) {
    delivered = queues_.poll([this](const transport::shm::ShmMessage& m) { on_message(m.src, m.header, m.payload); });
  }
  if (!busy_peers_.empty()) {
    for (std::size_t i = 0; i < busy_peers_.size();) {
      int local = busy_peers_[i];
      flush_peer(local);
      Peer& p = peers_[static_cast<std::size_t>(local)];
      if (p.pending.empty() && p.control.empty() && !p.pipe_rx && p.pipe_rx_waiting.empty() && !p.pipe_tx) {
        p.busy = false;
        busy_peers_[i] = busy_peers_.back();
        busy_peers_.pop_back();
      } else {
        ++i;
      }
    }
    step_pipelines();
  }
  if (ofi_ready_) ofi_progress();
  if (!hooks_.empty()) run_hooks();
  if (progress_hook_ != nullptr && !in_progress_hook_) {
    in_progress_hook_ = true;
    progress_hook_();
    in_progress_hook_ = false;
  }
  return delivered != 0;
}

std::string Engine::describe_peers() const {
  if (!shm_ready_) return {};
  std::string out;
  for (std::uint32_t i = 0; i < queues_.local_size(); ++i) {
    if (i == queues_.rank()) continue;
    const Peer& p = peers_[i];
    const auto q = queues_.peer_state(i);
    const bool rx_waiting = q.rx_seq == q.rx_head + 1;
    const bool tx_unread = q.tx_tail != q.tx_peer_head;
    if (p.pending.empty() && p.control.empty() && !p.busy && !p.pipe_rx && !p.pipe_tx && !rx_waiting && !tx_unread)
      continue;
    out += "\n  local peer " + std::to_string(i) + ": " + std::to_string(p.pending.size()) + " send(s) queued, " +
           std::to_string(p.control.size()) + " control, busy " + (p.busy ? "yes" : "no") + "; to it: ring at " +
           std::to_string(q.tx_tail) + ", read up to " + std::to_string(q.tx_peer_head) +
           (q.announced ? "" : " (not announced)") + "; from it: at " + std::to_string(q.rx_head) +
           (rx_waiting ? ", a message waits" : ", nothing waiting") + (q.polled ? "" : " (not polled)");
  }
  return out;
}

void Engine::run_hooks() {
  // Index loop: a hook may add hooks (they run in this round too).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < hooks_.size(); ++i) {
    Hook h = hooks_[i];
    if (h.fn(h.ctx)) hooks_[kept++] = h;
  }
  hooks_.resize(kept);
}

p2p::Request* Engine::new_request() {
  ++live_requests_;
  return new p2p::Request{};
}

void Engine::stage(p2p::Request* r) {
  if (r->staging == nullptr) {
    r->staging = new std::byte[r->buf.bytes ? r->buf.bytes : 1];
    g_staging_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  r->buf.base = r->staging;
}

std::uint64_t Engine::staging_allocations() { return g_staging_allocations.load(std::memory_order_relaxed); }

void Engine::release_request_resources(p2p::Request* r) {
  if (r->rndv_mr != nullptr) ofi_release(r);
  if (r->buf.type != nullptr) {
    delete[] r->staging;
    r->staging = nullptr;
    const_cast<dt::Type*>(r->buf.type)->release();
  }
}

int Engine::local_of_world(int world_rank) const {
  const PeerRoute& rt = routes_[static_cast<std::size_t>(world_rank)];
  return rt.kind == Route::shm ? rt.index : -1;
}

Status Engine::unreachable(Route kind, int world_rank, const Communicator* comm, int rank) {
  if (kind == Route::lost)
    return Status(MPI_ERR_OTHER, "the connection to rank " + std::to_string(rank) + " of " + comm->name() +
                                     " (world rank " + std::to_string(world_rank) + ") was lost (libfabric)");
  return Status(MPI_ERR_OTHER, "rank " + std::to_string(rank) + " of " + comm->name() +
                                   " runs on another node, and the network transport (libfabric) is not open");
}

}  // namespace parley

// Test hook (exported as parley_*): how many whole-message staging copies
// the engine has made. Zero for shm and self traffic, whatever the types.
extern "C" unsigned long long parley_debug_staging_allocations(void) {
  return parley::Engine::staging_allocations();
}
