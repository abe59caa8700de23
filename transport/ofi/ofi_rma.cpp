// Rendezvous reads for the ofi endpoint: fi_readv from a peer's registered
// memory into a local iovec list, cut into chunks of read_chunk bytes (the
// provider's max_msg_size and iov_limit respected), up to
// ReadOp::kChunksPerRead chunks in flight per read, the rest posted from
// poll() as earlier chunks complete or the provider has room again.
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include <algorithm>

#include "transport/ofi/ofi_endpoint.hpp"
#include "transport/ofi/ofi_endpoint_impl.hpp"

namespace parley::transport::ofi {

TransportStatus Endpoint::register_memory(const void* buf, std::size_t len, MemoryRegion* out) const {
  if (!is_open()) return TransportStatus::error(Code::invalid, "ofi endpoint: not open");
  if (!impl_->fabric->has_rma()) {
    return TransportStatus::error(Code::invalid, "ofi register_memory: provider has no FI_RMA");
  }
  return out->register_memory(*impl_->fabric, buf, len, MemoryRegion::remote_read);
}

TransportStatus Endpoint::read(PeerId peer, IovSpan local, RemoteKey remote, std::uint64_t cookie) {
  if (!is_open()) return TransportStatus::error(Code::invalid, "ofi endpoint: not open");
  Impl& m = *impl_;
  if (!m.fabric->has_rma()) return TransportStatus::error(Code::invalid, "ofi read: provider has no FI_RMA");
  PeerState* p = m.peer(peer);
  if (p == nullptr || !p->known) {
    return TransportStatus::error(Code::invalid, "ofi read: peer not inserted (insert_peer first)");
  }
  if (p->failed) return p->failure;
  if (m.read_free.empty()) return TransportStatus::busy();
  if (m.reads[m.read_free.back()].abandoned) [[unlikely]] {
    return TransportStatus::error(Code::invalid, "ofi read: internal error (abandoned read slot in the free list)");
  }
  const std::uint32_t index = m.read_free.back();
  ReadOp& op = m.reads[index];
  op.iov.assign(local.begin(), local.end());
  op.local_mr.clear();
  if (m.fabric->mr_local()) {
    for (const iovec& v : op.iov) {
      MemoryRegion r;
      if (v.iov_len != 0) {
        TransportStatus st = r.register_memory(*m.fabric, v.iov_base, v.iov_len, MemoryRegion::local);
        if (!st.ok()) {
          op.local_mr.clear();
          return st;
        }
      }
      op.local_mr.push_back(std::move(r));
    }
  }
  m.read_free.pop_back();
  op.cursor = IovCursor(IovSpan(op.iov));
  op.active = true;
  op.stopped = false;
  op.busy = 0;
  op.peer = peer;
  op.cookie = cookie;
  op.remote_addr = remote.addr;
  op.key = remote.key;
  op.posted = 0;
  op.error = TransportStatus::success();
  m.read_active.push_back(index);
  m.op_started(peer);
  m.post_read_chunks(op);
  return TransportStatus::success();
}

void Endpoint::Impl::post_read_chunks(ReadOp& op) {
  while (!op.stopped && !op.cursor.done()) {
    std::uint32_t k = 0;
    while (k < ReadOp::kChunksPerRead && (op.busy & (1u << k)) != 0) ++k;
    if (k == ReadOp::kChunksPerRead) return;
    iovec batch[8];
    std::size_t bytes = 0;
    const std::size_t n = op.cursor.peek_batch(batch, iov_limit, read_chunk, &bytes);
    void* descs[8] = {};
    if (!op.local_mr.empty()) {
      // The descriptor of the caller's iov entry each batch piece lies in.
      for (std::size_t i = 0; i < n; ++i) {
        const auto* b = static_cast<const std::byte*>(batch[i].iov_base);
        for (std::size_t e = 0; e < op.iov.size(); ++e) {
          const auto* base = static_cast<const std::byte*>(op.iov[e].iov_base);
          if (b >= base && b < base + op.iov[e].iov_len) {
            descs[i] = op.local_mr[e].desc();
            break;
          }
        }
      }
    }
    ssize_t ret = fi_readv(ep, batch, descs, n, peers[op.peer].addr, op.remote_addr + op.posted, op.key,
                           &op.chunk[k].fi);
    if (ret == -FI_EAGAIN) return;  // poll() tries again
    if (ret != 0) {
      op.error = fi_failure("fi_readv", ret, op.peer);
      op.stopped = true;
      return;
    }
    op.busy |= static_cast<std::uint8_t>(1u << k);
    op.cursor.advance(bytes);
    op.posted += bytes;
  }
}

void Endpoint::Impl::finish_read_if_done(std::uint32_t index, EventFn fn, void* user, std::size_t* events) {
  ReadOp& op = reads[index];
  if (!op.active || op.abandoned || op.busy != 0 || !(op.stopped || op.cursor.done())) return;
  op_ended(op.peer);
  op.active = false;
  op.local_mr.clear();
  read_active.erase(std::find(read_active.begin(), read_active.end(), index));
  read_free.push_back(index);
  OfiEvent ev{op.error.ok() ? EventKind::read_done : EventKind::error};
  ev.op = OpKind::read;
  ev.peer = op.peer;
  ev.cookie = op.cookie;
  ev.status = op.error;
  if (!op.error.ok() && op.error.code == Code::peer_gone) fail_peer(op.peer, op.error);
  fn(user, ev);
  ++*events;
}

void Endpoint::Impl::complete_read_chunk(const OpCtx& ctx, const TransportStatus* err, EventFn fn, void* user,
                                         std::size_t* events) {
  const std::uint32_t index = ctx.index / ReadOp::kChunksPerRead;
  const std::uint32_t k = ctx.index % ReadOp::kChunksPerRead;
  ReadOp& op = reads[index];
  op.busy = static_cast<std::uint8_t>(op.busy & ~(1u << k));
  if (op.abandoned) [[unlikely]] {
    // Reported failed already; the slot is free once the provider is done with it.
    if (op.busy == 0) {
      op.abandoned = false;
      op.active = false;
      op.local_mr.clear();
      read_free.push_back(index);
    }
    return;
  }
  if (err == nullptr) heard(op.peer);
  if (err != nullptr && op.error.ok()) {
    op.error = *err;
    op.stopped = true;
  }
  if (!op.stopped && !op.cursor.done()) post_read_chunks(op);
  finish_read_if_done(index, fn, user, events);
}

std::size_t Endpoint::Impl::abandon_reads(PeerId id, EventFn fn, void* user, std::size_t* events) {
  std::size_t n = 0;
  read_scratch.assign(read_active.begin(), read_active.end());
  for (std::uint32_t index : read_scratch) {
    ReadOp& op = reads[index];
    if (op.peer != id || !op.active || op.abandoned) continue;
    read_active.erase(std::find(read_active.begin(), read_active.end(), index));
    op.stopped = true;
    if (op.busy != 0) {
      op.abandoned = true;  // the provider may still complete (or fail) its chunks
    } else {
      op.active = false;
      op.local_mr.clear();
      read_free.push_back(index);
    }
    OfiEvent ev{EventKind::error};
    ev.op = OpKind::read;
    ev.peer = id;
    ev.cookie = op.cookie;
    ev.status = peers[id].failure;
    fn(user, ev);
    ++*events;
    ++n;
  }
  return n;
}

void Endpoint::Impl::progress_reads(EventFn fn, void* user, std::size_t* events) {
  // A snapshot: finishing a read edits read_active, and the callback may start new ones.
  read_scratch.assign(read_active.begin(), read_active.end());
  for (std::uint32_t index : read_scratch) {
    post_read_chunks(reads[index]);
    finish_read_if_done(index, fn, user, events);
  }
}

}  // namespace parley::transport::ofi
