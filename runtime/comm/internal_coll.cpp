// Binomial-tree reduce/bcast/gather for the communicator constructors.
#include "comm/internal_coll.hpp"

#include <cstring>

#include "runtime.hpp"

namespace parley {
namespace {

Engine& engine() { return Runtime::get().engine(); }

Status wait_free(Result<p2p::Request*> r) {
  if (!r.is_ok()) return r.status();
  engine().wait(r.value());
  engine().free_request(r.value());
  return Status::ok();
}

// Members relative to the root, so the trees below can assume root 0.
int rel(const Participants& p, int root) { return (p.me - root + p.n) % p.n; }
int abs_index(const Participants& p, int rel_index, int root) { return (rel_index + root) % p.n; }

}  // namespace

Participants Participants::all_of(Communicator& c, int tag) {
  Participants p;
  p.via = &c.coll_view();
  p.me = c.rank();
  p.n = c.local_size();
  p.tag = tag;
  return p;
}

Status send_bytes(Communicator* via, int dest, int tag, const void* buf, std::size_t bytes) {
  return wait_free(engine().isend(via, p2p::Buffer{const_cast<void*>(buf), bytes}, dest, tag, p2p::SendMode::standard));
}

Status recv_bytes(Communicator* via, int source, int tag, void* buf, std::size_t bytes) {
  return wait_free(engine().irecv(via, p2p::Buffer{buf, bytes}, source, tag));
}

Status sendrecv_bytes(Communicator* via, int peer, int tag, const void* out, std::size_t out_bytes, void* in,
                      std::size_t in_bytes) {
  auto r = engine().irecv(via, p2p::Buffer{in, in_bytes}, peer, tag);
  if (!r.is_ok()) return r.status();
  auto s = engine().isend(via, p2p::Buffer{const_cast<void*>(out), out_bytes}, peer, tag, p2p::SendMode::standard);
  if (!s.is_ok()) {
    engine().cancel(r.value());
    engine().wait(r.value());
    engine().free_request(r.value());
    return s.status();
  }
  engine().wait(s.value());
  engine().free_request(s.value());
  engine().wait(r.value());
  engine().free_request(r.value());
  return Status::ok();
}

Status allreduce_and(const Participants& p, std::span<std::uint64_t> words) {
  if (p.n <= 1) return Status::ok();
  std::vector<std::uint64_t> tmp(words.size());
  const std::size_t bytes = words.size_bytes();
  // Reduce to member 0 ...
  for (int mask = 1; mask < p.n; mask <<= 1) {
    if (p.me & mask) {
      if (Status st = send_bytes(p.via, p.peer(p.me - mask), p.tag, words.data(), bytes); !st) return st;
      break;
    }
    if (p.me + mask < p.n) {
      if (Status st = recv_bytes(p.via, p.peer(p.me + mask), p.tag, tmp.data(), bytes); !st) return st;
      for (std::size_t i = 0; i < words.size(); ++i) words[i] &= tmp[i];
    }
  }
  // ... and back out.
  return bcast(p, words.data(), bytes, 0);
}

Status bcast(const Participants& p, void* buf, std::size_t bytes, int root) {
  if (p.n <= 1) return Status::ok();
  const int me = rel(p, root);
  int mask = 1;
  while (mask < p.n) {
    if (me & mask) {
      int parent = abs_index(p, me - mask, root);
      if (Status st = recv_bytes(p.via, p.peer(parent), p.tag, buf, bytes); !st) return st;
      break;
    }
    mask <<= 1;
  }
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (me + mask < p.n) {
      int child = abs_index(p, me + mask, root);
      if (Status st = send_bytes(p.via, p.peer(child), p.tag, buf, bytes); !st) return st;
    }
  }
  return Status::ok();
}

Status allgather(const Participants& p, const void* mine, std::size_t bytes, void* all) {
  auto* out = static_cast<std::byte*>(all);
  std::memcpy(out + static_cast<std::size_t>(p.me) * bytes, mine, bytes);
  if (p.n <= 1) return Status::ok();
  // Binomial gather to member 0: member m collects blocks m..m+2^k-1.
  for (int mask = 1; mask < p.n; mask <<= 1) {
    if (p.me & mask) {
      int have = std::min(mask, p.n - p.me);
      if (Status st = send_bytes(p.via, p.peer(p.me - mask), p.tag, out + static_cast<std::size_t>(p.me) * bytes,
                                 static_cast<std::size_t>(have) * bytes);
          !st)
        return st;
      break;
    }
    if (p.me + mask < p.n) {
      int child = p.me + mask;
      int count = std::min(mask, p.n - child);
      if (Status st = recv_bytes(p.via, p.peer(child), p.tag, out + static_cast<std::size_t>(child) * bytes,
                                 static_cast<std::size_t>(count) * bytes);
          !st)
        return st;
    }
  }
  return bcast(p, all, static_cast<std::size_t>(p.n) * bytes, 0);
}

}  // namespace parley
