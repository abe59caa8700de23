// fi_bare_pingpong: the floor under Parley's ofi path. A ping-pong written
// straight to libfabric, nothing of Parley in it: two fork()ed processes,
// one FI_EP_RDM endpoint each (the provider FI_PROVIDER / --prov names,
// tcp;ofi_rxm here), receives pre-posted, each message one fi_inject (up to
// the provider's inject size) or fi_send, and a busy fi_cq_read loop.
// Prints the one-way latency (half the round trip) per size, median of --reps.
//   fi_bare_pingpong [--iface=lo] [--tagged] [--max=BYTES] [--iters=N] [--reps=N]
//                    [--sizes=A,B,...]  (instead of the powers of two up to --max)
//                    [--yield=US]   (sched_yield after US microseconds of empty polls, as Parley does)
//                    [--inject-completion]  (fi_sendmsg(FI_INJECT | FI_COMPLETION), as transport/ofi)
//                    [--inject=BYTES]  (inject size asked for in the hints)
//                    [--hints=parley|plain]  (parley: the same hints as transport/ofi; plain: FI_MSG only)
//                    [--block=US]   (after US microseconds of empty polls, sleep in fi_cq_sread:
//                                    the completion queue has a wait object, FI_WAIT_UNSPEC)
//                    [--bind]       (pin the two processes to CPUs 0 and 1, as --bind-to core does)
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string option(int argc, char** argv, const char* name, const char* def) {
  const std::string key = std::string("--") + name;
  for (int i = 1; i < argc; ++i) {
    if (key == argv[i]) return "1";
    if (std::strncmp(argv[i], (key + "=").c_str(), key.size() + 1) == 0) return argv[i] + key.size() + 1;
  }
  return def;
}

double now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void check(long ret, const char* what) {
  if (ret < 0) {
    std::fprintf(stderr, "fi_bare_pingpong: %s: %s\n", what, fi_strerror(static_cast<int>(-ret)));
    _exit(1);
  }
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

struct Bare {
  fi_info* info = nullptr;
  fid_fabric* fabric = nullptr;
  fid_domain* domain = nullptr;
  fid_ep* ep = nullptr;
  fid_cq* cq = nullptr;
  fid_av* av = nullptr;
  fi_addr_t peer = FI_ADDR_UNSPEC;
  bool tagged = false;
  bool inject_completion = false;
  double yield_us = -1;
  double block_us = -1;
  std::size_t inject = 0;
  static constexpr int kRx = 8;
  fi_context2 rx_ctx[kRx]{};
  fi_context2 tx_ctx{};
  std::vector<char> rx_mem;
  std::size_t rx_len = 0;
  int posted_next = 0;

  void post(int i) {
    char* b = rx_mem.data() + static_cast<std::size_t>(i) * rx_len;
    ssize_t r;
    do {
      r = tagged ? fi_trecv(ep, b, rx_len, nullptr, FI_ADDR_UNSPEC, 1, 0, &rx_ctx[i])
                 : fi_recv(ep, b, rx_len, nullptr, FI_ADDR_UNSPEC, &rx_ctx[i]);
    } while (r == -FI_EAGAIN && (fi_cq_read(cq, nullptr, 0), true));
    check(r, "fi_recv");
  }

  // Waits for one receive completion (send completions are counted and dropped).
  void wait_recv() {
    fi_cq_tagged_entry e[8];
    double t0 = -1;
    for (;;) {
      ssize_t n = fi_cq_read(cq, e, 8);
      if (n == -FI_EAGAIN) {
        if (block_us >= 0) {
          if (t0 < 0) {
            t0 = now_us();
          } else if (now_us() - t0 > block_us) {
            n = fi_cq_sread(cq, e, 8, nullptr, 100);
            if (n == -FI_EAGAIN) continue;
            goto have;
          }
          continue;
        }
        if (yield_us >= 0) {
          if (t0 < 0) t0 = now_us();
          else if (now_us() - t0 > yield_us) sched_yield();
        }
        continue;
      }
    have:
      if (n == -FI_EAVAIL) {
        fi_cq_err_entry err{};
        fi_cq_readerr(cq, &err, 0);
        std::fprintf(stderr, "fi_bare_pingpong: completion error %s\n", fi_strerror(err.err));
        _exit(1);
      }
      check(n, "fi_cq_read");
      bool got = false;
      for (ssize_t k = 0; k < n; ++k) {
        if (e[k].flags & FI_RECV) {
          const int i = static_cast<int>(static_cast<fi_context2*>(e[k].op_context) - rx_ctx);
          post(i);
          got = true;
        }
      }
      if (got) return;
    }
  }

  void send(const void* buf, std::size_t len) {
    for (;;) {
      ssize_t r;
      if (len <= inject && inject_completion) {
        // What Parley's endpoint does: FI_INJECT, but with a completion.
        iovec iov{const_cast<void*>(buf), len};
        void* desc = nullptr;
        fi_msg msg{&iov, &desc, 1, peer, &tx_ctx, 0};
        r = fi_sendmsg(ep, &msg, FI_INJECT | FI_COMPLETION);
      } else if (len <= inject) {
        r = tagged ? fi_tinject(ep, buf, len, peer, 1) : fi_inject(ep, buf, len, peer);
      } else {
        r = tagged ? fi_tsend(ep, buf, len, nullptr, peer, 1, &tx_ctx) : fi_send(ep, buf, len, nullptr, peer, &tx_ctx);
      }
      if (r == 0) return;
      if (r != -FI_EAGAIN) check(r, "send");
      fi_cq_read(cq, nullptr, 0);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string iface = option(argc, argv, "iface", "lo");
  const bool tagged = option(argc, argv, "tagged", "0") == "1";
  const std::size_t max_size = std::stoul(option(argc, argv, "max", "65536"));
  const std::size_t base_iters = std::stoul(option(argc, argv, "iters", "5000"));
  const std::size_t reps = std::stoul(option(argc, argv, "reps", "3"));
  const double yield_us = std::stod(option(argc, argv, "yield", "-1"));
  const bool parley_hints = option(argc, argv, "hints", "parley") == "parley";
  const std::string prov = option(argc, argv, "prov", std::getenv("FI_PROVIDER") ? std::getenv("FI_PROVIDER") : "tcp");

  int a2b[2], b2a[2];
  if (pipe(a2b) != 0 || pipe(b2a) != 0) return 1;
  const pid_t child = fork();
  const int me = child == 0 ? 1 : 0;

  Bare b;
  b.tagged = tagged;
  b.inject_completion = option(argc, argv, "inject-completion", "0") == "1";
  b.yield_us = yield_us;
  b.block_us = std::stod(option(argc, argv, "block", "-1"));
  if (option(argc, argv, "bind", "0") == "1") {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(me, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  fi_info* hints = fi_allocinfo();
  hints->caps = (tagged ? FI_TAGGED : FI_MSG) | FI_SEND | FI_RECV;
  hints->ep_attr->type = FI_EP_RDM;
  hints->mode = FI_CONTEXT | FI_CONTEXT2;
  hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY;
  if (parley_hints) {
    hints->caps |= FI_RMA | FI_READ | FI_REMOTE_READ;
    hints->tx_attr->msg_order = FI_ORDER_SAS;
    hints->rx_attr->msg_order = FI_ORDER_SAS;
    hints->domain_attr->threading = FI_THREAD_DOMAIN;
    hints->domain_attr->resource_mgmt = FI_RM_ENABLED;
  }
  hints->fabric_attr->prov_name = strdup(prov.c_str());
  hints->tx_attr->inject_size = std::stoul(option(argc, argv, "inject", "0"));
  fi_info* list = nullptr;
  check(fi_getinfo(FI_VERSION(1, 9), nullptr, nullptr, 0, hints, &list), "fi_getinfo");
  fi_freeinfo(hints);
  // The entry of the interface asked for, IPv4 first.
  for (const fi_info* fi = list; fi != nullptr && b.info == nullptr; fi = fi->next) {
    if (iface == fi->domain_attr->name && fi->addr_format != FI_SOCKADDR_IN6) b.info = fi_dupinfo(fi);
  }
  fi_freeinfo(list);
  if (b.info == nullptr) {
    std::fprintf(stderr, "fi_bare_pingpong: no IPv4 entry of %s for interface %s\n", prov.c_str(), iface.c_str());
    return 1;
  }
  if (b.info->domain_attr->mr_mode & FI_MR_LOCAL) {
    std::fprintf(stderr, "fi_bare_pingpong: the provider wants FI_MR_LOCAL (not supported here)\n");
    return 1;
  }
  b.inject = b.info->tx_attr->inject_size;
  check(fi_fabric(b.info->fabric_attr, &b.fabric, nullptr), "fi_fabric");
  check(fi_domain(b.fabric, b.info, &b.domain, nullptr), "fi_domain");
  check(fi_endpoint(b.domain, b.info, &b.ep, nullptr), "fi_endpoint");
  fi_cq_attr cq_attr{};
  cq_attr.format = FI_CQ_FORMAT_TAGGED;
  cq_attr.size = 256;
  cq_attr.wait_obj = b.block_us >= 0 ? FI_WAIT_UNSPEC : FI_WAIT_NONE;
  check(fi_cq_open(b.domain, &cq_attr, &b.cq, nullptr), "fi_cq_open");
  fi_av_attr av_attr{};
  av_attr.type = FI_AV_TABLE;
  check(fi_av_open(b.domain, &av_attr, &b.av, nullptr), "fi_av_open");
  check(fi_ep_bind(b.ep, &b.av->fid, 0), "bind av");
  check(fi_ep_bind(b.ep, &b.cq->fid, FI_TRANSMIT | FI_RECV), "bind cq");
  check(fi_enable(b.ep), "fi_enable");
  char addr[256];
  std::size_t alen = sizeof addr;
  check(fi_getname(&b.ep->fid, addr, &alen), "fi_getname");
  char peer_addr[256];
  const int out = me == 0 ? a2b[1] : b2a[1];
  const int in = me == 0 ? b2a[0] : a2b[0];
  if (!io_all(out, addr, alen, true) || !io_all(in, peer_addr, alen, false)) return 1;
  if (fi_av_insert(b.av, peer_addr, 1, &b.peer, 0, nullptr) != 1) return 1;

  b.rx_len = std::max<std::size_t>(max_size, 1);
  b.rx_mem.resize(b.rx_len * Bare::kRx);
  for (int i = 0; i < Bare::kRx; ++i) b.post(i);
  std::vector<char> sbuf(b.rx_len, 'a');
  if (me == 0) {
    std::printf("# bare libfabric ping-pong (%s, %s, %s, %s hints, inject %zu, yield %s, block %s)\n",
                b.info->fabric_attr->prov_name, b.info->domain_attr->name, tagged ? "tagged" : "untagged",
                parley_hints ? "parley's" : "plain", b.inject,
                yield_us < 0 ? "never" : (std::to_string(yield_us) + " us").c_str(),
                b.block_us < 0 ? "never" : (std::to_string(b.block_us) + " us").c_str());
    std::printf("%-10s%18s\n", "# Size", "Latency (us)");
  }
  // Warm-up: connections both ways.
  for (int i = 0; i < 10; ++i) {
    if (me == 0) { b.send(sbuf.data(), 1); b.wait_recv(); } else { b.wait_recv(); b.send(sbuf.data(), 1); }
  }
  std::vector<std::size_t> sizes;
  if (const std::string want = option(argc, argv, "sizes", ""); !want.empty()) {
    for (std::size_t pos = 0; pos < want.size();) {
      const std::size_t comma = std::min(want.find(',', pos), want.size());
      sizes.push_back(std::min(max_size, std::stoul(want.substr(pos, comma - pos))));
      pos = comma + 1;
    }
  } else {
    for (std::size_t size = 1; size <= max_size; size *= 2) sizes.push_back(size);
  }
  for (const std::size_t size : sizes) {
    const std::size_t iters = std::max<std::size_t>(100, std::min(base_iters, (std::size_t{256} << 20) / size));
    std::vector<double> res;
    for (std::size_t r = 0; r < reps; ++r) {
      const double t0 = now_us();
      for (std::size_t i = 0; i < iters; ++i) {
        if (me == 0) {
          b.send(sbuf.data(), size);
          b.wait_recv();
        } else {
          b.wait_recv();
          b.send(sbuf.data(), size);
        }
      }
      res.push_back((now_us() - t0) / static_cast<double>(2 * iters));
    }
    std::sort(res.begin(), res.end());
    if (me == 0) std::printf("%-10zu%18.2f\n", size, res[res.size() / 2]);
    std::fflush(stdout);
  }
  fi_close(&b.ep->fid);
  fi_close(&b.av->fid);
  fi_close(&b.cq->fid);
  fi_close(&b.domain->fid);
  fi_close(&b.fabric->fid);
  fi_freeinfo(b.info);
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
