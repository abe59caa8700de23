// shm_pingpong: one-way latency between two local processes through the shm
// transport, OSU layout. Small sizes go through the cell queue (eager: copy
// in, copy out); large ones through an emulated rendezvous, pulling with CMA
// (process_vm_readv) or through the copy pipeline. A bare cache-line
// ping-pong is measured first as the floor. Each value is the median of
// --reps runs of --iters round trips.
//   shm_pingpong [--path=all|queue|cma|copy] [--iters=N] [--reps=N] [--max=BYTES]
#include <sys/mman.h>

#include <atomic>

#include "shm_bench_util.hpp"
#include "transport/shm/shm_cma.hpp"
#include "transport/shm/shm_pipeline.hpp"

using namespace parley;
using namespace parley::bench;
using namespace parley::transport;
using namespace parley::transport::shm;

namespace {

struct Shared {
  alignas(64) std::atomic<std::uint64_t> ping;
  alignas(64) std::atomic<std::uint64_t> pong;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::size_t iters_for(std::size_t size, std::size_t base) {
  return std::max<std::size_t>(50, std::min<std::size_t>(base, (std::size_t{256} << 20) / (size + 1)));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = option(argc, argv, "path", "all");
  const std::size_t base_iters = std::stoul(option(argc, argv, "iters", "20000"));
  const std::size_t reps = std::stoul(option(argc, argv, "reps", "5"));
  const std::size_t max_size = std::stoul(option(argc, argv, "max", "4194304"));
  ShmConfig cfg;
  if (auto st = ShmConfig::from_env(cfg); !st.ok()) {
    std::fprintf(stderr, "config: %s\n", st.what);
    return 1;
  }
  Segment seg;
  if (auto st = Segment::create_anonymous(2, cfg, seg); !st.ok()) {
    std::fprintf(stderr, "segment: %s\n", st.what);
    return 1;
  }
  auto* shared = static_cast<Shared*>(
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  std::vector<std::uint8_t> sbuf(max_size, 1), rbuf(max_size, 2);

  return run_pair([&](std::uint32_t me) {
    const std::uint32_t peer = 1 - me;
    CellQueues q;
    if (!q.init(seg, me).ok()) std::exit(1);
    auto say = [me](const char* fmt, auto... a) {
      if (me == 0) std::printf(fmt, a...);
    };

    // Floor: one cache line each way, no queue at all.
    {
      std::vector<double> r;
      for (std::size_t rep = 0; rep < reps; ++rep) {
        double t0 = now_us();
        for (std::uint64_t i = 1; i <= base_iters; ++i) {
          std::uint64_t v = rep * base_iters + i;
          if (me == 0) {
            shared->ping.store(v, std::memory_order_release);
            while (shared->pong.load(std::memory_order_acquire) != v) {
            }
          } else {
            while (shared->ping.load(std::memory_order_acquire) != v) {
            }
            shared->pong.store(v, std::memory_order_release);
          }
        }
        r.push_back((now_us() - t0) / (2.0 * base_iters));
      }
      say("# Parley shm ping-pong, cell %u B x %u cells, pipe %u B x %u\n", cfg.cell_size,
          cfg.ring_cells, cfg.pipe_chunk, cfg.pipe_slots);
      say("# bare cache-line ping-pong one-way: %.3f us\n", median(r));
    }

    BenchHeader hdr{};
    bool got = false;
    BenchHeader in{};
    auto on_msg = [&](const ShmMessage& m) {
      std::memcpy(&in, m.header.data(), sizeof(in));
      if (in.kind == kEager && !m.payload.empty()) {
        std::memcpy(rbuf.data(), m.payload.data(), m.payload.size());
      }
      got = true;
    };
    auto wait_one = [&] {
      got = false;
      while (!got) q.poll(on_msg, 1);
    };

    if (path == "all" || path == "queue") {
      say("# path: cell queue (eager copy in/out)\n# Size  Latency (us)\n");
      const std::size_t maxp = std::min(q.max_payload(sizeof(BenchHeader)), max_size);
      std::vector<std::size_t> sizes = sizes_up_to(1, maxp);
      sizes.insert(sizes.begin(), 0);
      for (std::size_t s : sizes) {
        const std::size_t it = iters_for(s, base_iters);
        std::vector<double> r;
        hdr.kind = kEager;
        for (std::size_t rep = 0; rep <= reps; ++rep) {  // rep 0 warms up
          double t0 = now_us();
          for (std::size_t i = 0; i < it; ++i) {
            if (me == 0) {
              send_blocking(q, peer, hdr, sbuf.data(), s, on_msg);
              wait_one();
            } else {
              wait_one();
              send_blocking(q, peer, hdr, sbuf.data(), s, on_msg);
            }
          }
          if (rep > 0) r.push_back((now_us() - t0) / (2.0 * it));
        }
        say("%-10zu%18.3f\n", s, median(r));
      }
    }

    for (const char* kind : {"cma", "copy"}) {
      if (path != "all" && path != kind) continue;
      const bool cma = std::strcmp(kind, "cma") == 0;
      say(cma ? "# path: CMA rendezvous (RTS, process_vm_readv, FIN)\n# Size  Latency (us)\n"
              : "# path: copy pipeline (RTS, chunks through the bounce slots)\n"
                "# Size  Latency (us)\n");
      PipeArea out(seg, me, peer), inbound(seg, peer, me);
      // One direction of one rendezvous send, as the sender / receiver does it.
      auto send_side = [&](std::size_t s) {
        BenchHeader rts{kRts, static_cast<std::uint32_t>(getpid()),
                        reinterpret_cast<std::uint64_t>(sbuf.data()), s, 0};
        send_blocking(q, peer, rts, nullptr, 0, on_msg);
        if (cma) {
          got = false;
          while (!got || in.kind != kFin) {
            got = false;
            q.poll(on_msg, 1);
          }
        } else {
          iovec v{sbuf.data(), s};
          PipelineSender tx(out, {&v, 1});
          while (tx.step() != StepResult::done) {
          }
        }
      };
      auto recv_side = [&] {
        do {
          wait_one();
        } while (in.kind != kRts);
        iovec l{rbuf.data(), in.len};
        if (cma) {
          iovec r{reinterpret_cast<void*>(in.addr), in.len};
          if (!cma_read(static_cast<pid_t>(in.pid), {&l, 1}, {&r, 1}).ok()) std::exit(2);
          BenchHeader fin{kFin, 0, 0, 0, 0};
          send_blocking(q, peer, fin, nullptr, 0, on_msg);
        } else {
          PipelineReceiver rx(inbound, {&l, 1}, in.len);
          while (rx.step() != StepResult::done) {
          }
        }
      };
      for (std::size_t s : sizes_up_to(4096, max_size)) {
        const std::size_t it = iters_for(s, base_iters / 4);
        std::vector<double> r;
        for (std::size_t rep = 0; rep <= reps; ++rep) {
          double t0 = now_us();
          for (std::size_t i = 0; i < it; ++i) {
            if (me == 0) {
              send_side(s);
              recv_side();
            } else {
              recv_side();
              send_side(s);
            }
          }
          if (rep > 0) r.push_back((now_us() - t0) / (2.0 * it));
        }
        say("%-10zu%18.3f\n", s, median(r));
      }
    }
    std::fflush(stdout);
  });
}
