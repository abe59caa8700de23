// Sending side of the point-to-point protocol: eager sends into the peer's
// queue, rendezvous announcements, per-peer queues that keep MPI's
// non-overtaking order when a queue is full, and control replies. A
// noncontiguous buffer packs straight into its cells (eager) or announces
// its compiled type with the rts (rendezvous: the receiver pulls it).
#include <mpi.h>

#include <cstring>

#include "datatype/pack.hpp"
#include "engine/engine.hpp"
#include "p2p/stream.hpp"

namespace parley {

using p2p::MsgHeader;
using p2p::MsgType;
using p2p::Request;

namespace {

std::span<const std::byte> bytes_of(const MsgHeader& h) {
  return {reinterpret_cast<const std::byte*>(&h), sizeof h};
}

}  // namespace

Result<Request*> Engine::isend(Communicator* comm, p2p::Buffer buf, int dest, int tag, p2p::SendMode mode) {
  auto fresh = [&] {
    Request* r = alloc_request();
    r->kind = p2p::RequestKind::send;
    r->mode = mode;
    r->comm = comm;
    r->peer = dest;
    r->tag = tag;
    adopt_buffer(r, buf);
    return r;
  };
  // dest is a rank of comm here (MPI_PROC_NULL is the caller's business).
  const int world = comm->world_rank(dest);
  const PeerRoute rt = routes_[static_cast<std::size_t>(world)];
  if (rt.kind == Route::shm && buf.type == nullptr) [[likely]] {
    // The common case, without start()'s dispatch: a contiguous send to a
    // rank on this node (a fresh request is already complete = false).
    Request* r = fresh();
    r->active = true;
    shm_send<false>(r, rt.index);
    return r;
  }
  if (Status st = check_reachable(world, comm, dest); !st) return st;
  Request* r = fresh();
  if (Status st = start(r); !st) {
    free_request(r);
    return st;
  }
  return r;
}

bool Engine::send_eager_now(Communicator* comm, const p2p::Buffer& buf, int dest, int tag) {
  if (buf.type != nullptr || buf.bytes > eager_max_) return false;
  const PeerRoute rt = routes_[static_cast<std::size_t>(comm->world_rank(dest))];
  if (rt.kind != Route::shm || !peers_[static_cast<std::size_t>(rt.index)].pending.empty()) return false;
  MsgHeader h{};
  h.type = MsgType::eager;
  fill_envelope(h, comm, tag, buf.bytes);
  iovec iov{buf.base, buf.bytes};
  // A full ring (or a failure, which isend reports) leaves it to isend.
  return queues_.try_send(static_cast<std::uint32_t>(rt.index), bytes_of(h),
                          transport::IovSpan(&iov, buf.bytes != 0 ? 1 : 0))
      .ok();
}

Status Engine::start(Request* r) {
  r->complete = false;
  r->active = true;
  r->status = p2p::StatusInfo{};
  if (r->peer == MPI_PROC_NULL) {
    r->status.source = MPI_PROC_NULL;
    r->status.tag = MPI_ANY_TAG;
    complete(r);
    return Status::ok();
  }
  if (r->kind == p2p::RequestKind::recv) {
    start_recv(r);
    return Status::ok();
  }
  if (r->buf.type != nullptr) [[unlikely]] return start_typed_send(r);
  const int world = r->comm->world_rank(r->peer);
  const PeerRoute rt = routes_[static_cast<std::size_t>(world)];
  if (rt.kind != Route::shm) [[unlikely]] {
    if (rt.kind == Route::self) {
      send_to_self(r);
    } else {
      ofi_start_send(r, world);
    }
    return Status::ok();
  }
  shm_send<false>(r, rt.index);
  return Status::ok();
}

template <bool Typed>
void Engine::shm_send(Request* r, int local) {
  r->dest_local = local;
  Peer& p = peers_[static_cast<std::size_t>(local)];
  // Behind earlier queued sends to the same peer, or the ring is full: queue.
  if (!p.pending.empty() || !(Typed ? try_transmit_typed(r) : try_transmit(r))) {
    p.pending.push_back(r);
    make_busy(local);
  }
}

// A noncontiguous send: over shm and self it streams from the user's buffer;
// libfabric routes get a packed copy, made at every start (a persistent
// request's data may have changed).
Status Engine::start_typed_send(Request* r) {
  const int world = r->comm->world_rank(r->peer);
  const PeerRoute rt = routes_[static_cast<std::size_t>(world)];
  if (rt.kind == Route::self) {
    send_to_self(r);
    return Status::ok();
  }
  if (rt.kind != Route::shm) {
    stage(r);
    (void)dt::pack(r->buf.user, r->buf.count, *r->buf.type, 0, r->staging, r->buf.bytes);
    ofi_start_send(r, world);
    return Status::ok();
  }
  shm_send<true>(r, rt.index);
  return Status::ok();
}

// try_transmit for a noncontiguous buffer: eager data is packed into the
// reserved cells; a rendezvous rts carries the TypeRef of the sender's type.
bool Engine::try_transmit_typed(Request* r) {
  struct {
    MsgHeader h;
    p2p::TypeRef t;
  } m{};
  MsgHeader& h = m.h;
  fill_envelope(h, r);
  transport::TransportStatus st;
  const auto dst = static_cast<std::uint32_t>(r->dest_local);
  if (r->buf.bytes <= eager_max_) {
    h.type = r->mode == p2p::SendMode::sync ? MsgType::eager_sync : MsgType::eager;
    st = queues_.try_send_with(dst, bytes_of(h), r->buf.bytes, [r](std::byte* body) {
      (void)dt::pack(r->buf.user, r->buf.count, *r->buf.type, 0, body, r->buf.bytes);
    });
  } else {
    h.type = MsgType::rts;
    h.flags = p2p::kRtsTyped;
    h.addr = reinterpret_cast<std::uint64_t>(r->buf.user);
    m.t = p2p::type_ref(*r->buf.type, r->buf.count);
    st = queues_.try_send(dst, {reinterpret_cast<const std::byte*>(&m), sizeof m}, {});
  }
  return transmitted(r, st, h.type);
}

bool Engine::try_transmit(Request* r) {
  MsgHeader h{};
  fill_envelope(h, r);
  const bool eager = r->buf.bytes <= eager_max_;
  if (eager) {
    h.type = r->mode == p2p::SendMode::sync ? MsgType::eager_sync : MsgType::eager;
  } else {
    h.type = MsgType::rts;
    h.addr = reinterpret_cast<std::uint64_t>(r->buf.base);
  }
  iovec iov{r->buf.base, eager ? r->buf.bytes : 0};
  auto st = queues_.try_send(static_cast<std::uint32_t>(r->dest_local), bytes_of(h),
                             transport::IovSpan(&iov, iov.iov_len ? 1 : 0));
  return transmitted(r, st, h.type);
}

bool Engine::transmitted(Request* r, const transport::TransportStatus& st, MsgType sent) {
  if (st.would_block()) return false;
  if (!st.ok()) [[unlikely]] {
    r->status.error = MPI_ERR_OTHER;
    complete(r);
    return true;
  }
  // Plain eager sends are done once the data sits in the peer's queue;
  // synchronous ones wait for the ack, rendezvous ones for fin/cts_pipe.
  if (sent == MsgType::eager) complete(r);
  if (sent == MsgType::rts) ++peers_[static_cast<std::size_t>(r->dest_local)].rts_out;
  return true;
}

void Engine::send_control(int local, const MsgHeader& h) {
  Peer& p = peers_[static_cast<std::size_t>(local)];
  if (p.control.empty()) {
    auto st = queues_.try_send(static_cast<std::uint32_t>(local), bytes_of(h), {});
    if (!st.would_block()) return;
  }
  p.control.push_back(h);
  make_busy(local);
}

void Engine::flush_peer(int local) {
  Peer& p = peers_[static_cast<std::size_t>(local)];
  while (!p.control.empty()) {
    auto st = queues_.try_send(static_cast<std::uint32_t>(local), bytes_of(p.control.front()), {});
    if (st.would_block()) return;
    p.control.pop_front();
  }
  while (Request* r = p.pending.front()) {
    p.pending.remove(r);
    if (!(r->buf.type == nullptr ? try_transmit(r) : try_transmit_typed(r))) {
      // Still full: put it back at the head, order unchanged.
      p.pending.push_front(r);
      return;
    }
  }
}

void Engine::make_busy(int local) {
  Peer& p = peers_[static_cast<std::size_t>(local)];
  if (p.busy) return;
  p.busy = true;
  busy_peers_.push_back(local);
}

void Engine::send_to_self(Request* r) {
  MsgHeader h{};
  h.type = MsgType::eager;
  h.context = r->comm->context_id();
  h.source = r->comm->rank();
  h.tag = r->tag;
  h.size = r->buf.bytes;
  if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
    auto* rr = static_cast<Request*>(pr->owner);
    fill_status(rr, h);
    p2p::copy_stream(r->buf, rr->buf, rr->status.bytes);
    complete(rr);
    complete(r);
    return;
  }
  auto* u = new UnexpectedMsg;
  u->entry.key = {h.context, h.source, h.tag};
  u->entry.owner = u;
  u->header = h;
  if (r->buf.bytes <= params_.eager_limit && r->mode != p2p::SendMode::sync) {
    // The unexpected copy (bounded by the eager limit) holds the packed bytes.
    u->data.resize(r->buf.bytes);
    p2p::pack_stream(r->buf, u->data.data(), r->buf.bytes);
    complete(r);
  } else {
    // Large or synchronous: the receive copies straight from the sender.
    u->header.type = MsgType::rts;
    u->self_send = r;
  }
  match_.add_unexpected(&u->entry);
}

// A libfabric rendezvous receive landed in its staging copy: unpack it. The
// next start (persistent) begins unstaged again.
void Engine::finish_typed(Request* r) {
  if (r->kind != p2p::RequestKind::recv || r->buf.base == nullptr) return;
  if (!r->status.cancelled)
    (void)dt::unpack(r->staging, r->status.bytes, r->buf.user, r->buf.count, *r->buf.type, 0);
  r->buf.base = nullptr;
}

}  // namespace parley
