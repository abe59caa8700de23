// The point-to-point protocol over libfabric (transport/ofi): ranks on other
// nodes, or every rank with PARLEY_TRANSPORT=ofi. The wire header is
// p2p::MsgHeader, as over shm, carried as the endpoint's caller header; the
// matching engine stays ours, so MPI_ANY_SOURCE and the non-overtaking order
// hold across transports (the endpoint delivers one peer's messages in the
// order they were sent, and each peer's sends leave in posting order).
//
//   small      eager / eager_sync (+ ack), header and payload in one message
//   large      rts with the remote key of the sender's registered buffer; the
//              receiver fi_reads into the user's buffer and answers fin
//   no FI_RMA  rts without a key; the receiver answers cts_pipe and the
//              sender streams the data as pipe_data messages
//
// The caller header of every message is OfiHeader: the p2p header, the
// eager credit handed back to the message's receiver, and (rts with FI_RMA)
// the remote key; a plain eager message carries the shorter OfiShortHeader,
// or goes bare (the envelope in the provider's remote CQ data, below).
//
// Flow control of unexpected messages. The endpoint's own credits bound the
// messages in its receive pool, but an eager message that matches no posted
// receive is copied into the unexpected queue, and that queue is ours to
// bound: each sender holds `eager credit` bytes towards each peer (at first
// the base, PARLEY_OFI_UNEXPECTED_MAX / (2 (world size - 1)); see lending
// below) and spends payload + 128
// bytes on every eager message. The receiver gives the bytes back once it
// has consumed the message (matched at arrival, or when the unexpected copy
// is freed), piggybacked on its next message to that sender or, once half
// the credit is owed, in a credit message (kCredit). A sender short of
// credit sends an rts instead: the data stays in the sender's buffer and
// the receiver queues only a header. So the unexpected eager bytes one
// process holds never exceed PARLEY_OFI_UNEXPECTED_MAX (PARLEY_OFI_STATS=1
// prints the peak at the end); sends never wait for credit, so no deadlock.
//
// Lending (PARLEY_OFI_LEND, default on): the split is not static. Each
// sender starts with half its even share (the base); the other half of the
// bound is the receiver's reserve. When the receiver consumes a sender's
// eager bytes it gives them back and, while the reserve lasts, as much
// again from it, so the senders that use their credit grow towards the
// whole reserve. With the reserve gone, a sender whose consumed bytes come
// in while another holds a bigger grant makes the receiver ask that holder
// (kReclaim) for its surplus: the holder gives back what it holds above the
// base (kGiveBack {h.size bytes}), which refills the reserve. The receiver
// counts per sender what it granted (base + lent - given back); the sum of
// the grants and the reserve is the bound at all times, and a sender never
// holds more than its grant, so the bound on unexpected bytes stands. A
// sender whose unconsumed messages queued here take more than half its
// grant (a flood ahead of the receives) is lent as much again at once,
// while the reserve lasts, without waiting for consumption; a lost
// sender's grant returns to the reserve.
//
// Addresses: each rank puts its endpoint address under kOfiAddressKey before
// the init fence (which collects data); a peer's is fetched with PMIx_Get on
// first use. A provider error fails the peer: its queued and waiting
// requests complete with MPI_ERR_OTHER and a line on stderr names it.
#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/engine.hpp"

namespace parley {

using p2p::MsgHeader;
using p2p::MsgType;
using p2p::Request;
namespace ofi = transport::ofi;

namespace {

// The caller header of every ofi message (see the top of this file).
struct OfiHeader {
  MsgHeader h;
  std::uint32_t credit = 0;  // eager credit bytes given back to the receiver
  std::uint32_t flags = 0;   // kHasKey
  std::uint64_t key = 0;     // rts with kHasKey: the remote key of the sender's buffer
};
static_assert(sizeof(OfiHeader) == sizeof(MsgHeader) + 16);
constexpr std::uint32_t kHasKey = 1;
constexpr std::size_t kHeaderLen = offsetof(OfiHeader, key);  // without the key
constexpr std::size_t kHeaderKeyLen = sizeof(OfiHeader);

// The caller header of a plain eager message: the envelope (type, context,
// source, tag: the first 16 bytes of MsgHeader) and the credit. The size is
// the payload's, and no request or address is needed, so with the
// endpoint's 16 bytes a small message fits a provider's inject size (64 B
// for tcp;ofi_rxm: up to 28 payload bytes then go inline, no completion).
constexpr std::size_t kEnvelopeLen = offsetof(MsgHeader, size);
static_assert(kEnvelopeLen == 16);
struct OfiShortHeader {
  std::byte envelope[kEnvelopeLen];
  std::uint32_t credit;
};
static_assert(sizeof(OfiShortHeader) == 20);

// A plain eager message may go bare (Endpoint::try_send_bare): its
// envelope in the endpoint's 44 immediate bits, the payload alone in the
// provider message, so a payload of a whole receive buffer (16 KiB, which
// is also tcp;ofi_rxm's eager limit) is one provider message instead of
// two fragments. Bits: tag 0..15, source 16..28, context 29..43 (14 bits
// of id and the local-view bit 31). An envelope that does not fit goes in
// band, as does a message that would fit one buffer with its header while
// credits are owed to the peer (they ride only on in-band headers).
constexpr unsigned kImmTagBits = 16;
constexpr unsigned kImmSourceBits = 13;
constexpr unsigned kImmContextBits = 15;
static_assert(kImmTagBits + kImmSourceBits + kImmContextBits == ofi::Endpoint::kImmBits);
constexpr std::uint32_t kLocalViewBit = 0x80000000u;
constexpr std::uint32_t kImmContextIdMask = (1u << (kImmContextBits - 1)) - 1;

bool encode_envelope(const MsgHeader& h, std::uint64_t* imm) {
  const auto tag = static_cast<std::uint32_t>(h.tag);
  const auto source = static_cast<std::uint32_t>(h.source);
  if (h.tag < 0 || h.source < 0 || (tag >> kImmTagBits) != 0 || (source >> kImmSourceBits) != 0 ||
      (h.context & ~(kLocalViewBit | kImmContextIdMask)) != 0) {
    return false;
  }
  const std::uint64_t ctx =
      (h.context & kImmContextIdMask) | ((h.context & kLocalViewBit) != 0 ? kImmContextIdMask + 1 : 0);
  *imm = tag | (std::uint64_t{source} << kImmTagBits) | (ctx << (kImmTagBits + kImmSourceBits));
  return true;
}

void decode_envelope(std::uint64_t imm, MsgHeader* h) {
  h->type = MsgType::eager;
  h->tag = static_cast<std::int32_t>(imm & ((1u << kImmTagBits) - 1));
  h->source = static_cast<std::int32_t>((imm >> kImmTagBits) & ((1u << kImmSourceBits) - 1));
  const auto ctx = static_cast<std::uint32_t>(imm >> (kImmTagBits + kImmSourceBits));
  h->context = (ctx & kImmContextIdMask) | ((ctx & (kImmContextIdMask + 1)) != 0 ? kLocalViewBit : 0);
}

// Largest payload of a bare message (0: the provider has no CQ data), and
// of an in-band plain eager message in one provider message.
std::size_t g_bare_max = 0;
std::size_t g_short_max = 0;
std::uint64_t g_bare_sent = 0;  // bare messages sent (a test hook, below)

// A message that only gives eager credit back (the ofi engine's own type,
// never seen by the shm protocol).
constexpr MsgType kCredit = static_cast<MsgType>(0x40);
// A later fragment of a fragmented eager message (h.size: its offset). The
// first fragment is an ordinary eager / eager_sync whose h.size (the whole
// message) exceeds its payload.
constexpr MsgType kFrag = static_cast<MsgType>(0x41);
// Credit lending: a receiver asks a sender for the credit it holds above
// the base (kReclaim); the sender answers with what it gives back, h.size
// bytes, maybe 0 (kGiveBack).
constexpr MsgType kReclaim = static_cast<MsgType>(0x42);
constexpr MsgType kGiveBack = static_cast<MsgType>(0x43);

// What one eager message costs its sender's credit: the payload plus the
// receiver's queue entry (UnexpectedMsg and its share of the match lists).
constexpr std::uint64_t kChargeOverhead = 128;
std::uint64_t eager_charge(std::uint64_t bytes) { return bytes + kChargeOverhead; }

// For the test hooks at the end of this file.
std::uint64_t g_unexpected_peak = 0;
std::uint64_t g_unexpected_cap = 0;

// Test-only fault, PARLEY_OFI_TEST_LOSE=R:P:N: rank R treats peer P as lost
// right after its N-th message from P, as if the provider had reported an
// error, so that the fault path can be tested without killing a process
// (which the launcher answers by ending the job).
int g_lose_peer = -1;
unsigned long long g_lose_after = 0;

// Fragmented messages being received straight into a matched receive (see
// ofi_progress: while one is, progress polls the endpoint again at once).
std::size_t g_frags_matched = 0;
// Extra endpoint polls of one progress call while a stream is arriving.
constexpr int kMaxRepoll = 16;

// Credit lending (receiver side; see the top of this file), by sender world
// rank. One engine per process, so these live here.
struct Lend {
  std::uint64_t grant = 0;  // credit this sender may hold or have in flight towards us
  std::uint64_t held = 0;   // of it, what its unexpected messages queued here take
};
std::vector<Lend> g_lend;
bool g_lending = false;
std::uint64_t g_reserve = 0;  // credit granted to no sender
int g_reclaim_from = -1;      // the holder asked for its surplus (one at a time), -1 if none
std::uint64_t g_max_grant = 0;  // no grant is larger (refreshed by each search for a holder)

}  // namespace

Status Engine::init_ofi(const bootstrap::JobInfo& job, bool multi_node) {
  ofi::OfiConfig cfg;
  if (auto st = ofi::OfiConfig::from_env(&cfg); !st.ok())
    return Status(MPI_ERR_OTHER, std::string("bad PARLEY_OFI_* setting: ") + st.what);
  // Peers on other nodes: prefer the job's network to loopback, unless the
  // user chose.
  if (multi_node && std::getenv("PARLEY_OFI_SCOPE") == nullptr) cfg.scope = ofi::Scope::network;
  if (auto st = fabric_.open(cfg); !st.ok())
    return Status(MPI_ERR_OTHER, std::string("cannot open the libfabric transport: ") + st.what);
  if (auto st = ep_.open(fabric_, static_cast<ofi::PeerId>(job.rank)); !st.ok())
    return Status(MPI_ERR_OTHER, std::string("cannot open the libfabric endpoint: ") + st.what);
  const auto addr = ep_.address();
  if (Status st = pmix_->put(kOfiAddressKey, addr.data(), addr.size()); !st) return st;
  if (Status st = pmix_->commit(); !st) return st;
  ofi_peers_ = std::make_unique<OfiPeer[]>(static_cast<std::size_t>(job.size));
  // Every other rank may flood us: each gets an equal share of the bound.
  const auto senders = static_cast<std::uint64_t>(std::max(1, job.size - 1));
  g_lending = cfg.lend_credit;
  ofi_credit_per_peer_ = cfg.unexpected_max / (g_lending ? 2 * senders : senders);
  for (int w = 0; w < job.size; ++w) ofi_peers_[static_cast<std::size_t>(w)].eager_credit = ofi_credit_per_peer_;
  g_lend.assign(static_cast<std::size_t>(job.size), Lend{ofi_credit_per_peer_});
  g_reserve = cfg.unexpected_max - senders * ofi_credit_per_peer_;
  g_reclaim_from = -1;
  g_max_grant = ofi_credit_per_peer_;
  g_unexpected_cap = cfg.unexpected_max;
  if (const char* s = std::getenv("PARLEY_OFI_TEST_LOSE"); s != nullptr && *s != '\0') {
    int who = -1, peer = -1;
    unsigned long long after = 0;
    if (std::sscanf(s, "%d:%d:%llu", &who, &peer, &after) == 3 && who == job.rank && peer >= 0 &&
        peer < job.size && peer != job.rank && after > 0) {
      g_lose_peer = peer;
      g_lose_after = after;
    }
  }
  for (int w = 0; w < job.size; ++w) {
    if (routes_[static_cast<std::size_t>(w)].kind == Route::none) routes_[static_cast<std::size_t>(w)] = PeerRoute{Route::ofi, w};
  }
  ofi_rma_ = ep_.has_rma();
  ofi_eager_max_ = std::min(params_.eager_limit, ep_.max_payload(kHeaderKeyLen));
  g_bare_max = std::min(params_.eager_limit, ep_.max_bare_payload());
  g_short_max = std::min(params_.eager_limit, ep_.max_payload(sizeof(OfiShortHeader)));
  ofi_chunk_ = ep_.max_payload(kHeaderLen);
  ofi_frag_max_ = cfg.frag_max;
  ofi_ready_ = true;
  return Status::ok();
}

void Engine::close_ofi() {
  if (!ofi_ready_) return;
  if (const char* s = std::getenv("PARLEY_OFI_STATS"); s != nullptr && *s != '\0' && *s != '0') {
    std::fprintf(stderr, "parley: rank %d: ofi unexpected eager bytes: peak %llu, cap %llu (%llu per peer)\n",
                 world_rank_, static_cast<unsigned long long>(ofi_unexpected_peak_),
                 static_cast<unsigned long long>(fabric_.config().unexpected_max),
                 static_cast<unsigned long long>(ofi_credit_per_peer_));
    std::fflush(stderr);
  }
  ofi_ready_ = false;
  ep_.close();
  fabric_.close();
}

bool Engine::ofi_idle() const {
  return !ofi_ready_ || (ofi_busy_.empty() && ep_.sends_in_flight() == 0 && ep_.reads_in_flight() == 0);
}

// Inserts `world` into the address vector on first use (PMIx_Get of the
// address it published), unless its first message already did.
bool Engine::ofi_ensure_peer(int world) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (p.inserted) return true;
  const auto id = static_cast<ofi::PeerId>(world);
  if (!ep_.knows_peer(id)) {
    std::vector<std::byte> addr;
    if (Status st = pmix_->get(world, kOfiAddressKey, addr); !st) {
      ofi_fail_peer(world, st.message());
      return false;
    }
    if (auto st = ep_.insert_peer(id, addr); !st.ok()) {
      ofi_fail_peer(world, st.what);
      return false;
    }
  }
  p.inserted = true;
  return true;
}

void Engine::ofi_make_busy(int world) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (p.busy) return;
  p.busy = true;
  ofi_busy_.push_back(world);
}

// Every message to `world` goes out here: it carries the eager credit owed
// to that peer (header must start with an OfiHeader).
transport::TransportStatus Engine::ofi_send(int world, const void* header, std::size_t header_len,
                                            transport::IovSpan payload) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  OfiHeader* m = static_cast<OfiHeader*>(const_cast<void*>(header));
  m->credit = static_cast<std::uint32_t>(std::min<std::uint64_t>(p.credit_owed, 0xffffffffu));
  auto st = ep_.try_send(static_cast<ofi::PeerId>(world), {static_cast<const std::byte*>(header), header_len},
                         payload);
  if (st.ok()) p.credit_owed -= m->credit;
  return st;
}

// `world`'s eager message of charge `bytes` was consumed: owe it back, and
// send a credit message once half its credit is owed (a reply will often
// carry it sooner).
void Engine::ofi_return_credit(int world, std::uint64_t bytes) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  p.credit_owed += bytes;
  if (g_lending && p.failed) {
    // A lost sender's credit goes back to the pool as its queued messages go.
    Lend& l = g_lend[static_cast<std::size_t>(world)];
    const std::uint64_t back = std::min(l.grant, bytes);
    l.grant -= back;
    g_reserve += back;
    return;
  }
  if (g_lending && !p.failed) {
    Lend& l = g_lend[static_cast<std::size_t>(world)];
    if (g_reserve != 0) {
      // It uses its credit: lend it as much again while the reserve lasts.
      const std::uint64_t bonus = std::min(g_reserve, bytes);
      g_reserve -= bonus;
      l.grant += bonus;
      g_max_grant = std::max(g_max_grant, l.grant);
      p.credit_owed += bonus;
    } else if (g_reclaim_from < 0 && g_max_grant > std::max(l.grant + bytes, ofi_credit_per_peer_)) {
      // Ask the biggest holder above the base, if it holds more than this
      // sender, for its surplus. (g_max_grant spares the search over all
      // ranks when nobody can hold more.)
      int top = -1;
      std::uint64_t most = std::max(l.grant + bytes, ofi_credit_per_peer_);
      std::uint64_t largest = l.grant;
      for (std::size_t w = 0; w < g_lend.size(); ++w) {
        if (static_cast<int>(w) == world || static_cast<int>(w) == world_rank_ || ofi_peers_[w].failed) continue;
        largest = std::max(largest, g_lend[w].grant);
        if (g_lend[w].grant > most) {
          most = g_lend[w].grant;
          top = static_cast<int>(w);
        }
      }
      g_max_grant = largest;
      if (top >= 0) {
        g_reclaim_from = top;
        MsgHeader h{};
        h.type = kReclaim;
        ofi_send_control(top, h);
      }
    }
  }
  if (p.credit_queued || p.failed || p.credit_owed < ofi_credit_per_peer_ / 2) return;
  p.credit_queued = true;
  MsgHeader h{};
  h.type = kCredit;
  ofi_send_control(world, h);
}

Engine::OfiCharge::~OfiCharge() {
  if (engine == nullptr || !engine->ofi_ready_) return;
  engine->ofi_unexpected_bytes_ -= bytes;
  if (static_cast<std::size_t>(src) < g_lend.size()) g_lend[static_cast<std::size_t>(src)].held -= bytes;
  engine->ofi_return_credit(src, bytes);
}

void Engine::ofi_start_send(Request* r, int world) {
  r->dest_local = -1;
  // xfer_*: fragments sent (a persistent request may have used them before).
  r->xfer_total = 0;
  r->xfer_done = 0;
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (p.failed) {
    ofi_fail_request(r, world, "the destination was lost earlier");
    return;
  }
  if (!ofi_ensure_peer(world)) {
    ofi_fail_request(r, world, "its address is unknown");
    return;
  }
  if (!p.pending.empty() || !ofi_try_transmit(r, world)) {
    p.pending.push_back(r);
    ofi_make_busy(world);
  }
}

// Hands r to the endpoint: true when done with it here (sent, or failed).
bool Engine::ofi_try_transmit(Request* r, int world) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (r->xfer_total != 0) return ofi_send_fragments(r, world);  // the rest of a fragmented one
  OfiHeader m{};
  MsgHeader& h = m.h;
  fill_envelope(h, r);
  // Short of eager credit: rendezvous, whatever the size.
  const std::uint64_t charge = eager_charge(r->buf.bytes);
  const bool credit_ok = charge <= p.eager_credit;
  std::uint64_t imm = 0;
  if (credit_ok && r->mode != p2p::SendMode::sync && r->buf.bytes <= g_bare_max &&
      (r->buf.bytes > g_short_max ||
       (p.credit_owed == 0 && !ep_.owes_credits(static_cast<ofi::PeerId>(world)))) &&
      encode_envelope(h, &imm) && ep_.can_send_bare(static_cast<ofi::PeerId>(world))) {
    iovec iov{r->buf.base, r->buf.bytes};
    auto st = ep_.try_send_bare(static_cast<ofi::PeerId>(world), imm,
                                transport::IovSpan(&iov, iov.iov_len ? 1 : 0));
    if (st.would_block()) return false;
    if (!st.ok()) {
      ofi_fail_peer(world, st.what);
      ofi_fail_request(r, world, st.what);
      return true;
    }
    p.eager_credit -= charge;
    ++g_bare_sent;
    complete(r);
    return true;
  }
  const bool eager = r->buf.bytes <= ofi_eager_max_ && credit_ok;
  // Medium messages: eager fragments of at most ofi_chunk_ bytes, sent back
  // to back (the first one carries the envelope), instead of a rendezvous.
  const bool frag = !eager && credit_ok && r->buf.bytes <= ofi_frag_max_ && ofi_chunk_ > 0;
  std::size_t header_len = kHeaderLen;
  if (frag) {
    h.type = r->mode == p2p::SendMode::sync ? MsgType::eager_sync : MsgType::eager;
    const std::size_t n = (r->buf.bytes + ofi_chunk_ - 1) / ofi_chunk_;
    const std::size_t first = (r->buf.bytes + n - 1) / n;
    iovec iov{r->buf.base, first};
    auto st = ofi_send(world, &m, header_len, transport::IovSpan(&iov, 1));
    if (st.would_block()) return false;
    if (!st.ok()) {
      ofi_fail_peer(world, st.what);
      ofi_fail_request(r, world, st.what);
      return true;
    }
    p.eager_credit -= charge;
    r->xfer_total = r->buf.bytes;
    r->xfer_done = first;
    return ofi_send_fragments(r, world);
  }
  if (eager) {
    h.type = r->mode == p2p::SendMode::sync ? MsgType::eager_sync : MsgType::eager;
    if (h.type == MsgType::eager) {
      OfiShortHeader sh;
      std::memcpy(sh.envelope, &h, kEnvelopeLen);
      sh.credit = static_cast<std::uint32_t>(std::min<std::uint64_t>(p.credit_owed, 0xffffffffu));
      iovec iov{r->buf.base, r->buf.bytes};
      auto st = ep_.try_send(static_cast<ofi::PeerId>(world), {reinterpret_cast<const std::byte*>(&sh), sizeof sh},
                             transport::IovSpan(&iov, iov.iov_len ? 1 : 0));
      if (st.would_block()) return false;
      if (!st.ok()) {
        ofi_fail_peer(world, st.what);
        ofi_fail_request(r, world, st.what);
        return true;
      }
      p.credit_owed -= sh.credit;
      p.eager_credit -= charge;
      complete(r);
      return true;
    }
  } else {
    h.type = MsgType::rts;
    if (ofi_rma_) {
      if (r->rndv_mr == nullptr) {
        auto* mr = new ofi::MemoryRegion;
        if (auto st = ep_.register_memory(r->buf.base, r->buf.bytes, mr); !st.ok()) {
          delete mr;
          ofi_fail_request(r, world, st.what);
          return true;
        }
        r->rndv_mr = mr;
      }
      const ofi::RemoteKey key = static_cast<ofi::MemoryRegion*>(r->rndv_mr)->remote();
      h.addr = key.addr;
      m.key = key.key;
      m.flags = kHasKey;
      header_len = kHeaderKeyLen;
    }
  }
  iovec iov{r->buf.base, eager ? r->buf.bytes : 0};
  auto st = ofi_send(world, &m, header_len, transport::IovSpan(&iov, iov.iov_len ? 1 : 0));
  if (st.would_block()) return false;
  if (!st.ok()) {
    ofi_fail_peer(world, st.what);
    ofi_fail_request(r, world, st.what);
    return true;
  }
  if (eager) p.eager_credit -= charge;
  if (h.type == MsgType::eager) {
    complete(r);
  } else {
    // Ssend waits for ack, rendezvous for fin (or cts_pipe, then the train).
    p.waiting.push_back(r);
  }
  return true;
}

// Sends r's fragments from r->xfer_done on (equal pieces of at most
// ofi_chunk_ bytes): true when all went out (r then completes, or waits for
// the ack of a synchronous send) or failed; false when the endpoint is full
// (r stays first in the peer's pending queue, so nothing overtakes it).
bool Engine::ofi_send_fragments(Request* r, int world) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  const std::size_t n = (r->xfer_total + ofi_chunk_ - 1) / ofi_chunk_;
  const std::size_t piece = (r->xfer_total + n - 1) / n;
  while (r->xfer_done < r->xfer_total) {
    OfiHeader m{};
    m.h.type = kFrag;
    m.h.size = r->xfer_done;
    const std::size_t len = std::min<std::size_t>(piece, r->xfer_total - r->xfer_done);
    iovec iov{static_cast<std::byte*>(r->buf.base) + r->xfer_done, len};
    auto st = ofi_send(world, &m, kHeaderLen, transport::IovSpan(&iov, 1));
    if (st.would_block()) return false;
    if (!st.ok()) {
      ofi_fail_peer(world, st.what);
      ofi_fail_request(r, world, st.what);
      return true;
    }
    r->xfer_done += len;
  }
  r->xfer_total = 0;
  r->xfer_done = 0;
  if (r->mode == p2p::SendMode::sync) {
    p.waiting.push_back(r);
  } else {
    complete(r);
  }
  return true;
}

void Engine::ofi_send_control(int world, const MsgHeader& h) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (p.failed) return;
  if (p.control.empty() && ofi_ensure_peer(world)) {
    OfiHeader m{};
    m.h = h;
    auto st = ofi_send(world, &m, kHeaderLen, {});
    if (st.ok()) {
      if (h.type == kCredit) p.credit_queued = false;
      return;
    }
    if (!st.would_block()) {
      ofi_fail_peer(world, st.what);
      return;
    }
  }
  if (p.failed) return;
  p.control.push_back(h);
  ofi_make_busy(world);
}

void Engine::ofi_flush_peer(int world) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  while (!p.control.empty()) {
    OfiHeader m{};
    m.h = p.control.front();
    if (m.h.type == kCredit && p.credit_owed == 0) {
      // An earlier message carried it already.
      p.credit_queued = false;
      p.control.pop_front();
      continue;
    }
    auto st = ofi_send(world, &m, kHeaderLen, {});
    if (st.would_block()) return;
    if (!st.ok()) {
      ofi_fail_peer(world, st.what);
      return;
    }
    if (m.h.type == kCredit) p.credit_queued = false;
    p.control.pop_front();
  }
  while (!p.reads.empty()) {
    Request* r = p.reads.front();
    p.reads.pop_front();
    const std::size_t before = p.reads.size();
    ofi_start_read(r, world);
    if (p.reads.size() > before) {
      // Still no read slot: it went back to the end; restore the order.
      p.reads.pop_back();
      p.reads.push_front(r);
      break;
    }
  }
  while (Request* r = p.pending.front()) {
    p.pending.remove(r);
    if (!ofi_try_transmit(r, world)) {
      p.pending.push_front(r);
      return;
    }
    if (p.failed) return;
  }
  while (!p.trains.empty()) {
    Request* r = p.trains.front();
    while (r->xfer_done < r->xfer_total) {
      OfiHeader m{};
      m.h.type = MsgType::pipe_data;
      m.h.addr = r->remote_req;
      m.h.size = r->xfer_done;
      const std::size_t len = std::min<std::size_t>(ofi_chunk_, r->xfer_total - r->xfer_done);
      iovec iov{static_cast<std::byte*>(r->buf.base) + r->xfer_done, len};
      auto st = ofi_send(world, &m, kHeaderLen, transport::IovSpan(&iov, 1));
      if (st.would_block()) return;
      if (!st.ok()) {
        ofi_fail_peer(world, st.what);
        return;
      }
      r->xfer_done += len;
    }
    p.trains.pop_front();
    ofi_unwait(world, r);
    complete(r);
  }
}

void Engine::ofi_progress() {
  auto handler = [this](const ofi::OfiEvent& ev) { on_ofi_event(ev); };
  std::size_t got = ep_.poll(handler);
  // A provider may hand over one completion per poll (ofi_rxm does), and a
  // waiter backs off between polls (a sched_yield once its spin is over).
  // While more is known to be on its way -- receives still posted, a
  // fragmented message half received, rendezvous reads in flight -- poll
  // again now. A ping-pong's receive is no longer posted once its message
  // came, so the common small exchange pays no extra poll.
  for (int extra = 0; got != 0 && extra < kMaxRepoll; ++extra) {
    if (match_.posted_count() == 0 && g_frags_matched == 0 && ep_.reads_in_flight() == 0) break;
    got = ep_.poll(handler);
  }
  for (std::size_t i = 0; i < ofi_busy_.size();) {
    const int world = ofi_busy_[i];
    OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
    if (!p.failed) ofi_flush_peer(world);
    if (p.failed || (p.pending.empty() && p.control.empty() && p.trains.empty() && p.reads.empty())) {
      p.busy = false;
      ofi_busy_[i] = ofi_busy_.back();
      ofi_busy_.pop_back();
    } else {
      ++i;
    }
  }
}

void Engine::on_ofi_event(const ofi::OfiEvent& ev) {
  switch (ev.kind) {
    case ofi::EventKind::message:
      if (ev.peer >= routes_.size()) [[unlikely]] {
        std::fprintf(stderr, "parley: rank %d: a message from unknown peer %u was dropped\n", world_rank_,
                     ev.peer);
        return;
      }
      if (ev.bare) {
        // The envelope came as the endpoint's immediate: rebuild the short
        // header it stands for (no credit rides on a bare message).
        MsgHeader h{};
        decode_envelope(ev.imm, &h);
        OfiShortHeader sh{};
        std::memcpy(sh.envelope, &h, kEnvelopeLen);
        sh.credit = 0;
        on_ofi_message(static_cast<int>(ev.peer), {reinterpret_cast<const std::byte*>(&sh), sizeof sh},
                       ev.payload);
      } else {
        on_ofi_message(static_cast<int>(ev.peer), ev.header, ev.payload);
      }
      if (static_cast<int>(ev.peer) == g_lose_peer && g_lose_after != 0 && --g_lose_after == 0) [[unlikely]]
        ofi_fail_peer(g_lose_peer, "injected fault (PARLEY_OFI_TEST_LOSE)");
      return;
    case ofi::EventKind::read_done: {
      auto* r = reinterpret_cast<Request*>(ev.cookie);
      const int src = static_cast<int>(ev.peer);
      ofi_unwait(src, r);
      MsgHeader fin{};
      fin.type = MsgType::fin;
      fin.sender_req = r->remote_req;
      ofi_send_control(src, fin);
      complete(r);
      return;
    }
    case ofi::EventKind::error: {
      if (ev.op == ofi::OpKind::read && ev.cookie != 0) {
        auto* r = reinterpret_cast<Request*>(ev.cookie);
        const int src = static_cast<int>(ev.peer);
        ofi_unwait(src, r);
        // Let the sender finish too (if it can still hear us).
        MsgHeader fin{};
        fin.type = MsgType::fin;
        fin.sender_req = r->remote_req;
        ofi_send_control(src, fin);
        ofi_fail_request(r, src, ev.status.what);
        return;
      }
      if (ev.peer != ofi::kNoPeer && ev.peer < routes_.size()) {
        ofi_fail_peer(static_cast<int>(ev.peer), ev.status.what);
      } else {
        std::fprintf(stderr, "parley: rank %d: libfabric error: %s\n", world_rank_, ev.status.what);
      }
      return;
    }
  }
}

void Engine::on_ofi_message(int src, std::span<const std::byte> header, std::span<const std::byte> payload) {
  OfiHeader m{};
  if (header.size() == sizeof(OfiShortHeader)) {
    std::memcpy(static_cast<void*>(&m.h), header.data(), kEnvelopeLen);
    std::memcpy(&m.credit, header.data() + kEnvelopeLen, sizeof m.credit);
    m.h.size = payload.size();
  } else if (header.size() >= kHeaderLen) [[likely]] {
    std::memcpy(&m, header.data(), std::min(header.size(), sizeof m));
  }
  if ((header.size() == sizeof(OfiShortHeader) && m.h.type != MsgType::eager) ||
      (header.size() != sizeof(OfiShortHeader) && header.size() < kHeaderLen)) [[unlikely]] {
    std::fprintf(stderr, "parley: rank %d: a malformed message from rank %d was dropped\n", world_rank_, src);
    return;
  }
  const MsgHeader& h = m.h;
  OfiPeer& peer = ofi_peers_[static_cast<std::size_t>(src)];
  // The first message from a peer carries its address: replies need no PMIx_Get.
  peer.inserted = true;
  if (m.credit != 0) {
    peer.eager_credit += m.credit;
    // Sends that went by rendezvous for want of credit may now go eager.
    if (!peer.pending.empty()) ofi_make_busy(src);
  }
  if (h.type == kCredit) return;  // all it carries is m.credit
  if (h.type == kReclaim) {
    // Give back what we hold above the base (what is in flight stays ours).
    const std::uint64_t give = peer.eager_credit > ofi_credit_per_peer_ ? peer.eager_credit - ofi_credit_per_peer_ : 0;
    peer.eager_credit -= give;
    MsgHeader back{};
    back.type = kGiveBack;
    back.size = give;
    ofi_send_control(src, back);
    return;
  }
  if (h.type == kGiveBack) {
    if (g_lending) {
      Lend& l = g_lend[static_cast<std::size_t>(src)];
      const std::uint64_t give = std::min<std::uint64_t>(h.size, l.grant);
      l.grant -= give;
      g_reserve += give;
    }
    if (g_reclaim_from == src) g_reclaim_from = -1;
    return;
  }
  if (h.type == kFrag) {
    if (!peer.frag_active || h.size != peer.frag_got) [[unlikely]] {
      std::fprintf(stderr, "parley: rank %d: a stray message fragment from rank %d was dropped\n", world_rank_,
                   src);
      return;
    }
    if (Request* r = peer.frag_req) {
      if (h.size < r->status.bytes) {
        const std::size_t n = std::min<std::size_t>(payload.size(), r->status.bytes - h.size);
        std::memcpy(static_cast<std::byte*>(r->buf.base) + h.size, payload.data(), n);
      }
    } else {
      peer.frag_data.insert(peer.frag_data.end(), payload.begin(), payload.end());
    }
    peer.frag_got += payload.size();
    if (peer.frag_got >= peer.frag_header.size) ofi_frag_end(src);
    return;
  }
  if ((h.type == MsgType::eager || h.type == MsgType::eager_sync) && h.size > payload.size()) {
    ofi_frag_begin(src, h, payload);
    return;
  }
  switch (h.type) {
    case MsgType::eager:
    case MsgType::eager_sync:
    case MsgType::rts: {
      const bool has_key = (m.flags & kHasKey) != 0 && header.size() >= kHeaderKeyLen;
      const std::uint64_t key = m.key;
      if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
        auto* r = static_cast<Request*>(pr->owner);
        if (h.type == MsgType::rts) {
          ofi_deliver_rts(r, h, has_key, key, src);
        } else {
          deliver_eager(r, h, payload);
          ofi_return_credit(src, eager_charge(h.size));
          if (h.type == MsgType::eager_sync) {
            MsgHeader ack{};
            ack.type = MsgType::ack;
            ack.sender_req = h.sender_req;
            ofi_send_control(src, ack);
          }
        }
        return;
      }
      ofi_add_unexpected(src, h, has_key, key, std::vector<std::byte>(payload.begin(), payload.end()));
      return;
    }
    case MsgType::fin:
    case MsgType::ack: {
      auto* r = reinterpret_cast<Request*>(h.sender_req);
      ofi_unwait(src, r);
      ofi_release(r);
      complete(r);
      return;
    }
    case MsgType::cts_pipe: {
      auto* r = reinterpret_cast<Request*>(h.sender_req);
      r->remote_req = h.addr;
      r->xfer_total = r->buf.bytes;
      r->xfer_done = 0;
      peer.trains.push_back(r);
      ofi_make_busy(src);
      return;
    }
    case MsgType::pipe_data: {
      auto* r = reinterpret_cast<Request*>(h.addr);
      const std::uint64_t off = h.size;
      // A truncated receive keeps what fits and counts the rest.
      if (off < r->status.bytes) {
        const std::size_t n = std::min<std::size_t>(payload.size(), r->status.bytes - off);
        std::memcpy(static_cast<std::byte*>(r->buf.base) + off, payload.data(), n);
      }
      r->xfer_done += payload.size();
      if (r->xfer_done >= r->xfer_total) {
        ofi_unwait(src, r);
        complete(r);
      }
      return;
    }
    case MsgType::cts_split:
    case MsgType::fin_split:
      return;  // shared memory only
  }
}

// An eager message (data: its payload) or an rts that matched no receive.
void Engine::ofi_add_unexpected(int src, const MsgHeader& h, bool has_key, std::uint64_t key,
                                std::vector<std::byte>&& data) {
  auto* u = new UnexpectedMsg;
  u->entry.key = {h.context, h.source, h.tag};
  u->entry.owner = u;
  u->header = h;
  u->src_local = src;
  u->via_ofi = true;
  u->has_key = has_key;
  u->rkey = key;
  if (h.type != MsgType::rts) {
    u->data = std::move(data);
    u->charge.engine = this;
    u->charge.src = src;
    u->charge.bytes = static_cast<std::uint32_t>(eager_charge(h.size));
    ofi_unexpected_bytes_ += u->charge.bytes;
    Lend& l = g_lend[static_cast<std::size_t>(src)];
    l.held += u->charge.bytes;
    OfiPeer& p = ofi_peers_[static_cast<std::size_t>(src)];
    if (g_lending && g_reserve != 0 && l.held * 2 > l.grant && !p.failed) [[unlikely]] {
      // Half its grant waits here unconsumed (a flood before the receives):
      // lend it as much again now, while the reserve lasts, so it does not
      // fall back to rendezvous -- whose standard-mode send would wait for
      // a receive the program may post only after later messages.
      const std::uint64_t bonus = std::min(g_reserve, l.grant);
      g_reserve -= bonus;
      l.grant += bonus;
      g_max_grant = std::max(g_max_grant, l.grant);
      p.credit_owed += bonus;
      if (!p.credit_queued) {
        p.credit_queued = true;
        MsgHeader c{};
        c.type = kCredit;
        ofi_send_control(src, c);
      }
    }
    if (ofi_unexpected_bytes_ > ofi_unexpected_peak_) {
      ofi_unexpected_peak_ = ofi_unexpected_bytes_;
      g_unexpected_peak = ofi_unexpected_peak_;
    }
  }
  match_.add_unexpected(&u->entry);
}

// The first fragment of a fragmented eager message. A receive it matches
// now takes the fragments straight into its buffer; otherwise they gather
// here and the message becomes visible to matching (and probes) only when
// complete, so a receive posted meanwhile still matches it in order.
void Engine::ofi_frag_begin(int src, const MsgHeader& h, std::span<const std::byte> payload) {
  OfiPeer& peer = ofi_peers_[static_cast<std::size_t>(src)];
  peer.frag_active = true;
  peer.frag_header = h;
  peer.frag_got = payload.size();
  peer.frag_req = nullptr;
  peer.frag_data.clear();
  if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
    auto* r = static_cast<Request*>(pr->owner);
    set_status(r, h);
    std::memcpy(r->buf.base, payload.data(), std::min<std::size_t>(payload.size(), r->status.bytes));
    peer.frag_req = r;
    ++g_frags_matched;
    peer.waiting.push_back(r);  // fails with the peer if it is lost meanwhile
    return;
  }
  peer.frag_data.reserve(h.size);
  peer.frag_data.assign(payload.begin(), payload.end());
}

// The last fragment arrived.
void Engine::ofi_frag_end(int src) {
  OfiPeer& peer = ofi_peers_[static_cast<std::size_t>(src)];
  const MsgHeader h = peer.frag_header;
  peer.frag_active = false;
  Request* r = peer.frag_req;
  peer.frag_req = nullptr;
  if (r != nullptr) {
    --g_frags_matched;
    ofi_unwait(src, r);
    complete(r);
  } else if (p2p::PostedRecv* pr = match_.match_arrival(h.context, h.source, h.tag)) {
    deliver_eager(static_cast<Request*>(pr->owner), h, peer.frag_data);
    peer.frag_data.clear();
  } else {
    ofi_add_unexpected(src, h, false, 0, std::move(peer.frag_data));
    peer.frag_data = {};
    return;  // the unexpected copy gives the credit back when freed
  }
  ofi_return_credit(src, eager_charge(h.size));
  if (h.type == MsgType::eager_sync) {
    MsgHeader ack{};
    ack.type = MsgType::ack;
    ack.sender_req = h.sender_req;
    ofi_send_control(src, ack);
  }
}

void Engine::ofi_deliver_rts(Request* r, const MsgHeader& h, bool has_key, std::uint64_t key, int src) {
  set_status(r, h);
  r->remote_req = h.sender_req;
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(src)];
  if (p.failed) {
    ofi_fail_request(r, src, "the sender was lost");
    return;
  }
  if (!has_key) {
    r->xfer_total = h.size;
    r->xfer_done = 0;
    p.waiting.push_back(r);
    MsgHeader cts{};
    cts.type = MsgType::cts_pipe;
    cts.sender_req = h.sender_req;
    cts.addr = reinterpret_cast<std::uint64_t>(r);
    ofi_send_control(src, cts);
    return;
  }
  r->remote_addr = h.addr;
  r->remote_key = key;
  if (r->status.bytes == 0 || !p.reads.empty()) {
    if (r->status.bytes == 0) {
      MsgHeader fin{};
      fin.type = MsgType::fin;
      fin.sender_req = h.sender_req;
      ofi_send_control(src, fin);
      complete(r);
      return;
    }
    p.reads.push_back(r);
    ofi_make_busy(src);
    return;
  }
  ofi_start_read(r, src);
}

// Reads the rendezvous data into r's buffer; queued on the peer when no read
// slot is free.
void Engine::ofi_start_read(Request* r, int src) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(src)];
  if (!ofi_ensure_peer(src)) {
    ofi_fail_request(r, src, "its address is unknown");
    return;
  }
  iovec local{r->buf.base, r->status.bytes};
  auto st = ep_.read(static_cast<ofi::PeerId>(src), transport::IovSpan(&local, 1),
                     ofi::RemoteKey{r->remote_addr, r->remote_key}, reinterpret_cast<std::uint64_t>(r));
  if (st.would_block()) {
    p.reads.push_back(r);
    ofi_make_busy(src);
    return;
  }
  if (!st.ok()) {
    MsgHeader fin{};
    fin.type = MsgType::fin;
    fin.sender_req = r->remote_req;
    ofi_send_control(src, fin);
    ofi_fail_request(r, src, st.what);
    return;
  }
  p.waiting.push_back(r);
}

void Engine::ofi_unwait(int world, Request* r) {
  if (r->wait_link.linked()) ofi_peers_[static_cast<std::size_t>(world)].waiting.remove(r);
}

void Engine::ofi_release(Request* r) {
  if (r->rndv_mr == nullptr) return;
  delete static_cast<ofi::MemoryRegion*>(r->rndv_mr);
  r->rndv_mr = nullptr;
}

void Engine::ofi_fail_request(Request* r, int world, const std::string& why) {
  // A lost peer was reported once already; other failures name theirs here.
  if (!ofi_peers_[static_cast<std::size_t>(world)].failed) {
    std::fprintf(stderr, "parley: rank %d: a transfer with rank %d failed (libfabric): %s\n", world_rank_, world,
                 why.c_str());
    std::fflush(stderr);
  }
  ofi_release(r);
  r->status.error = MPI_ERR_OTHER;
  complete(r);
}

// The peer is gone (a provider error, or its address could not be had):
// say so once, and end everything that waits for it.
void Engine::ofi_fail_peer(int world, const std::string& why) {
  OfiPeer& p = ofi_peers_[static_cast<std::size_t>(world)];
  if (p.failed) return;
  p.failed = true;
  if (g_reclaim_from == world) g_reclaim_from = -1;  // its answer will not come
  if (g_lending) {
    // Its grant returns to the reserve, for the other senders: at once but
    // for what its queued unexpected messages still take (that part as
    // they are consumed, ofi_return_credit). Its messages in flight, if any
    // still arrive, count against what it kept.
    Lend& l = g_lend[static_cast<std::size_t>(world)];
    const std::uint64_t back = l.grant - std::min(l.grant, l.held);
    l.grant -= back;
    g_reserve += back;
  }
  // Later sends and receives naming it fail at once (check_reachable).
  routes_[static_cast<std::size_t>(world)].kind = Route::lost;
  std::fprintf(stderr, "parley: rank %d: lost the connection to rank %d (libfabric): %s\n", world_rank_, world,
               why.c_str());
  std::fflush(stderr);
  p.control.clear();
  p.trains.clear();
  p.frag_active = false;
  if (p.frag_req != nullptr) --g_frags_matched;
  p.frag_req = nullptr;  // it is in `waiting`
  p.frag_data = {};
  while (!p.reads.empty()) {
    Request* r = p.reads.front();
    p.reads.pop_front();
    ofi_fail_request(r, world, why);
  }
  while (Request* r = p.pending.front()) {
    p.pending.remove(r);
    ofi_fail_request(r, world, why);
  }
  while (Request* r = p.waiting.front()) {
    p.waiting.remove(r);
    ofi_fail_request(r, world, why);
  }
  // Receives posted for it before the loss can never be matched now.
  // Receives from MPI_ANY_SOURCE stay posted: other ranks may match them.
  std::vector<p2p::PostedRecv*> orphans;
  match_.take_posted_if(
      [&](const p2p::PostedRecv& pr) {
        const Request* r = static_cast<const Request*>(pr.owner);
        return r->comm != nullptr && r->peer >= 0 && r->comm->world_rank(r->peer) == world;
      },
      orphans);
  for (p2p::PostedRecv* pr : orphans) ofi_fail_request(static_cast<Request*>(pr->owner), world, why);
}

}  // namespace parley

// Test hooks (exported as parley_*): the most unexpected ofi eager bytes
// (payload + 128 per message) this process held at once, and the bound
// they are held to (PARLEY_OFI_UNEXPECTED_MAX); 0 before libfabric is used.
extern "C" unsigned long long parley_debug_ofi_unexpected_peak(void) { return parley::g_unexpected_peak; }
extern "C" unsigned long long parley_debug_ofi_unexpected_cap(void) { return parley::g_unexpected_cap; }
// Credit lending, receiver side: what this process granted world rank
// `sender` (base + lent - given back), and its reserve; grants + reserve =
// the cap while lending is on (PARLEY_OFI_LEND).
extern "C" unsigned long long parley_debug_ofi_grant(int sender) {
  return sender >= 0 && static_cast<std::size_t>(sender) < parley::g_lend.size()
             ? parley::g_lend[static_cast<std::size_t>(sender)].grant
             : 0;
}
extern "C" unsigned long long parley_debug_ofi_reserve(void) { return parley::g_reserve; }
// Bare messages (envelope in remote CQ data): the largest payload this
// process sends bare (0: the provider granted no CQ data, or ofi is not
// used), and how many it sent.
extern "C" unsigned long long parley_debug_ofi_bare_max(void) { return parley::g_bare_max; }
extern "C" unsigned long long parley_debug_ofi_bare_sent(void) { return parley::g_bare_sent; }
