// Receiving side of the point-to-point protocol: matching arrivals against
// posted receives, keeping unexpected ones, and completing rendezvous
// transfers by a single CMA copy or, where CMA is refused, the copy pipeline.
// Noncontiguous buffers on either side stream: eager payloads unpack out of
// the cell, CMA walks both sides' types into bounded iovec batches, and the
// pipeline packs/unpacks chunk by chunk with a cursor per transfer.
#include <mpi.h>

#include <algorithm>
#include <cstring>

#include "engine/engine.hpp"
#include "p2p/stream.hpp"
#include "transport/shm/shm_cma.hpp"

namespace parley {

using p2p::MsgHeader;
using p2p::MsgType;
using p2p::Request;

Result<Request*> Engine::irecv(Communicator* comm, const p2p::Buffer& buf, int source, int tag) {
  if (source >= 0) {
    if (Status st = check_reachable(comm->world_rank(source), comm, source); !st) return st;
  }
  Request* r = alloc_request();
  r->kind = p2p::RequestKind::recv;
  r->comm = comm;
  r->peer = source;
  r->tag = tag;
  adopt_buffer(r, buf);
  if (source == MPI_PROC_NULL) [[unlikely]] {
    (void)start(r);
    return r;
  }
  // start() less its dispatch: a fresh request is already complete = false
  // with an empty status.
  r->active = true;
  start_recv(r);
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
  fill_status(r, h);
  if (r->buf.type != nullptr) [[unlikely]] stage(r);
}

void Engine::on_message(std::uint32_t src_local, std::span<const std::byte> header,
                        std::span<const std::byte> payload) {
  MsgHeader h;
  std::memcpy(&h, header.data(), sizeof h);
  switch (h.type) {
    case MsgType::eager:
    case MsgType::eager_sync:
    case MsgType::rts: {
      ++arrivals_;
      if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
        auto* r = static_cast<Request*>(pr->owner);
        if (h.type == MsgType::rts) {
          p2p::TypeRef tref;
          const bool typed = (h.flags & p2p::kRtsTyped) != 0 && header.size() >= sizeof h + sizeof tref;
          if (typed) std::memcpy(&tref, header.data() + sizeof h, sizeof tref);
          deliver_rts(r, h, static_cast<int>(src_local), typed ? &tref : nullptr);
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
      if (h.type != MsgType::rts) {
        u->data.assign(payload.begin(), payload.end());
      } else if ((h.flags & p2p::kRtsTyped) != 0 && header.size() >= sizeof h + sizeof(p2p::TypeRef)) {
        u->data.assign(header.begin() + sizeof h, header.begin() + sizeof h + sizeof(p2p::TypeRef));
      }
      match_.add_unexpected(&u->entry);
      return;
    }
    case MsgType::fin:
      if (peers_[src_local].rts_out > 0) --peers_[src_local].rts_out;
      complete(reinterpret_cast<Request*>(h.sender_req));
      return;
    case MsgType::ack:
      complete(reinterpret_cast<Request*>(h.sender_req));
      return;
    case MsgType::cts_pipe: {
      auto* r = reinterpret_cast<Request*>(h.sender_req);
      Peer& p = peers_[src_local];
      if (p.rts_out > 0) --p.rts_out;
      transport::shm::PipeArea area(segment_, static_cast<std::uint32_t>(my_local_), src_local);
      p.pipe_tx.emplace();
      PipeSend& ps = *p.pipe_tx;
      ps.req = r;
      if (r->buf.type != nullptr) {
        // Each chunk is packed from the user's buffer as its slot frees up.
        ps.cursor.reset(*r->buf.type, r->buf.count);
        auto fill = [](void* ctx, std::byte* chunk, std::size_t len) {
          auto* s = static_cast<PipeSend*>(ctx);
          (void)s->cursor.pack(s->req->buf.user, chunk, len);
        };
        ps.tx = transport::shm::PipelineSender(area, r->buf.bytes, transport::shm::ChunkFill{fill, &ps});
      } else {
        ps.iov = iovec{r->buf.base, r->buf.bytes};
        ps.tx = transport::shm::PipelineSender(area, transport::IovSpan(&ps.iov, 1));
      }
      make_busy(static_cast<int>(src_local));
      return;
    }
    case MsgType::pipe_data:
      return;  // ofi only
    case MsgType::cts_split:
      on_cts_split(static_cast<int>(src_local), h);
      return;
    case MsgType::fin_split: {
      // The sender wrote its part of our oldest split receive from it; ours
      // was read before that receive was queued.
      Peer& p = peers_[src_local];
      Request* rr = p.split_rx.front();
      p.split_rx.pop_front();
      if ((h.flags & p2p::kFinFailed) != 0) rr->status.error = MPI_ERR_OTHER;
      complete(rr);
      return;
    }
  }
}

// A large contiguous rendezvous whose sender is blocked in a wait: the
// sender copies the first part into our buffer (cts_split, process_vm_writev)
// while we read the rest (process_vm_readv), so the two cores copy at once.
// The message is ours when both parts are in: ours here, the sender's at its
// fin_split. The sender's send completes at our fin, as for any rts, which we
// send after our part (its own part it writes before it reads that fin).
bool Engine::try_split_rts(Request* r, const MsgHeader& h, int src_local, pid_t pid) {
  // A sender that is not waiting might not poll again for a long time; the
  // receive would then wait for it instead of finishing on its own.
  if (segment_.rank_info(static_cast<std::uint32_t>(src_local))->waiting.load(std::memory_order_relaxed) == 0)
    return false;
  // A sender that is reading our own rendezvous sends (osu_bibw, a halo
  // exchange) has a core's worth of copying already: halving ours would
  // only make each side wait for the other.
  if (peers_[static_cast<std::size_t>(src_local)].rts_out > 0) return false;
  const std::size_t n = r->status.bytes;
  const std::size_t first = (n / 2) & ~std::size_t{63};
  MsgHeader cts{};
  cts.type = MsgType::cts_split;
  cts.sender_req = h.sender_req;
  cts.addr = reinterpret_cast<std::uint64_t>(r->buf.base);
  cts.size = first;
  send_control(src_local, cts);
  iovec local{static_cast<std::byte*>(r->buf.base) + first, n - first};
  iovec remote{reinterpret_cast<std::byte*>(h.addr) + first, n - first};
  if (!transport::shm::cma_read(pid, transport::IovSpan(&local, 1), transport::IovSpan(&remote, 1)).ok())
    r->status.error = MPI_ERR_OTHER;
  MsgHeader fin{};
  fin.type = MsgType::fin;
  fin.sender_req = h.sender_req;
  send_control(src_local, fin);
  peers_[static_cast<std::size_t>(src_local)].split_rx.push_back(r);
  ++splits_received_;
  return true;
}

// The sender's side of a split rendezvous: write the first h.size bytes of
// the send buffer to the receiver's h.addr, then say so. The send request
// completes at the receiver's fin, which follows.
void Engine::on_cts_split(int src_local, const MsgHeader& h) {
  auto* r = reinterpret_cast<Request*>(h.sender_req);
  const pid_t pid =
      segment_.rank_info(static_cast<std::uint32_t>(src_local))->pid.load(std::memory_order_acquire);
  iovec local{r->buf.base, h.size};
  iovec remote{reinterpret_cast<void*>(h.addr), h.size};
  MsgHeader done{};
  done.type = MsgType::fin_split;
  if (!transport::shm::cma_write(pid, transport::IovSpan(&local, 1), transport::IovSpan(&remote, 1)).ok()) {
    done.flags = p2p::kFinFailed;
    r->status.error = MPI_ERR_OTHER;
  }
  send_control(src_local, done);
}

void Engine::deliver_eager(Request* r, const MsgHeader& h, std::span<const std::byte> payload) {
  fill_status(r, h);
  // A null base is a noncontiguous buffer (or an empty one): unpack straight
  // out of the cell or the unexpected copy.
  if (r->buf.base != nullptr) [[likely]] {
    std::memcpy(r->buf.base, payload.data(), r->status.bytes);
  } else if (r->buf.type != nullptr) {
    p2p::unpack_stream(payload.data(), r->status.bytes, r->buf);
  }
  complete(r);
}

void Engine::deliver_rts(Request* r, const MsgHeader& h, int src_local, const p2p::TypeRef* tref) {
  fill_status(r, h);
  Peer& p = peers_[static_cast<std::size_t>(src_local)];
  if (!p.cma_refused) {
    pid_t pid = segment_.rank_info(static_cast<std::uint32_t>(src_local))->pid.load(std::memory_order_acquire);
    CmaResult res;
    if (tref == nullptr && r->buf.type == nullptr) [[likely]] {
      if (split_ok_ && p.cma_worked && r->status.bytes >= params_.cma_split && try_split_rts(r, h, src_local, pid))
        return;
      iovec local{r->buf.base, r->status.bytes};
      iovec remote{reinterpret_cast<void*>(h.addr), r->status.bytes};
      auto st = transport::shm::cma_read(pid, transport::IovSpan(&local, 1), transport::IovSpan(&remote, 1));
      res = st.ok()                                     ? CmaResult::done
            : st.code == transport::Code::not_permitted ? CmaResult::refused
                                                        : CmaResult::failed;
      if (res == CmaResult::done) p.cma_worked = true;
    } else {
      res = cma_stream(pid, r, h, tref);
    }
    if (res == CmaResult::done || res == CmaResult::failed) {
      if (res == CmaResult::failed) r->status.error = MPI_ERR_OTHER;
      MsgHeader fin{};
      fin.type = MsgType::fin;
      fin.sender_req = h.sender_req;
      send_control(src_local, fin);
      complete(r);
      return;
    }
    // The kernel refuses CMA towards this peer (ptrace policy): remember, and
    // fall back to the copy pipeline from now on.
    if (res == CmaResult::refused) p.cma_refused = true;
  }
  PipeRecv pr;
  pr.req = r;
  pr.sender_req = h.sender_req;
  pr.total = h.size;
  start_pipe_recv(src_local, std::move(pr));
}

namespace {

// Largest compiled program (nodes + blocks) a receiver copies from a sender
// to walk its type; bigger ones stream through the pipeline.
constexpr std::size_t kMaxRemoteProgram = std::size_t{1} << 20;
// Iovec entries per side and bytes per CMA batch (bounded memory: two
// arrays of 512 entries on the stack, whatever the message).
constexpr std::size_t kBatchIov = 512;
constexpr std::size_t kBatchBytes = std::size_t{8} << 20;

// Mean contiguous piece of count instances of a noncontiguous type.
std::size_t mean_piece(std::int64_t size, std::int64_t runs) {
  return runs <= 0 ? static_cast<std::size_t>(size) : static_cast<std::size_t>(size / runs);
}

// A sender's program as read through CMA must be safe to walk.
bool valid_program(const dt::Program& p) {
  const std::size_t nn = p.nodes.size();
  if (p.root >= nn || p.depth < 1 || p.depth > dt::kMaxDepth) return false;
  for (std::size_t i = 0; i < nn; ++i) {
    const dt::Node& n = p.nodes[i];
    if (n.count < 0) return false;
    if (n.kind == dt::NodeKind::Vector && n.child >= i) return false;
    if (n.kind == dt::NodeKind::Blocks) {
      if (static_cast<std::uint64_t>(n.first_block) + static_cast<std::uint64_t>(n.count) > p.blocks.size())
        return false;
      for (std::int64_t b = 0; b < n.count; ++b)
        if (p.blocks[n.first_block + static_cast<std::size_t>(b)].child >= i) return false;
    }
  }
  return true;
}

// Drops the last `extra` bytes of an iovec list.
void trim_iov(iovec* v, std::size_t& n, std::size_t extra) {
  while (extra > 0 && n > 0) {
    iovec& last = v[n - 1];
    if (last.iov_len > extra) {
      last.iov_len -= extra;
      return;
    }
    extra -= last.iov_len;
    --n;
  }
}

}  // namespace

// A rendezvous pull where either side is noncontiguous: the local iovecs
// come from the receive type, the remote ones from the sender's program
// (read from its memory), both in batches of at most kBatchIov entries, so
// memory stays bounded whatever the message. Types of tiny pieces go to the
// pipeline instead (the kernel's per-iovec cost beats copying them twice).
Engine::CmaResult Engine::cma_stream(pid_t pid, Request* r, const MsgHeader& h, const p2p::TypeRef* tref) {
  const std::size_t min_piece = params_.cma_min_piece;
  if (tref != nullptr && mean_piece(tref->size, tref->runs) < min_piece) return CmaResult::use_pipeline;
  if (r->buf.type != nullptr && mean_piece(r->buf.type->size(), r->buf.type->program().runs) < min_piece)
    return CmaResult::use_pipeline;
  const std::size_t bytes = r->status.bytes;
  dt::Program prog;
  dt::Cursor rc;
  if (tref != nullptr) {
    const std::size_t nb = std::size_t{tref->n_nodes} * sizeof(dt::Node);
    const std::size_t bb = std::size_t{tref->n_blocks} * sizeof(dt::BlockEntry);
    if (nb + bb > kMaxRemoteProgram || tref->n_nodes == 0) return CmaResult::use_pipeline;
    prog.nodes.resize(tref->n_nodes);
    prog.blocks.resize(tref->n_blocks);
    prog.root = tref->root;
    prog.depth = tref->depth;
    prog.runs = tref->runs;
    iovec lp[2] = {{prog.nodes.data(), nb}, {prog.blocks.data(), bb}};
    iovec rp[2] = {{reinterpret_cast<void*>(tref->nodes), nb}, {reinterpret_cast<void*>(tref->blocks), bb}};
    auto st = transport::shm::cma_read(pid, transport::IovSpan(lp, bb ? 2 : 1), transport::IovSpan(rp, bb ? 2 : 1));
    if (!st.ok()) return st.code == transport::Code::not_permitted ? CmaResult::refused : CmaResult::failed;
    if (!valid_program(prog)) return CmaResult::failed;
    rc.reset(prog, tref->extent, tref->size, tref->count);
  }
  dt::Cursor lc;
  if (r->buf.type != nullptr) lc.reset(*r->buf.type, r->buf.count);
  iovec lv[kBatchIov];
  iovec rv[kBatchIov];
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t want = std::min(kBatchBytes, bytes - done);
    std::size_t nr = 1, nl = 1, rbytes = want, lbytes;
    if (tref != nullptr) {
      rbytes = rc.iov(reinterpret_cast<void*>(h.addr), rv, kBatchIov, want, &nr);
    } else {
      rv[0] = iovec{reinterpret_cast<std::byte*>(h.addr) + done, want};
    }
    if (r->buf.type != nullptr) {
      lbytes = lc.iov(r->buf.user, lv, kBatchIov, rbytes, &nl);
    } else {
      lbytes = rbytes;
      lv[0] = iovec{static_cast<std::byte*>(r->buf.base) + done, rbytes};
    }
    if (lbytes == 0) return CmaResult::failed;  // cannot happen with valid types
    if (lbytes < rbytes) {
      // The local list filled up first: give the remote side's tail back.
      trim_iov(rv, nr, rbytes - lbytes);
      rc.seek(rc.position() - (rbytes - lbytes));
    }
    auto st = transport::shm::cma_read(pid, transport::IovSpan(lv, nl), transport::IovSpan(rv, nr));
    if (!st.ok()) {
      // Refused on the first batch: nothing moved yet, the pipeline can redo it.
      if (st.code == transport::Code::not_permitted && done == 0) return CmaResult::refused;
      return CmaResult::failed;
    }
    done += lbytes;
  }
  return CmaResult::done;
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
  transport::shm::PipeArea area(segment_, static_cast<std::uint32_t>(src_local), static_cast<std::uint32_t>(my_local_));
  if (r->buf.type != nullptr) {
    // Each chunk unpacks into the user's buffer; what a truncated receive
    // has no room for is dropped (the cursor stops at the buffer's end).
    pr.cursor.reset(*r->buf.type, r->buf.count);
    auto drain = [](void* ctx, const std::byte* chunk, std::size_t len) {
      auto* p = static_cast<PipeRecv*>(ctx);
      (void)p->cursor.unpack(chunk, p->req->buf.user, len);
    };
    pr.rx = transport::shm::PipelineReceiver(area, pr.total, transport::shm::ChunkDrain{drain, &pr});
  } else {
    begin_pipe_iov(pr);
    pr.rx = transport::shm::PipelineReceiver(area, transport::IovSpan(pr.iov.data(), pr.iov.size()), pr.total);
  }
  MsgHeader cts{};
  cts.type = MsgType::cts_pipe;
  cts.sender_req = pr.sender_req;
  send_control(src_local, cts);
}

void Engine::begin_pipe_iov(PipeRecv& pr) {
  Request* r = pr.req;
  pr.iov.push_back(iovec{r->buf.base, r->status.bytes});
  std::size_t excess = pr.total - r->status.bytes;
  if (excess > 0) {
    // A truncated receive still drains the whole message, into a sink.
    constexpr std::size_t kSink = 1 << 16;
    pr.sink = std::make_unique<std::byte[]>(kSink);
    for (; excess > 0; excess -= std::min(excess, kSink)) pr.iov.push_back(iovec{pr.sink.get(), std::min(excess, kSink)});
  }
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
    fill_status(r, h);
    p2p::copy_stream(u->self_send->buf, r->buf, r->status.bytes);
    complete(u->self_send);
    complete(r);
  } else if (h.type == MsgType::rts) {
    p2p::TypeRef tref;
    const bool typed = (h.flags & p2p::kRtsTyped) != 0 && u->data.size() == sizeof tref;
    if (typed) std::memcpy(&tref, u->data.data(), sizeof tref);
    deliver_rts(r, h, u->src_local, typed ? &tref : nullptr);
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
