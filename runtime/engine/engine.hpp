// The progress engine: one per process. It owns the transports (self,
// shared memory, libfabric), the matching engine and the point-to-point
// protocol state, and advances all of them from progress(). Every world rank
// has a route: itself, a local rank over shm, or a world rank over ofi
// (ranks on other nodes, or every rank with PARLEY_TRANSPORT=ofi).
// Waiting spins briefly, then yields (at once when the node is
// oversubscribed), so a waiting rank never starves a peer on its core.
#pragma once

#include <mpi.h>
#include <sched.h>

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/intrusive_list.hpp"
#include "base/status.hpp"
#include "bootstrap/pmix_client.hpp"
#include "datatype/pack.hpp"
#include "p2p/match.hpp"
#include "p2p/protocol.hpp"
#include "p2p/request.hpp"
#include "transport/common/backoff.hpp"
#include "transport/ofi/ofi_endpoint.hpp"
#include "transport/ofi/ofi_fabric.hpp"
#include "transport/shm/shm_config.hpp"
#include "transport/shm/shm_pipeline.hpp"
#include "transport/shm/shm_queue.hpp"
#include "transport/shm/shm_segment.hpp"

namespace parley {

// Tunables, from PARLEY_* environment variables (parley-info --params).
struct EngineParams {
  std::size_t eager_limit = 16384;  // PARLEY_EAGER_LIMIT: largest eager message (bytes)
  std::uint32_t spin_count = 2000;  // PARLEY_SPIN_COUNT: polls before yielding when not oversubscribed
  std::int64_t spin_ns = transport::Backoff::kMaxSpinNanos;  // PARLEY_SPIN_NS: the spin phase's time bound
  bool force_ofi = false;           // PARLEY_TRANSPORT=ofi: libfabric between ranks of one node too
  // PARLEY_SHM_CMA_MIN_PIECE: a noncontiguous rendezvous uses CMA iovecs only
  // when the mean contiguous piece of both sides is at least this many
  // bytes; tinier pieces stream through the copy pipeline (docs/datatypes.md).
  std::size_t cma_min_piece = 1024;
  // PARLEY_SHM_CMA_SPLIT: a contiguous rendezvous of at least this many bytes
  // whose sender is blocked in a wait is copied by both ranks at once, half
  // each (0: never). The default holds only with a core per rank; a value
  // set explicitly applies on an oversubscribed node too.
  std::size_t cma_split = std::size_t{32} << 10;
  bool cma_split_set = false;
};

// The PMIx key under which each rank publishes its libfabric address.
inline constexpr const char* kOfiAddressKey = "parley.ofi.addr";

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  Engine(Engine&&) = delete;
  Engine& operator=(Engine&&) = delete;
  ~Engine();

  // Sets up the node's shared segment (one PMIx fence) and the queues.
  Status init(const bootstrap::JobInfo& job, bootstrap::PmixClient& pmix);
  // Completes everything the peers still need from us (before the fence of
  // MPI_Finalize), then releases the transports (after it).
  Status drain();
  void close();

  // --- point-to-point ---------------------------------------------------
  Result<p2p::Request*> isend(Communicator* comm, p2p::Buffer buf, int dest, int tag, p2p::SendMode mode);
  // A standard send's fast path, tried before isend: when buf is contiguous,
  // eager-sized, to a rank on this node with no earlier send queued to it and
  // room in its ring, the message is written there now and true returned (the
  // send is complete; no request is made). Otherwise false and nothing done.
  bool send_eager_now(Communicator* comm, const p2p::Buffer& buf, int dest, int tag);
  Result<p2p::Request*> irecv(Communicator* comm, const p2p::Buffer& buf, int source, int tag);
  // Starts an inactive persistent request again.
  Status start(p2p::Request* r);
  // Looks for a message matching (source, tag) without receiving it.
  bool iprobe(Communicator* comm, int source, int tag, p2p::StatusInfo& status);
  // MPI_Improbe: takes the earliest message matching (source, tag) out of
  // matching and returns it as an opaque token (nullptr if none), so that no
  // other receive can take it; mrecv() receives it.
  void* improbe(Communicator* comm, int source, int tag, p2p::StatusInfo& status);
  // Starts the receive r (buffer, comm set) on a message from improbe().
  void mrecv(p2p::Request* r, void* message);
  // MPI_Cancel: a posted receive is withdrawn; sends complete normally.
  void cancel(p2p::Request* r);

  // --- completion -------------------------------------------------------
  // Advances every transport and hook once. True when a message from a
  // peer on this node was delivered (a waiter that is being fed keeps
  // spinning instead of yielding; see wait_until).
  bool progress();
  // The progress round of a test call (MPI_Test*, MPI_Request_get_status): on an oversubscribed node a round that
  // delivered nothing also yields the core, so that a user's loop of tests
  // does not keep a peer that shares the core from sending what it polls for.
  void test_progress() {
    if (!progress() && oversubscribed_) sched_yield();
  }
  // The same for a probe that found nothing (MPI_Iprobe, MPI_Improbe).
  void probe_missed() {
    if (oversubscribed_) sched_yield();
  }
  // Work that progress() advances besides the transports: nonblocking
  // collective schedules, later RMA and I/O. fn(ctx) is called on every
  // progress() until it returns false; it may start sends and receives but
  // must not wait.
  using ProgressFn = bool (*)(void* ctx);
  void add_progress(ProgressFn fn, void* ctx) { hooks_.push_back(Hook{fn, ctx}); }
  // One always-on hook (the collectives' schedule list), called at the end
  // of every progress(); never re-entered from within itself.
  void set_progress_hook(void (*fn)()) { progress_hook_ = fn; }
  // Blocks (progressing) until pred() is true.
  template <class Pred>
  void wait_until(Pred pred);
  void wait(p2p::Request* r) {
    wait_until([r] { return r->complete; });
  }

  // Gives r its buffer and takes a reference on buf's noncontiguous type
  // (call once when r gets its buffer). Noncontiguous data streams between
  // the user's buffer and the cells, CMA iovecs or pipeline chunks; only
  // libfabric routes stage it in a packed copy (see set_status).
  void adopt_buffer(p2p::Request* r, const p2p::Buffer& buf) {
    r->buf = buf;
    if (buf.type != nullptr) [[unlikely]] const_cast<dt::Type*>(buf.type)->retain();
  }
  // Staging buffers made so far (libfabric routes only), for tests.
  static std::uint64_t staging_allocations();
  // Inline: every send and receive takes one and gives it back.
  p2p::Request* alloc_request() {
    p2p::Request* r = free_list_;
    if (r == nullptr) [[unlikely]]
      return new_request();
    free_list_ = r->next_free;
    *r = p2p::Request{};
    ++live_requests_;
    return r;
  }
  void free_request(p2p::Request* r) {
    if (r->rndv_mr != nullptr || r->buf.type != nullptr) [[unlikely]]
      release_request_resources(r);
    r->next_free = free_list_;
    free_list_ = r;
    --live_requests_;
  }

  const EngineParams& params() const { return params_; }
  std::size_t unexpected_count() const { return match_.unexpected_count(); }
  std::size_t posted_count() const { return match_.posted_count(); }
  // For the hang report: every local peer whose rings hold something or to
  // which sends are queued, one line each ("" when all is quiet).
  std::string describe_peers() const;

 private:
  // An ofi eager message's charge against its sender's eager credit, given
  // back (engine_ofi.cpp) when the unexpected message is freed.
  struct OfiCharge {
    Engine* engine = nullptr;
    int src = -1;
    std::uint32_t bytes = 0;
    OfiCharge() = default;
    OfiCharge(const OfiCharge&) = delete;
    OfiCharge& operator=(const OfiCharge&) = delete;
    OfiCharge(OfiCharge&&) = delete;
    OfiCharge& operator=(OfiCharge&&) = delete;
    ~OfiCharge();
  };
  // A message that arrived before its receive was posted.
  struct UnexpectedMsg {
    OfiCharge charge;  // ofi eager: returns the sender's credit when freed
    p2p::Unexpected entry;
    p2p::MsgHeader header;
    int src_local = -1;            // shm: local rank; ofi: world rank; -1: from ourselves
    bool via_ofi = false;
    bool has_key = false;          // ofi rts: the sender registered its buffer (fi_read)
    std::uint64_t rkey = 0;        // ofi rts: the remote key
    p2p::Request* self_send = nullptr;  // self rendezvous: the sender's request
    std::vector<std::byte> data;   // eager payload; shm typed rts: the TypeRef
  };
  // A copy-pipeline transfer in flight on one ordered pair.
  struct PipeRecv {
    p2p::Request* req = nullptr;
    std::uint64_t sender_req = 0;
    std::size_t total = 0;
    transport::shm::PipelineReceiver rx;
    std::vector<iovec> iov;
    std::unique_ptr<std::byte[]> sink;  // absorbs bytes beyond a truncated receive
    dt::Cursor cursor;  // noncontiguous receive: where the next chunk unpacks
  };
  struct PipeSend {
    p2p::Request* req = nullptr;
    transport::shm::PipelineSender tx;
    iovec iov{};
    dt::Cursor cursor;  // noncontiguous send: where the next chunk packs from
  };
  struct Peer {
    IntrusiveList<p2p::Request, &p2p::Request::pending_link> pending;  // sends not yet in the ring
    std::deque<p2p::MsgHeader> control;  // fin/ack/cts_pipe not yet in the ring
    std::optional<PipeRecv> pipe_rx;     // the one receive-side pipeline towards us
    std::deque<PipeRecv> pipe_rx_waiting;  // matched, waiting for the pair's pipeline
    std::optional<PipeSend> pipe_tx;
    bool cma_refused = false;
    bool cma_worked = false;  // a CMA read from it succeeded (so a split's write will be allowed too)
    bool busy = false;  // listed in busy_peers_
    std::deque<p2p::Request*> split_rx;  // receives whose first part it is writing (cts_split sent), oldest first
    std::uint32_t rts_out = 0;  // our rts to it not answered yet (fin / cts_pipe): it has copies of its own to do
  };
  // A peer reached over libfabric (by world rank).
  struct OfiPeer {
    IntrusiveList<p2p::Request, &p2p::Request::pending_link> pending;  // sends not yet handed over
    IntrusiveList<p2p::Request, &p2p::Request::wait_link> waiting;     // waiting for this peer's reply or data
    std::deque<p2p::MsgHeader> control;  // fin/ack/cts_pipe not yet sent
    std::deque<p2p::Request*> trains;    // senders streaming pipeline chunks (no FI_RMA)
    std::deque<p2p::Request*> reads;     // receives whose fi_read waits for a free read slot
    std::uint64_t eager_credit = 0;  // bytes we may still send it eagerly (flow control)
    std::uint64_t credit_owed = 0;   // its eager bytes we consumed, not yet given back
    bool credit_queued = false;      // a credit message is in `control`
    // A fragmented eager message arriving from it (its fragments come in order,
    // back to back): the receive it matched at its first fragment, or the
    // bytes so far (not matched yet; queued as unexpected once complete).
    p2p::Request* frag_req = nullptr;
    p2p::MsgHeader frag_header{};
    std::vector<std::byte> frag_data;
    std::uint64_t frag_got = 0;
    bool frag_active = false;
    bool inserted = false;  // in the endpoint's address vector
    bool failed = false;
    bool busy = false;  // listed in ofi_busy_
  };
  // Where a world rank is reached.
  enum class Route : std::uint8_t { none, self, shm, ofi, lost };  // lost: an ofi peer that failed
  struct PeerRoute {
    Route kind = Route::none;
    int index = -1;  // shm: local rank; ofi: world rank
  };

  int local_of_world(int world_rank) const;
  // Inline: every send and specific-source receive checks; only the
  // failure (an unreachable or lost peer) builds its message out of line.
  Status check_reachable(int world_rank, const Communicator* comm, int rank) const {
    const Route kind = routes_[static_cast<std::size_t>(world_rank)].kind;
    if (kind != Route::none && kind != Route::lost) [[likely]] return Status::ok();
    return unreachable(kind, world_rank, comm, rank);
  }
  [[gnu::cold]] static Status unreachable(Route kind, int world_rank, const Communicator* comm, int rank);
  bool try_transmit(p2p::Request* r);
  bool try_transmit_typed(p2p::Request* r);
  // The end of a try_transmit: false when the ring was full (retry later);
  // otherwise completes what is done (a failed send, a plain eager one).
  bool transmitted(p2p::Request* r, const transport::TransportStatus& st, p2p::MsgType sent);
  Status start_typed_send(p2p::Request* r);
  static void stage(p2p::Request* r);
  void start_recv(p2p::Request* r);
  void make_busy(int local);
  void send_control(int local, const p2p::MsgHeader& h);
  void flush_peer(int local);
  void on_message(std::uint32_t src_local, std::span<const std::byte> header, std::span<const std::byte> payload);
  void deliver_eager(p2p::Request* r, const p2p::MsgHeader& h, std::span<const std::byte> payload);
  void deliver_rts(p2p::Request* r, const p2p::MsgHeader& h, int src_local, const p2p::TypeRef* tref);
  // A contiguous rendezvous shared with a waiting sender (cts_split): true
  // when it was started that way.
  bool try_split_rts(p2p::Request* r, const p2p::MsgHeader& h, int src_local, pid_t pid);
  void on_cts_split(int src_local, const p2p::MsgHeader& h);
  enum class CmaResult : std::uint8_t { done, failed, refused, use_pipeline };
  CmaResult cma_stream(pid_t pid, p2p::Request* r, const p2p::MsgHeader& h, const p2p::TypeRef* tref);
  void deliver_unexpected(p2p::Request* r, UnexpectedMsg* u);
  void send_to_self(p2p::Request* r);
  void start_pipe_recv(int src_local, PipeRecv pr);
  void begin_pipe_recv(int src_local, PipeRecv& pr);
  static void begin_pipe_iov(PipeRecv& pr);
  void step_pipelines();
  void complete(p2p::Request* r) {
    if (r->buf.type != nullptr) [[unlikely]] finish_typed(r);
    r->complete = true;
    r->active = false;
    if (r->user_freed) free_request(r);
  }
  p2p::Request* new_request();
  void release_request_resources(p2p::Request* r);
  void finish_typed(p2p::Request* r);
  // Fills r's status from the message header (bytes, truncation).
  static void fill_status(p2p::Request* r, const p2p::MsgHeader& h) {
    r->status.source = h.source;
    r->status.tag = h.tag;
    r->status.bytes = std::min<std::size_t>(h.size, r->buf.bytes);
    r->status.error = h.size > r->buf.bytes ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
  }
  // fill_status, and for a noncontiguous receive a packed staging copy as
  // r->buf.base, unpacked at completion: the libfabric rendezvous paths
  // (engine_ofi.cpp) read into buf.base and call this.
  static void set_status(p2p::Request* r, const p2p::MsgHeader& h);
  // A send's envelope (context, source, tag, size, the request as the
  // sender's reference), the same on every transport.
  static void fill_envelope(p2p::MsgHeader& h, const p2p::Request* r) {
    fill_envelope(h, r->comm, r->tag, r->buf.bytes);
    h.sender_req = reinterpret_cast<std::uint64_t>(r);
  }
  // The same for a send without a request (send_eager_now).
  static void fill_envelope(p2p::MsgHeader& h, const Communicator* comm, int tag, std::size_t bytes) {
    h.context = comm->context_id();
    h.source = comm->rank();
    h.tag = tag;
    h.size = bytes;
  }
  // A send to local rank `local`: transmitted now, or queued behind earlier
  // sends to that peer (or a full ring) and sent from progress().
  template <bool Typed>
  void shm_send(p2p::Request* r, int local);

  // libfabric (engine_ofi.cpp)
  Status init_ofi(const bootstrap::JobInfo& job, bool multi_node);
  void close_ofi();
  bool ofi_ensure_peer(int world);
  void ofi_start_send(p2p::Request* r, int world);
  bool ofi_try_transmit(p2p::Request* r, int world);
  void ofi_send_control(int world, const p2p::MsgHeader& h);
  void ofi_flush_peer(int world);
  void ofi_make_busy(int world);
  void ofi_progress();
  void on_ofi_event(const transport::ofi::OfiEvent& ev);
  void on_ofi_message(int src, std::span<const std::byte> header, std::span<const std::byte> payload);
  bool ofi_send_fragments(p2p::Request* r, int world);
  void ofi_frag_begin(int src, const p2p::MsgHeader& h, std::span<const std::byte> payload);
  void ofi_frag_end(int src);
  void ofi_add_unexpected(int src, const p2p::MsgHeader& h, bool has_key, std::uint64_t key,
                          std::vector<std::byte>&& data);
  void ofi_deliver_rts(p2p::Request* r, const p2p::MsgHeader& h, bool has_key, std::uint64_t key, int src);
  void ofi_start_read(p2p::Request* r, int src);
  void ofi_fail_request(p2p::Request* r, int world, const std::string& why);
  void ofi_fail_peer(int world, const std::string& why);
  void ofi_release(p2p::Request* r);
  void ofi_unwait(int world, p2p::Request* r);
  bool ofi_idle() const;
  transport::TransportStatus ofi_send(int world, const void* header, std::size_t header_len,
                                      transport::IovSpan payload);
  void ofi_return_credit(int world, std::uint64_t bytes);

  EngineParams params_;
  int world_rank_ = 0;
  int my_local_ = 0;
  bool oversubscribed_ = false;
  std::vector<int> local_to_world_;
  std::vector<PeerRoute> routes_;  // by world rank
  transport::shm::ShmConfig shm_config_;
  transport::shm::Segment segment_;
  // This rank's RankInfo::waiting word in the segment (null without one).
  std::atomic<std::uint32_t>* waiting_flag_ = nullptr;
  std::uint64_t arrivals_ = 0;  // messages (not control) that arrived over shm: a wait that sees none is idle
  bool split_ok_ = false;  // cma_split applies here (set, or a core per rank)
  std::uint64_t splits_received_ = 0;  // PARLEY_SHM_STATS: rendezvous received as cts_split
  transport::shm::CellQueues queues_;
  bool shm_ready_ = false;
  std::size_t eager_max_ = 0;  // eager limit after the transport's cell capacity
  std::unique_ptr<Peer[]> peers_;  // by local rank (Peer is not movable)
  std::vector<int> busy_peers_;  // peers with pending sends, control or pipelines
  bootstrap::PmixClient* pmix_ = nullptr;
  // libfabric: open when a peer needs it.
  transport::ofi::Fabric fabric_;
  transport::ofi::Endpoint ep_;
  bool ofi_ready_ = false;
  bool ofi_rma_ = false;
  std::size_t ofi_eager_max_ = 0;  // eager limit over ofi
  std::size_t ofi_chunk_ = 0;      // pipeline chunk (no FI_RMA); also the eager fragment's limit
  std::size_t ofi_frag_max_ = 0;   // largest message sent as eager fragments (PARLEY_OFI_FRAG_MAX)
  std::unique_ptr<OfiPeer[]> ofi_peers_;  // by world rank (allocated with the endpoint)
  std::vector<int> ofi_busy_;  // ofi peers with queued work
  std::uint64_t ofi_credit_per_peer_ = 0;   // starting eager credit towards each peer (PARLEY_OFI_UNEXPECTED_MAX / peers, halved with PARLEY_OFI_LEND: the rest is lent)
  std::uint64_t ofi_unexpected_bytes_ = 0;  // charged bytes of unexpected ofi eager messages held now
  std::uint64_t ofi_unexpected_peak_ = 0;   // ... and the most so far (PARLEY_OFI_STATS prints it)
  p2p::MatchEngine match_;
  struct Hook {
    ProgressFn fn;
    void* ctx;
  };
  std::vector<Hook> hooks_;
  void (*progress_hook_)() = nullptr;
  bool in_progress_hook_ = false;
  void run_hooks();
  p2p::Request* free_list_ = nullptr;
  std::size_t live_requests_ = 0;
};

}  // namespace parley

#include "engine/engine_wait.hpp"
