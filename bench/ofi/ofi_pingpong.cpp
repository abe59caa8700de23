// ofi_pingpong: latency and bandwidth of the ofi transport between two
// fork()ed processes over the chosen provider/interface (loopback by
// default), OSU layout. Up to max_payload() bytes go eager (copy into one
// message each way); larger sizes use the rendezvous the runtime will use:
// an eager RTS carrying a RemoteKey, then fi_read by the receiver (buffers
// registered once per size, as a registration cache would). Each value is
// the median of --reps runs.
//   ofi_pingpong [--test=latency|bw] [--iters=N] [--reps=N] [--max=BYTES] [--window=N]
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "transport/common/backoff.hpp"
#include "transport/ofi/ofi_config.hpp"
#include "transport/ofi/ofi_endpoint.hpp"
#include "transport/ofi/ofi_fabric.hpp"

using namespace parley::transport;
using namespace parley::transport::ofi;

namespace {

std::string option(int argc, char** argv, const char* name, const char* def) {
  const std::string key = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], key.c_str(), key.size()) == 0) return argv[i] + key.size();
  }
  return def;
}

double now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

bool io_all(int fd, void* p, std::size_t n, bool wr) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    ssize_t r = wr ? ::write(fd, c, n) : ::read(fd, c, n);
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

struct Rts {
  RemoteKey key;
  std::uint64_t len;
};

[[noreturn]] void die(const char* what, const TransportStatus& st) {
  std::fprintf(stderr, "ofi_pingpong: %s: %s\n", what, st.what);
  _exit(1);
}

// One side of the benchmark: an endpoint, the peer, and a message inbox.
struct Side {
  Fabric fabric;
  Endpoint ep;
  PeerId me = 0, peer = 1;
  std::size_t got = 0;         // messages received
  std::size_t reads_done = 0;  // read completions
  Rts last_rts{};
  // Two processes on a possibly crowded node: spin, then yield (DESIGN §2.7).
  Backoff backoff{node_oversubscribed(2)};

  void poll() {
    if (ep.poll([&](const OfiEvent& ev) {
          if (ev.kind == EventKind::message) {
            if (ev.header.size() == sizeof(Rts)) std::memcpy(&last_rts, ev.header.data(), sizeof(Rts));
            ++got;
          } else if (ev.kind == EventKind::read_done) {
            ++reads_done;
          } else {
            die("poll", ev.status);
          }
        }) == 0) {
      backoff.pause();
    } else {
      backoff.reset();
    }
  }
  void send(std::span<const std::byte> header, const void* buf, std::size_t len) {
    iovec v{const_cast<void*>(buf), len};
    for (;;) {
      TransportStatus st = ep.try_send(peer, header, IovSpan(&v, len != 0 ? 1 : 0));
      if (st.ok()) return;
      if (!st.would_block()) die("try_send", st);
      poll();
    }
  }
  void wait_messages(std::size_t n) {
    while (got < n) poll();
  }
  void read_into(void* buf, std::size_t len, const Rts& rts) {
    iovec v{buf, len};
    for (;;) {
      TransportStatus st = ep.read(peer, IovSpan(&v, 1), rts.key, 0);
      if (st.ok()) return;
      if (!st.would_block()) die("read", st);
      poll();
    }
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string test = option(argc, argv, "test", "latency");
  const std::size_t base_iters = std::stoul(option(argc, argv, "iters", "10000"));
  const std::size_t reps = std::stoul(option(argc, argv, "reps", "3"));
  const std::size_t max_size = std::stoul(option(argc, argv, "max", "4194304"));
  const std::size_t window = std::stoul(option(argc, argv, "window", "64"));
  const bool bw = test == "bw";

  int a2b[2], b2a[2];
  if (pipe(a2b) != 0 || pipe(b2a) != 0) return 1;
  pid_t child = fork();
  const PeerId me = child == 0 ? 1 : 0;
  Side s;
  s.me = me;
  s.peer = 1 - me;
  OfiConfig cfg;
  if (auto st = OfiConfig::from_env(&cfg); !st.ok()) die("config", st);
  if (auto st = s.fabric.open(cfg); !st.ok()) die("fabric", st);
  if (auto st = s.ep.open(s.fabric, me); !st.ok()) die("endpoint", st);
  // Exchange addresses through the pipes (PMIx in the runtime).
  std::uint32_t alen = static_cast<std::uint32_t>(s.ep.address().size());
  std::vector<std::byte> peer_addr(alen);
  const int out = me == 0 ? a2b[1] : b2a[1];
  const int in = me == 0 ? b2a[0] : a2b[0];
  if (!io_all(out, const_cast<std::byte*>(s.ep.address().data()), alen, true) ||
      !io_all(in, peer_addr.data(), alen, false)) {
    return 1;
  }
  if (auto st = s.ep.insert_peer(s.peer, peer_addr); !st.ok()) die("insert_peer", st);
  if (me == 0) {
    std::printf("# Parley ofi %s (%s, %s, %s)\n", bw ? "bandwidth" : "latency", s.fabric.provider_name(),
                s.fabric.domain_name(), s.ep.has_rma() ? "rendezvous fi_read" : "no FI_RMA");
    std::printf("%-10s%18s\n", "# Size", bw ? "Bandwidth (MB/s)" : "Latency (us)");
  }
  const std::size_t eager_max = s.ep.max_payload(0);
  std::vector<std::byte> sbuf(max_size, std::byte{1}), rbuf(max_size, std::byte{2});
  // Warm-up: connection set-up both ways.
  if (me == 0) {
    s.send({}, nullptr, 0);
    s.wait_messages(1);
  } else {
    s.wait_messages(1);
    s.send({}, nullptr, 0);
  }
  for (std::size_t size = 0; size <= max_size; size = size == 0 ? 1 : size * 2) {
    const bool rndv = size > eager_max;
    if (rndv && !s.ep.has_rma()) break;
    MemoryRegion mr;
    Rts rts{};
    if (rndv) {
      if (auto st = s.ep.register_memory(sbuf.data(), size, &mr); !st.ok()) die("register", st);
      rts = Rts{mr.remote(), size};
    }
    const std::span<const std::byte> rts_header(reinterpret_cast<const std::byte*>(&rts), sizeof rts);
    std::size_t iters =
        std::max<std::size_t>(20, std::min(base_iters, (std::size_t{512} << 20) / (size + 1)));
    if (bw) iters = std::max<std::size_t>(5, iters / window);
    std::vector<double> results;
    for (std::size_t r = 0; r < reps; ++r) {
      const double t0 = now_us();
      for (std::size_t i = 0; i < iters; ++i) {
        if (!bw) {
          // Ping-pong: me 0 sends first, me 1 answers the same size.
          for (int turn = 0; turn < 2; ++turn) {
            const bool my_turn = (turn == 0) == (me == 0);
            if (my_turn) {
              if (rndv) {
                s.send(rts_header, nullptr, 0);
              } else {
                s.send({}, sbuf.data(), size);
              }
            } else {
              s.wait_messages(s.got + 1);
              if (rndv) {
                const std::size_t done = s.reads_done;
                s.read_into(rbuf.data(), size, s.last_rts);
                while (s.reads_done == done) s.poll();
              }
            }
          }
        } else if (me == 0) {
          for (std::size_t w = 0; w < window; ++w) {
            if (rndv) {
              s.send(rts_header, nullptr, 0);
            } else {
              s.send({}, sbuf.data(), size);
            }
          }
          s.wait_messages(s.got + 1);  // the ack of the window
        } else {
          const std::size_t base = s.got, done = s.reads_done;
          for (std::size_t w = 0; w < window; ++w) {
            s.wait_messages(base + w + 1);
            if (rndv) s.read_into(rbuf.data(), size, s.last_rts);
          }
          if (rndv) {
            while (s.reads_done < done + window) s.poll();
          }
          s.send({}, nullptr, 0);
        }
      }
      const double us = now_us() - t0;
      results.push_back(bw ? static_cast<double>(size) * static_cast<double>(iters * window) / us
                           : us / static_cast<double>(2 * iters));
    }
    if (me == 0) std::printf("%-10zu%18.2f\n", size, median(results));
    std::fflush(stdout);
    // Keep the sizes in lock-step (the peer may still be serving reads).
    if (me == 0) {
      s.send({}, nullptr, 0);
      s.wait_messages(s.got + 1);
    } else {
      s.wait_messages(s.got + 1);
      s.send({}, nullptr, 0);
    }
  }
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
