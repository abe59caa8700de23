// Receiving side of the point-to-point protocol: matching arrivals against
// posted receives, keeping unexpected ones, and completing rendezvous
// transfers by a single CMA copy or, where CMA is refused, the copy pipeline.
#include <mpi.h>

#include <algorithm>
#include <cstring>

#include "engine/engine.hpp"
#include "transport/shm/shm_cma.hpp"

namespace parley {

using p2p::MsgHeader;
using p2p::MsgType;
using p2p::Request;

Result<Request*> Engine::irecv(Communicator* comm, p2p::Buffer buf, int source, int tag) {
  if (source >= 0) {
    if (Status st = check_reachable(comm->world_rank(source), comm, source); !st) return st;
  }
  Request* r = alloc_request();
  r->kind = p2p::RequestKind::recv;
  r->comm = comm;
  r->peer = source;
  r->tag = tag;
  adopt_buffer(r, buf);
  (void)start(r);
  return r;
}

void Engine::start_recv(Request* r) {
  const p2p::MatchKey key{r->comm->context_id(), r->peer, r->tag};
  if (p2p::Unexpected* u = match_.find_unexpected(key, true)) {
    deliver_unexpected(r, static_cast<UnexpectedMsg*>(u->owner));
    return;
  }
  r->posted.key = key;
  r->posted.owner = r;
  match_.post(&r->posted);
}

bool Engine::iprobe(Communicator* comm, int source, int tag, p2p::StatusInfo& status) {
  progress();
  p2p::Unexpected* u = match_.find_unexpected({comm->context_id(), source, tag}, false);
  if (u == nullptr) return false;
  const MsgHeader& h = static_cast<UnexpectedMsg*>(u->owner)->header;
  status = p2p::StatusInfo{h.source, h.tag, 0, h.size, false};
  return true;
}

void* Engine::improbe(Communicator* comm, int source, int tag, p2p::StatusInfo& status) {
  progress();
  p2p::Unexpected* u = match_.find_unexpected({comm->context_id(), source, tag}, true);
  if (u == nullptr) return nullptr;
  const MsgHeader& h = static_cast<UnexpectedMsg*>(u->owner)->header;
  status = p2p::StatusInfo{h.source, h.tag, 0, h.size, false};
  return u->owner;
}

void Engine::mrecv(Request* r, void* message) {
  r->kind = p2p::RequestKind::recv;
  r->complete = false;
  r->active = true;
  r->status = p2p::StatusInfo{};
  deliver_unexpected(r, static_cast<UnexpectedMsg*>(message));
}

void Engine::cancel(Request* r) {
  if (r->complete) return;
  if (r->kind == p2p::RequestKind::recv) {
    if (match_.cancel(&r->posted)) {
      r->status.cancelled = true;
      complete(r);
    }
  } else if (r->kind == p2p::RequestKind::send && r->pending_link.linked()) {
    // Never handed to the transport: withdrawing it is invisible to the peer.
    const PeerRoute rt = routes_[static_cast<std::size_t>(r->comm->world_rank(r->peer))];
    if (rt.kind == Route::ofi || rt.kind == Route::lost) {
      ofi_peers_[static_cast<std::size_t>(rt.index)].pending.remove(r);
      ofi_release(r);
    } else {
      peers_[static_cast<std::size_t>(r->dest_local)].pending.remove(r);
    }
    r->status.cancelled = true;
    complete(r);
  }
  // Otherwise the send is already on its way; it completes normally and
  // MPI_Test_cancelled reports false, as the standard allows.
}

void Engine::set_status(Request* r, const MsgHeader& h) {
  r->status.source = h.source;
  r->status.tag = h.tag;
  r->status.bytes = std::min<std::size_t>(h.size, r->buf.bytes);
  r->status.error = h.size > r->buf.bytes ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
}

void Engine::on_message(std::uint32_t src_local, std::span<const std::byte> header,
                        std::span<const std::byte> payload) {
  MsgHeader h;
  std::memcpy(&h, header.data(), sizeof h);
  switch (h.type) {
    case MsgType::eager:
    case MsgType::eager_sync:
    case MsgType::rts: {
      if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
        auto* r = static_cast<Request*>(pr->owner);
        if (h.type == MsgType::rts) {
          deliver_rts(r, h, static_cast<int>(src_local));
        } else {
          deliver_eager(r, h, payload);
          if (h.type == MsgType::eager_sync) {
            MsgHeader ack{};
            ack.type = MsgType::ack;
            ack.sender_req = h.sender_req;
            send_control(static_cast<int>(src_local), ack);
          }
        }
        return;
      }
      auto* u = new UnexpectedMsg;
      u->entry.key = {h.context, h.source, h.tag};
      u->entry.owner = u;
      u->header = h;
      u->src_local = static_cast<int>(src_local);
      if (h.type != MsgType::rts) u->data.assign(payload.begin(), payload.end());
      match_.add_unexpected(&u->entry);
      return;
    }
    case MsgType::fin:
    case MsgType::ack:
      complete(reinterpret_cast<Request*>(h.sender_req));
      return;
    case MsgType::cts_pipe: {
      auto* r = reinterpret_cast<Request*>(h.sender_req);
      Peer& p = peers_[src_local];
      transport::shm::PipeArea area(segment_, static_cast<std::uint32_t>(my_local_), src_local);
      p.pipe_tx.emplace();
      p.pipe_tx->req = r;
      p.pipe_tx->iov = iovec{r->buf.base, r->buf.bytes};
      p.pipe_tx->tx = transport::shm::PipelineSender(area, transport::IovSpan(&p.pipe_tx->iov, 1));
      make_busy(static_cast<int>(src_local));
      return;
    }
    case MsgType::pipe_data:
      return;  // ofi only
  }
}

void Engine::deliver_eager(Request* r, const MsgHeader& h, std::span<const std::byte> payload) {
  set_status(r, h);
  if (r->status.bytes != 0) std::memcpy(r->buf.base, payload.data(), r->status.bytes);
  complete(r);
}

void Engine::deliver_rts(Request* r, const MsgHeader& h, int src_local) {
  set_status(r, h);
  Peer& p = peers_[static_cast<std::size_t>(src_local)];
  if (!p.cma_refused) {
    iovec local{r->buf.base, r->status.bytes};
    iovec remote{reinterpret_cast<void*>(h.addr), r->status.bytes};
    pid_t pid = segment_.rank_info(static_cast<std::uint32_t>(src_local))->pid.load(std::memory_order_acquire);
    auto st = transport::shm::cma_read(pid, transport::IovSpan(&local, 1), transport::IovSpan(&remote, 1));
    if (st.ok() || st.code != transport::Code::not_permitted) {
      if (!st.ok()) r->status.error = MPI_ERR_OTHER;
      MsgHeader fin{};
      fin.type = MsgType::fin;
      fin.sender_req = h.sender_req;
      send_control(src_local, fin);
      complete(r);
      return;
    }
    // The kernel refuses CMA towards this peer (ptrace policy): remember, and
    // fall back to the copy pipeline from now on.
    p.cma_refused = true;
  }
  PipeRecv pr;
  pr.req = r;
  pr.sender_req = h.sender_req;
  pr.total = h.size;
  start_pipe_recv(src_local, std::move(pr));
}

void Engine::start_pipe_recv(int src_local, PipeRecv pr) {
  Peer& p = peers_[static_cast<std::size_t>(src_local)];
  make_busy(src_local);
  // One pipeline per ordered pair at a time; later ones wait their turn.
  if (p.pipe_rx || !p.pipe_rx_waiting.empty()) {
    p.pipe_rx_waiting.push_back(std::move(pr));
    return;
  }
  p.pipe_rx.emplace(std::move(pr));
  begin_pipe_recv(src_local, *p.pipe_rx);
}

void Engine::begin_pipe_recv(int src_local, PipeRecv& pr) {
  Request* r = pr.req;
  pr.iov.push_back(iovec{r->buf.base, r->status.bytes});
  std::size_t excess = pr.total - r->status.bytes;
  if (excess > 0) {
    // A truncated receive still drains the whole message, into a sink.
    constexpr std::size_t kSink = 1 << 16;
    pr.sink = std::make_unique<std::byte[]>(kSink);
    for (; excess > 0; excess -= std::min(excess, kSink)) pr.iov.push_back(iovec{pr.sink.get(), std::min(excess, kSink)});
  }
  transport::shm::PipeArea area(segment_, static_cast<std::uint32_t>(src_local), static_cast<std::uint32_t>(my_local_));
  pr.rx = transport::shm::PipelineReceiver(area, transport::IovSpan(pr.iov.data(), pr.iov.size()), pr.total);
  MsgHeader cts{};
  cts.type = MsgType::cts_pipe;
  cts.sender_req = pr.sender_req;
  send_control(src_local, cts);
}

void Engine::step_pipelines() {
  for (int local : busy_peers_) {
    Peer& p = peers_[static_cast<std::size_t>(local)];
    if (p.pipe_tx) {
      (void)p.pipe_tx->tx.step();
      if (p.pipe_tx->tx.done()) {
        Request* r = p.pipe_tx->req;
        p.pipe_tx.reset();
        complete(r);
      }
    }
    if (p.pipe_rx) {
      (void)p.pipe_rx->rx.step();
      if (p.pipe_rx->rx.done()) {
        Request* r = p.pipe_rx->req;
        p.pipe_rx.reset();
        complete(r);
        if (!p.pipe_rx_waiting.empty()) {
          p.pipe_rx.emplace(std::move(p.pipe_rx_waiting.front()));
          p.pipe_rx_waiting.pop_front();
          begin_pipe_recv(local, *p.pipe_rx);
        }
      }
    }
  }
}

void Engine::deliver_unexpected(Request* r, UnexpectedMsg* u) {
  const MsgHeader& h = u->header;
  if (u->via_ofi) {
    if (h.type == MsgType::rts) {
      ofi_deliver_rts(r, h, u->has_key, u->rkey, u->src_local);
    } else {
      deliver_eager(r, h, u->data);
      if (h.type == MsgType::eager_sync) {
        MsgHeader ack{};
        ack.type = MsgType::ack;
        ack.sender_req = h.sender_req;
        ofi_send_control(u->src_local, ack);
      }
    }
  } else if (u->self_send != nullptr) {
    set_status(r, h);
    if (r->status.bytes != 0) std::memcpy(r->buf.base, u->self_send->buf.base, r->status.bytes);
    complete(u->self_send);
    complete(r);
  } else if (h.type == MsgType::rts) {
    deliver_rts(r, h, u->src_local);
  } else {
    deliver_eager(r, h, u->data);
    if (h.type == MsgType::eager_sync) {
      MsgHeader ack{};
      ack.type = MsgType::ack;
      ack.sender_req = h.sender_req;
      send_control(u->src_local, ack);
    }
  }
  delete u;
}

}  // namespace parley
