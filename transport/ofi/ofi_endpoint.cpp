// The ofi endpoint: set-up, eager messages with credit flow control, and the
// completion-queue drain that delivers messages and errors.
//
// Flow control: a sender starts with `credits` credits towards each peer and
// spends one per data message; at zero, try_send says would_block. The
// receiver counts the data messages its poll callback consumed from each
// peer and hands them back, piggybacked on its next message to that peer or,
// once half the credits are owed, in a credit-only message (which costs no
// credit, so two peers flooding each other cannot deadlock). Hence at most
// `credits` data messages of one sender (plus two credit-only messages) are
// ever unconsumed at a receiver: memory for unexpected messages is bounded
// by (peers sending to us) × (credits + 2) × eager_size, whatever they do.
#include "transport/ofi/ofi_endpoint.hpp"

#include <rdma/fi_cm.h>
#include <rdma/fi_errno.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "transport/ofi/ofi_endpoint_impl.hpp"
#include "transport/ofi/ofi_wire.hpp"

namespace parley::transport::ofi {

namespace {

constexpr std::size_t kCqBatch = 16;

// Remote CQ data of a bare message: the sender's id in the low bits, the
// caller's Endpoint::kImmBits above them.
constexpr unsigned kBareIdBits = 64 - Endpoint::kImmBits;
constexpr std::uint64_t kBareIdMask = (std::uint64_t{1} << kBareIdBits) - 1;

std::byte* alloc_pool(std::size_t bytes) {
  const std::size_t rounded = (bytes + 4095) & ~std::size_t{4095};
  return static_cast<std::byte*>(std::aligned_alloc(4096, rounded));
}

std::uint64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

const char* peer_failed_text(PeerId id, const TransportStatus& first) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "ofi: peer %u unreachable after an earlier error: %s", id, first.what);
  return intern_message(buf);
}

}  // namespace

// ---------------------------------------------------------------- Impl

PeerState& Endpoint::Impl::peer_slot(PeerId id) {
  if (id >= peers.size()) {
    std::size_t n = std::max<std::size_t>(id + 1, peers.size() * 2);
    if (n > kMaxPeerId) n = kMaxPeerId;
    const std::size_t old = peers.size();
    peers.resize(n);
    for (std::size_t i = old; i < n; ++i) peers[i].send_credits = credits;
  }
  return peers[id];
}

void Endpoint::Impl::fail_peer(PeerId id, const TransportStatus& st) {
  if (id == kNoPeer || id >= kMaxPeerId) return;
  PeerState& p = peer_slot(id);
  if (p.failed) return;
  p.failed = true;
  p.failure = TransportStatus::error(st.code == Code::ok ? Code::system_error : st.code,
                                     peer_failed_text(id, st), st.sys_errno);
}

void Endpoint::Impl::op_started(PeerId id) {
  PeerState& p = peers[id];
  if (p.pending++ == 0) p.pending_since_ms = now_ms();
  if (!p.watched) {
    p.watched = true;
    watch.push_back(id);
  }
}

void Endpoint::Impl::op_ended(PeerId id) {
  if (id >= peers.size()) return;
  PeerState& p = peers[id];
  if (p.pending > 0) --p.pending;
  p.heard_ms = now_ms();
}

void Endpoint::Impl::heard(PeerId id) { peers[id].heard_ms = now_ms(); }

void Endpoint::Impl::check_stalls(EventFn fn, void* user, std::size_t* events) {
  const std::uint64_t now = now_ms();
  if (now < next_stall_check_ms) return;
  next_stall_check_ms = now + 20;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < watch.size(); ++i) {
    const PeerId id = watch[i];
    PeerState& p = peers[id];
    if (!p.failed && p.pending != 0 && peer_timeout_ms != 0 &&
        now - std::max(p.heard_ms, p.pending_since_ms) > peer_timeout_ms) {
      char buf[320];
      std::snprintf(buf, sizeof buf,
                    "ofi: peer %u gave no sign of life for %u ms while %u operations waited on it "
                    "(no completion, no message: is the peer alive? PARLEY_OFI_PEER_TIMEOUT_MS)",
                    id, peer_timeout_ms, p.pending);
      fail_peer(id, TransportStatus::error(Code::peer_gone, intern_message(buf), FI_ETIMEDOUT));
      const bool sends = std::any_of(tx.begin(), tx.end(), [&](const TxSlot& t) {
        return t.peer == id && std::find(tx_free.begin(), tx_free.end(), t.ctx.index) == tx_free.end();
      });
      abandon_reads(id, fn, user, events);
      // One event for the peer itself (a read with cookie 0 names no transfer).
      OfiEvent ev{EventKind::error};
      ev.op = sends ? OpKind::send : OpKind::read;
      ev.peer = id;
      ev.status = p.failure;
      fn(user, ev);
      ++*events;
      p.pending = 0;
    } else if (p.failed && p.pending != 0) {
      // Failed through another operation's error: its reads end now too.
      abandon_reads(id, fn, user, events);
      p.pending = 0;
    }
    if (p.pending == 0 || p.failed) {
      p.watched = false;
    } else {
      watch[kept++] = id;
    }
  }
  watch.resize(kept);
}

TransportStatus Endpoint::Impl::post_rx(std::uint32_t index) {
  RxBuf& b = rx[index];
  void* mr_desc = rx_mr.registered() ? rx_mr.desc() : nullptr;
  ssize_t ret = fi_recv(ep, b.data, eager_size, mr_desc, FI_ADDR_UNSPEC, &b.ctx.fi);
  if (ret == 0) return TransportStatus::success();
  if (ret == -FI_EAGAIN) {
    repost.push_back(index);
    return TransportStatus::success();
  }
  return fi_failure("fi_recv", ret);
}

void Endpoint::Impl::flush_credits() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < credit_queue.size(); ++i) {
    const PeerId id = credit_queue[i];
    PeerState& p = peers[id];
    if (p.owed == 0 || p.failed || !p.known) {
      p.credit_queued = false;
      continue;
    }
    bool sent = false;
    if (!tx_free.empty()) {
      const std::uint32_t s = tx_free.back();
      TxSlot& slot = tx[s];
      WireHeader w{};
      w.src = self;
      w.kind = WireKind::credit;
      w.credits = static_cast<std::uint16_t>(std::min<std::uint32_t>(p.owed, 0xffff));
      std::memcpy(slot.data, &w, sizeof w);
      slot.peer = id;
      slot.hello = false;
      // Injected, a credit message has no completion and the slot stays
      // free; providers without inject take the slot until completion.
      const bool inject = inject_size >= sizeof w;
      ssize_t ret = inject ? fi_inject(ep, slot.data, sizeof w, p.addr)
                           : fi_send(ep, slot.data, sizeof w, tx_mr.registered() ? tx_mr.desc() : nullptr,
                                     p.addr, &slot.ctx.fi);
      if (ret == 0) {
        if (!inject) {
          tx_free.pop_back();
          op_started(id);
        }
        p.owed -= w.credits;
        sent = true;
      } else if (ret != -FI_EAGAIN) {
        fail_peer(id, fi_failure("fi_inject (credit return)", ret, id));
        p.credit_queued = false;
        continue;
      }
    }
    if (sent && p.owed == 0) {
      p.credit_queued = false;
    } else {
      credit_queue[kept++] = id;
    }
  }
  credit_queue.resize(kept);
}

void Endpoint::Impl::consume_rx(const fi_cq_data_entry& e, EventFn fn, void* user, std::size_t* events) {
  const auto* ctx = static_cast<const OpCtx*>(e.op_context);
  const std::uint32_t index = ctx->index;
  const std::byte* data = rx[index].data;
  if ((e.flags & FI_REMOTE_CQ_DATA) != 0) {
    // Bare: the payload alone; the sender sent its address earlier.
    const auto src = static_cast<PeerId>(e.data & kBareIdMask);
    PeerState& p = peer_slot(src);
    p.reached = true;
    heard(src);
    OfiEvent ev{EventKind::message};
    ev.peer = src;
    ev.payload = {data, e.len};
    ev.bare = true;
    ev.imm = e.data >> kBareIdBits;
    fn(user, ev);
    ++*events;
    // The callback may have grown `peers` (insert_peer): index again.
    PeerState& q = peers[src];
    ++q.owed;
    if (q.owed >= credits / 2 && !q.credit_queued) {
      q.credit_queued = true;
      credit_queue.push_back(src);
    }
    TransportStatus st = post_rx(index);
    if (!st.ok()) [[unlikely]] {
      OfiEvent err{EventKind::error};
      err.op = OpKind::recv;
      err.status = st;
      fn(user, err);
      ++*events;
    }
    return;
  }
  WireHeader w{};
  bool ok = e.len >= sizeof w;
  if (ok) {
    std::memcpy(&w, data, sizeof w);
    ok = sizeof w + w.addr_len + std::size_t{w.header_len} + w.payload_len == e.len && w.src < kMaxPeerId &&
         (w.kind == WireKind::data || w.kind == WireKind::credit);
  }
  if (!ok) [[unlikely]] {
    OfiEvent ev{EventKind::error};
    ev.op = OpKind::recv;
    ev.status = TransportStatus::error(Code::invalid, "ofi: malformed message received (dropped)");
    fn(user, ev);
    ++*events;
  } else {
    PeerState& p = peer_slot(w.src);
    p.reached = true;
    heard(w.src);
    p.send_credits += w.credits;
    if (w.addr_len != 0 && !p.known) {
      fi_addr_t a = FI_ADDR_NOTAVAIL;
      int ret = fi_av_insert(av, data + sizeof w, 1, &a, 0, nullptr);
      if (ret == 1) {
        p.addr = a;
        p.known = true;
      } else {
        OfiEvent ev{EventKind::error};
        ev.op = OpKind::recv;
        ev.peer = w.src;
        ev.status =
            fi_failure("fi_av_insert (address from first message)", ret < 0 ? ret : -FI_EINVAL, w.src);
        fn(user, ev);
        ++*events;
      }
    }
    if (w.kind == WireKind::data) {
      const std::byte* h = data + sizeof w + w.addr_len;
      OfiEvent ev{EventKind::message};
      ev.peer = w.src;
      ev.header = {h, w.header_len};
      ev.payload = {h + w.header_len, w.payload_len};
      fn(user, ev);
      ++*events;
      // The callback may have grown `peers` (insert_peer): index again.
      PeerState& q = peers[w.src];
      ++q.owed;
      if (q.owed >= credits / 2 && !q.credit_queued) {
        q.credit_queued = true;
        credit_queue.push_back(w.src);
      }
    }
  }
  TransportStatus st = post_rx(index);
  if (!st.ok()) [[unlikely]] {
    OfiEvent ev{EventKind::error};
    ev.op = OpKind::recv;
    ev.status = st;
    fn(user, ev);
    ++*events;
  }
}

void Endpoint::Impl::complete_tx(std::uint32_t index) {
  TxSlot& slot = tx[index];
  if (slot.peer < peers.size()) peers[slot.peer].reached = true;
  op_ended(slot.peer);
  tx_free.push_back(index);
}

void Endpoint::Impl::handle_error(EventFn fn, void* user, std::size_t* events) {
  fi_cq_err_entry err{};
  ssize_t ret = fi_cq_readerr(cq, &err, 0);
  if (ret < 0) {
    if (ret == -FI_EAGAIN) return;
    OfiEvent ev{EventKind::error};
    ev.op = OpKind::poll;
    ev.status = fi_failure("fi_cq_readerr", ret);
    fn(user, ev);
    ++*events;
    return;
  }
  char detail[256] = "";
  if (err.prov_errno != 0) {
    const char* s = fi_cq_strerror(cq, err.prov_errno, err.err_data, detail, sizeof detail);
    if (s != nullptr && s != detail) std::snprintf(detail, sizeof detail, "%s", s);
  }
  const int code = err.err != 0 ? err.err : FI_EOTHER;
  const auto* ctx = static_cast<const OpCtx*>(err.op_context);
  if (ctx == nullptr) {
    OfiEvent ev{EventKind::error};
    ev.op = OpKind::poll;
    ev.status = fi_failure("fi_cq_readerr (operation without context)", -code, kNoPeer, detail);
    fn(user, ev);
    ++*events;
    return;
  }
  switch (ctx->kind) {
    case CtxKind::rx: {
      if (code == FI_ECANCELED) return;  // closing
      OfiEvent ev{EventKind::error};
      ev.op = OpKind::recv;
      ev.status = fi_failure("fi_recv completion", -code, kNoPeer, detail);
      fn(user, ev);
      ++*events;
      TransportStatus st = post_rx(ctx->index);
      (void)st;  // a refused repost shrinks the pool; the next error reports it
      return;
    }
    case CtxKind::tx: {
      TxSlot& slot = tx[ctx->index];
      const PeerId id = slot.peer;
      op_ended(id);
      tx_free.push_back(ctx->index);
      TransportStatus st = fi_failure("fi_send completion", -code, id, detail);
      fail_peer(id, st);
      OfiEvent ev{EventKind::error};
      ev.op = OpKind::send;
      ev.peer = id;
      ev.status = st;
      fn(user, ev);
      ++*events;
      return;
    }
    case CtxKind::read: {
      const std::uint32_t op = ctx->index / ReadOp::kChunksPerRead;
      TransportStatus st = fi_failure("fi_read completion", -code, reads[op].peer, detail);
      complete_read_chunk(*ctx, &st, fn, user, events);
      return;
    }
  }
}

// ---------------------------------------------------------------- Endpoint

Endpoint::Endpoint() = default;
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Endpoint::~Endpoint() { close(); }

bool Endpoint::is_open() const { return impl_ != nullptr && impl_->ep != nullptr; }

void Endpoint::close() {
  if (impl_ == nullptr) return;
  Impl& m = *impl_;
  if (m.ep != nullptr) fi_close(&m.ep->fid);
  for (ReadOp& op : m.reads) op.local_mr.clear();
  m.rx_mr.close();
  m.tx_mr.close();
  if (m.av != nullptr) fi_close(&m.av->fid);
  if (m.cq != nullptr) fi_close(&m.cq->fid);
  std::free(m.rx_mem);
  std::free(m.tx_mem);
  impl_.reset();
}

TransportStatus Endpoint::open(const Fabric& fabric, PeerId self) {
  if (is_open()) return TransportStatus::error(Code::invalid, "ofi endpoint: already open");
  if (!fabric.is_open()) return TransportStatus::error(Code::invalid, "ofi endpoint: fabric not open");
  if (self >= kMaxPeerId) return TransportStatus::error(Code::invalid, "ofi endpoint: peer id too large");
  impl_ = std::make_unique<Impl>();
  Impl& m = *impl_;
  const OfiConfig& cfg = fabric.config();
  m.fabric = &fabric;
  m.self = self;
  m.eager_size = std::min(cfg.eager_size, fabric.max_msg_size());
  m.inject_size = fabric.inject_size();
  m.bare = fabric.cq_data_size() >= 8 && self <= kBareIdMask;
  m.credits = cfg.credits;
  m.connect_timeout_ms = cfg.connect_timeout_ms;
  m.peer_timeout_ms = cfg.peer_timeout_ms;
  m.read_chunk = std::min(cfg.read_chunk, fabric.max_msg_size());
  m.iov_limit = std::min<std::size_t>(fabric.iov_limit(), 8);

  const fi_info* info = fabric.info();
  fi_info* ep_info = fi_dupinfo(info);
  if (ep_info == nullptr) {
    close();
    return TransportStatus::error(Code::no_space, "fi_dupinfo: out of memory");
  }
  int ret = fi_endpoint(fabric.domain(), ep_info, &m.ep, nullptr);
  fi_freeinfo(ep_info);
  if (ret != 0) {
    m.ep = nullptr;
    close();
    return fi_failure("fi_endpoint", ret);
  }

  const std::uint32_t n_rx = std::min<std::uint32_t>(
      cfg.rx_buffers, static_cast<std::uint32_t>(std::max<std::size_t>(fabric.rx_queue_size(), 2)));
  fi_cq_attr cq_attr{};
  cq_attr.format = FI_CQ_FORMAT_DATA;
  cq_attr.size = n_rx + cfg.tx_buffers + std::size_t{cfg.read_ops} * ReadOp::kChunksPerRead + 64;
  cq_attr.wait_obj = FI_WAIT_NONE;
  ret = fi_cq_open(fabric.domain(), &cq_attr, &m.cq, nullptr);
  if (ret != 0) {
    m.cq = nullptr;
    close();
    return fi_failure("fi_cq_open", ret);
  }
  fi_av_attr av_attr{};
  av_attr.type = FI_AV_TABLE;
  ret = fi_av_open(fabric.domain(), &av_attr, &m.av, nullptr);
  if (ret != 0) {
    m.av = nullptr;
    close();
    return fi_failure("fi_av_open", ret);
  }
  ret = fi_ep_bind(m.ep, &m.av->fid, 0);
  if (ret == 0) ret = fi_ep_bind(m.ep, &m.cq->fid, FI_TRANSMIT | FI_RECV);
  if (ret != 0) {
    close();
    return fi_failure("fi_ep_bind", ret);
  }
  ret = fi_enable(m.ep);
  if (ret != 0) {
    close();
    return fi_failure("fi_enable", ret);
  }
  std::size_t alen = 0;
  ret = fi_getname(&m.ep->fid, nullptr, &alen);
  if (ret != 0 && ret != -FI_ETOOSMALL) {
    close();
    return fi_failure("fi_getname", ret);
  }
  if (alen == 0 || alen > 255) {
    close();
    return TransportStatus::error(Code::invalid, "fi_getname: endpoint address longer than 255 bytes");
  }
  m.address.resize(alen);
  ret = fi_getname(&m.ep->fid, m.address.data(), &alen);
  if (ret != 0) {
    close();
    return fi_failure("fi_getname", ret);
  }
  m.address.resize(alen);

  // Buffer pools, registered once when the domain wants local descriptors.
  m.rx_mem = alloc_pool(std::size_t{n_rx} * m.eager_size);
  m.tx_mem = alloc_pool(std::size_t{cfg.tx_buffers} * m.eager_size);
  if (m.rx_mem == nullptr || m.tx_mem == nullptr) {
    close();
    return TransportStatus::error(Code::no_space, "ofi endpoint: cannot allocate buffer pools");
  }
  if (fabric.mr_local()) {
    TransportStatus st =
        m.rx_mr.register_memory(fabric, m.rx_mem, std::size_t{n_rx} * m.eager_size, MemoryRegion::local);
    if (st.ok()) {
      st = m.tx_mr.register_memory(fabric, m.tx_mem, std::size_t{cfg.tx_buffers} * m.eager_size,
                                   MemoryRegion::local);
    }
    if (!st.ok()) {
      close();
      return st;
    }
  }
  m.rx.resize(n_rx);
  for (std::uint32_t i = 0; i < n_rx; ++i) {
    m.rx[i] = RxBuf{OpCtx{{}, CtxKind::rx, i}, m.rx_mem + std::size_t{i} * m.eager_size};
  }
  m.tx.resize(cfg.tx_buffers);
  m.tx_free.reserve(cfg.tx_buffers);
  for (std::uint32_t i = 0; i < cfg.tx_buffers; ++i) {
    m.tx[i] = TxSlot{OpCtx{{}, CtxKind::tx, i}, m.tx_mem + std::size_t{i} * m.eager_size, kNoPeer, false};
    m.tx_free.push_back(cfg.tx_buffers - 1 - i);
  }
  m.reads.resize(cfg.read_ops);
  for (std::uint32_t i = 0; i < cfg.read_ops; ++i) {
    for (std::uint32_t k = 0; k < ReadOp::kChunksPerRead; ++k) {
      m.reads[i].chunk[k] = OpCtx{{}, CtxKind::read, i * ReadOp::kChunksPerRead + k};
    }
    m.read_free.push_back(cfg.read_ops - 1 - i);
  }
  for (std::uint32_t i = 0; i < n_rx; ++i) {
    TransportStatus st = m.post_rx(i);
    if (!st.ok()) {
      close();
      return st;
    }
  }

  TransportDescriptor& d = m.desc;
  d.name = "ofi";
  d.caps = cap_inline_send | cap_copy_pipeline | (fabric.has_rma() ? cap_rndv_pull : 0u);
  d.max_header = kMaxHeader;
  d.max_inline = max_payload(kMaxHeader);
  d.pipeline_chunk = max_payload(kMaxHeader);
  return TransportStatus::success();
}

std::span<const std::byte> Endpoint::address() const {
  if (impl_ == nullptr) return {};
  return impl_->address;
}

TransportStatus Endpoint::insert_peer(PeerId peer, std::span<const std::byte> addr) {
  if (!is_open()) return TransportStatus::error(Code::invalid, "ofi endpoint: not open");
  if (peer >= kMaxPeerId) return TransportStatus::error(Code::invalid, "ofi insert_peer: peer id too large");
  Impl& m = *impl_;
  PeerState& p = m.peer_slot(peer);
  if (p.known) return TransportStatus::success();
  if (addr.size() != m.address.size()) {
    return TransportStatus::error(Code::invalid,
                                  "ofi insert_peer: address length differs from this provider's");
  }
  fi_addr_t a = FI_ADDR_NOTAVAIL;
  int ret = fi_av_insert(m.av, addr.data(), 1, &a, 0, nullptr);
  if (ret != 1) return fi_failure("fi_av_insert", ret < 0 ? ret : -FI_EINVAL, peer);
  p.addr = a;
  p.known = true;
  return TransportStatus::success();
}

bool Endpoint::knows_peer(PeerId peer) const {
  return impl_ != nullptr && peer < impl_->peers.size() && impl_->peers[peer].known;
}

std::size_t Endpoint::max_payload(std::size_t header_len) const {
  if (impl_ == nullptr) return 0;
  const std::size_t fixed = sizeof(WireHeader) + impl_->address.size() + header_len;
  return impl_->eager_size > fixed ? impl_->eager_size - fixed : 0;
}

TransportStatus Endpoint::try_send(PeerId dst, std::span<const std::byte> header, IovSpan payload) {
  Impl& m = *impl_;
  PeerState* p = m.peer(dst);
  if (p == nullptr || !p->known) [[unlikely]] {
    return TransportStatus::error(Code::invalid, "ofi try_send: peer not inserted (insert_peer first)");
  }
  if (p->failed) [[unlikely]]
    return p->failure;
  if (header.size() > kMaxHeader) [[unlikely]] {
    return TransportStatus::error(Code::too_large, "ofi try_send: header longer than Endpoint::kMaxHeader");
  }
  const std::size_t len = iov_total(payload);
  if (len > max_payload(header.size())) [[unlikely]] {
    return TransportStatus::error(Code::too_large, "ofi try_send: payload larger than max_payload()");
  }
  if (p->send_credits == 0 || m.tx_free.empty()) return TransportStatus::busy();

  const std::uint32_t s = m.tx_free.back();
  TxSlot& slot = m.tx[s];
  const bool hello = !p->hello_sent;
  WireHeader w{};
  w.src = m.self;
  w.kind = WireKind::data;
  w.credits = static_cast<std::uint16_t>(std::min<std::uint32_t>(p->owed, 0xffff));
  w.addr_len = hello ? static_cast<std::uint8_t>(m.address.size()) : 0;
  w.header_len = static_cast<std::uint16_t>(header.size());
  w.payload_len = static_cast<std::uint32_t>(len);
  std::byte* out = slot.data;
  std::memcpy(out, &w, sizeof w);
  out += sizeof w;
  if (hello) {
    std::memcpy(out, m.address.data(), m.address.size());
    out += m.address.size();
  }
  if (!header.empty()) std::memcpy(out, header.data(), header.size());
  out += header.size();
  for (const iovec& v : payload) {
    if (v.iov_len != 0) std::memcpy(out, v.iov_base, v.iov_len);
    out += v.iov_len;
  }
  const std::size_t total = static_cast<std::size_t>(out - slot.data);
  slot.hello = hello;
  TransportStatus st = m.post_send(dst, *p, s, total, false, 0);
  if (!st.ok()) return st;
  p->owed -= w.credits;
  p->hello_sent = true;
  return TransportStatus::success();
}

bool Endpoint::can_send_bare(PeerId dst) const {
  if (impl_ == nullptr || !impl_->bare || dst >= impl_->peers.size()) return false;
  const PeerState& p = impl_->peers[dst];
  return p.known && p.hello_sent && !p.failed;
}

std::size_t Endpoint::max_bare_payload() const {
  return impl_ != nullptr && impl_->bare ? impl_->eager_size : 0;
}

bool Endpoint::owes_credits(PeerId dst) const {
  return impl_ != nullptr && dst < impl_->peers.size() && impl_->peers[dst].owed != 0;
}

TransportStatus Endpoint::try_send_bare(PeerId dst, std::uint64_t imm, IovSpan payload) {
  Impl& m = *impl_;
  if (!can_send_bare(dst) || (imm >> kImmBits) != 0) [[unlikely]] {
    PeerState* p = m.peer(dst);
    if (p != nullptr && p->failed) return p->failure;
    return TransportStatus::error(Code::invalid,
                                  "ofi try_send_bare: not possible to this peer now (see can_send_bare) or "
                                  "immediate too wide");
  }
  PeerState* p = m.peer(dst);
  const std::size_t len = iov_total(payload);
  if (len > m.eager_size) [[unlikely]] {
    return TransportStatus::error(Code::too_large,
                                  "ofi try_send_bare: payload larger than max_bare_payload()");
  }
  if (p->send_credits == 0 || m.tx_free.empty()) return TransportStatus::busy();
  const std::uint32_t s = m.tx_free.back();
  TxSlot& slot = m.tx[s];
  std::byte* out = slot.data;
  for (const iovec& v : payload) {
    if (v.iov_len != 0) std::memcpy(out, v.iov_base, v.iov_len);
    out += v.iov_len;
  }
  slot.hello = false;
  return m.post_send(dst, *p, s, len, true, (imm << kBareIdBits) | m.self);
}

TransportStatus Endpoint::Impl::post_send(PeerId dst, PeerState& p, std::uint32_t s, std::size_t total,
                                          bool has_data, std::uint64_t data) {
  TxSlot& slot = tx[s];
  slot.peer = dst;
  ssize_t ret;
  void* mr_desc = tx_mr.registered() ? tx_mr.desc() : nullptr;
  const bool inject = total <= inject_size;
  if (inject) {
    // FI_INJECT through sendmsg keeps a completion (and so an error naming
    // the peer) while letting the provider take its inline path.
    iovec iov{slot.data, total};
    fi_msg msg{};
    msg.msg_iov = &iov;
    msg.desc = &mr_desc;
    msg.iov_count = 1;
    msg.addr = p.addr;
    msg.context = &slot.ctx.fi;
    msg.data = data;
    ret = fi_sendmsg(ep, &msg, FI_INJECT | FI_COMPLETION | (has_data ? FI_REMOTE_CQ_DATA : 0));
  } else if (has_data) {
    ret = fi_senddata(ep, slot.data, total, mr_desc, data, p.addr, &slot.ctx.fi);
  } else {
    ret = fi_send(ep, slot.data, total, mr_desc, p.addr, &slot.ctx.fi);
  }
  if (ret != 0) [[unlikely]] {
    if (ret == -FI_EAGAIN) {
      const std::uint64_t now = now_ms();
      if (p.blocked_since_ms == 0) {
        p.blocked_since_ms = now;
      } else if (p.reached) {
        // A broken connection: some providers queue and reconnect forever.
        if (peer_timeout_ms != 0 && now - std::max(p.blocked_since_ms, p.heard_ms) > peer_timeout_ms) {
          char buf[320];
          std::snprintf(buf, sizeof buf,
                        "fi_send (peer %u): refused with FI_EAGAIN for %u ms with no sign of the peer "
                        "meanwhile (is the peer alive? PARLEY_OFI_PEER_TIMEOUT_MS)",
                        dst, peer_timeout_ms);
          TransportStatus st = TransportStatus::error(Code::peer_gone, intern_message(buf), FI_ETIMEDOUT);
          fail_peer(dst, st);
          return st;
        }
      } else {
        // Connection set-up: some providers retry a refused connect forever.
        if (now - p.blocked_since_ms > connect_timeout_ms) {
          char buf[320];
          std::snprintf(buf, sizeof buf,
                        "fi_send (peer %u): no connection within %u ms, the provider kept answering "
                        "FI_EAGAIN (is the peer alive? PARLEY_OFI_CONNECT_TIMEOUT_MS)",
                        dst, connect_timeout_ms);
          TransportStatus st = TransportStatus::error(Code::peer_gone, intern_message(buf), FI_ETIMEDOUT);
          fail_peer(dst, st);
          return st;
        }
      }
      return TransportStatus::busy();
    }
    TransportStatus st = fi_failure(inject     ? "fi_sendmsg (FI_INJECT)"
                                    : has_data ? "fi_senddata"
                                               : "fi_send",
                                    ret, dst);
    if (st.code == Code::peer_gone) fail_peer(dst, st);
    return st;
  }
  tx_free.pop_back();
  op_started(dst);
  p.blocked_since_ms = 0;
  --p.send_credits;
  return TransportStatus::success();
}

std::size_t Endpoint::poll_impl(EventFn fn, void* user, std::size_t budget) {
  if (!is_open()) return 0;
  Impl& m = *impl_;
  std::size_t events = 0;
  if (!m.repost.empty()) [[unlikely]] {
    std::vector<std::uint32_t> again;
    again.swap(m.repost);
    for (std::uint32_t i : again) {
      TransportStatus st = m.post_rx(i);
      (void)st;
    }
  }
  fi_cq_data_entry entries[kCqBatch];
  std::size_t seen = 0;
  while (seen < budget) {
    const std::size_t want = std::min(kCqBatch, budget - seen);
    ssize_t n = fi_cq_read(m.cq, entries, want);
    if (n == -FI_EAGAIN) break;
    if (n == -FI_EAVAIL) {
      m.handle_error(fn, user, &events);
      ++seen;
      continue;
    }
    if (n < 0) [[unlikely]] {
      OfiEvent ev{EventKind::error};
      ev.op = OpKind::poll;
      ev.status = fi_failure("fi_cq_read", n);
      fn(user, ev);
      ++events;
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      const fi_cq_data_entry& e = entries[i];
      const auto* ctx = static_cast<const OpCtx*>(e.op_context);
      if (ctx == nullptr) continue;
      switch (ctx->kind) {
        case CtxKind::rx:
          m.consume_rx(e, fn, user, &events);
          break;
        case CtxKind::tx:
          m.complete_tx(ctx->index);
          break;
        case CtxKind::read:
          m.complete_read_chunk(*ctx, nullptr, fn, user, &events);
          break;
      }
    }
    seen += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < want) break;
  }
  if (!m.credit_queue.empty()) m.flush_credits();
  if (!m.read_active.empty()) m.progress_reads(fn, user, &events);
  if (!m.watch.empty()) m.check_stalls(fn, user, &events);
  return events;
}

bool Endpoint::has_rma() const { return impl_ != nullptr && impl_->fabric->has_rma(); }

const TransportDescriptor& Endpoint::descriptor() const {
  static const TransportDescriptor closed{};
  return impl_ != nullptr ? impl_->desc : closed;
}

std::uint32_t Endpoint::send_credits(PeerId peer) const {
  if (impl_ == nullptr || peer >= impl_->peers.size()) return impl_ != nullptr ? impl_->credits : 0;
  return impl_->peers[peer].send_credits;
}

std::size_t Endpoint::sends_in_flight() const {
  return impl_ != nullptr ? impl_->tx.size() - impl_->tx_free.size() : 0;
}

std::size_t Endpoint::reads_in_flight() const {
  // Abandoned reads (reported failed, chunks still with the provider) are not counted.
  return impl_ != nullptr ? impl_->read_active.size() : 0;
}

std::size_t Endpoint::posted_receive_bytes() const {
  return impl_ != nullptr ? impl_->rx.size() * impl_->eager_size : 0;
}

}  // namespace parley::transport::ofi
