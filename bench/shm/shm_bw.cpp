// shm_bw: unidirectional bandwidth between two local processes through the
// shm transport, OSU layout (a window of sends, then one acknowledgement).
// Small sizes use the cell queue (eager copy in/out); large ones an emulated
// rendezvous pulling with CMA, or the copy pipeline. Each value is the
// median of --reps runs.
//   shm_bw [--path=all|queue|cma|copy] [--window=64] [--reps=5] [--max=BYTES]
#include "shm_bench_util.hpp"
#include "transport/shm/shm_cma.hpp"
#include "transport/shm/shm_pipeline.hpp"

using namespace parley;
using namespace parley::bench;
using namespace parley::transport;
using namespace parley::transport::shm;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = option(argc, argv, "path", "all");
  const std::size_t window = std::stoul(option(argc, argv, "window", "64"));
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
  std::vector<std::uint8_t> sbuf(max_size, 1), rbuf(max_size, 2);

  return run_pair([&](std::uint32_t me) {
    const std::uint32_t peer = 1 - me;
    CellQueues q;
    if (!q.init(seg, me).ok()) std::exit(1);
    auto say = [me](const char* fmt, auto... a) {
      if (me == 0) std::printf(fmt, a...);
    };
    say("# Parley shm bandwidth, cell %u B x %u cells, pipe %u B x %u, window %zu\n",
        cfg.cell_size, cfg.ring_cells, cfg.pipe_chunk, cfg.pipe_slots, window);
    PipeArea out(seg, me, peer), inbound(seg, peer, me);

    BenchHeader in{};
    std::size_t eager_got = 0, acks = 0;
    std::vector<BenchHeader> rts;
    auto on_msg = [&](const ShmMessage& m) {
      std::memcpy(&in, m.header.data(), sizeof(in));
      if (in.kind == kEager) {
        if (!m.payload.empty()) std::memcpy(rbuf.data(), m.payload.data(), m.payload.size());
        ++eager_got;
      } else if (in.kind == kAck) {
        ++acks;
      } else if (in.kind == kRts) {
        rts.push_back(in);
      }
    };
    const BenchHeader ack{kAck, 0, 0, 0, 0};

    for (const char* kind : {"queue", "cma", "copy"}) {
      if (path != "all" && path != kind) continue;
      const bool queue = std::strcmp(kind, "queue") == 0;
      const bool cma = std::strcmp(kind, "cma") == 0;
      say("# path: %s\n# Size      Bandwidth (MB/s)\n",
          queue ? "cell queue (eager copy in/out)"
                : cma ? "CMA rendezvous (process_vm_readv)" : "copy pipeline");
      std::vector<std::size_t> sizes =
          queue ? sizes_up_to(1, std::min(q.max_payload(sizeof(BenchHeader)), max_size))
                : sizes_up_to(4096, max_size);
      for (std::size_t s : sizes) {
        const std::size_t loops =
            std::max<std::size_t>(3, std::min<std::size_t>(200, (std::size_t{512} << 20) /
                                                                    (s * window + 1)));
        std::vector<double> r;
        for (std::size_t rep = 0; rep <= reps; ++rep) {
          double t0 = now_us();
          for (std::size_t l = 0; l < loops; ++l) {
            if (me == 0) {
              for (std::size_t w = 0; w < window; ++w) {
                if (queue) {
                  BenchHeader h{kEager, 0, 0, s, w};
                  send_blocking(q, peer, h, sbuf.data(), s, on_msg);
                } else {
                  BenchHeader h{kRts, static_cast<std::uint32_t>(getpid()),
                                reinterpret_cast<std::uint64_t>(sbuf.data()), s, w};
                  send_blocking(q, peer, h, nullptr, 0, on_msg);
                  if (!cma) {
                    iovec v{sbuf.data(), s};
                    PipelineSender tx(out, {&v, 1});
                    while (tx.step() != StepResult::done) {
                    }
                  }
                }
              }
              while (acks == 0) q.poll(on_msg);
              --acks;
            } else {
              if (queue) {
                while (eager_got < window) q.poll(on_msg);
                eager_got -= window;
              } else {
                for (std::size_t w = 0; w < window; ++w) {
                  while (rts.empty()) q.poll(on_msg);
                  BenchHeader h = rts.front();
                  rts.erase(rts.begin());
                  iovec lv{rbuf.data(), h.len};
                  if (cma) {
                    iovec rv{reinterpret_cast<void*>(h.addr), h.len};
                    if (!cma_read(static_cast<pid_t>(h.pid), {&lv, 1}, {&rv, 1}).ok()) std::exit(2);
                  } else {
                    PipelineReceiver rx(inbound, {&lv, 1}, h.len);
                    while (rx.step() != StepResult::done) {
                    }
                  }
                }
              }
              send_blocking(q, peer, ack, nullptr, 0, on_msg);
            }
          }
          if (rep > 0) r.push_back(static_cast<double>(s) * window * loops / (now_us() - t0));
        }
        say("%-10zu%20.2f\n", s, median(r));
      }
    }
    std::fflush(stdout);
  });
}
