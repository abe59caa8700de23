// The node daemon's event loop: head messages, rank output, rank exits, and
// work posted by libpmix's thread (see daemon.hpp).
#include "daemon.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.hpp"

namespace parley::launcher {

Daemon* g_daemon = nullptr;

Daemon::Daemon(int read_fd, int write_fd) : head_(read_fd, write_fd) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  // Blocked before libpmix starts its thread, so every thread inherits the
  // mask and the signals arrive only through the signalfd.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  g_daemon = this;
}

Daemon::~Daemon() {
  g_daemon = nullptr;
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (event_fd_ >= 0) ::close(event_fd_);
}

void Daemon::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  std::uint64_t one = 1;
  (void)!::write(event_fd_, &one, sizeof one);
}

void Daemon::run_posted() {
  std::uint64_t v;
  (void)!::read(event_fd_, &v, sizeof v);
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (posted_.empty()) return;
      fn = std::move(posted_.front());
      posted_.pop_front();
    }
    fn();
  }
}

LocalRank* Daemon::find_rank(std::uint32_t rank) {
  for (auto& lr : ranks_)
    if (lr.rank == rank) return &lr;
  return nullptr;
}

bool Daemon::all_ended() const {
  for (const auto& lr : ranks_)
    if (!lr.reaped) return false;
  return true;
}

void Daemon::on_launch(const std::string& payload) {
  std::string error;
  if (launched_) return;
  launched_ = true;
  if (!decode_plan(payload, plan_)) {
    error = "malformed launch message";
  } else if (start_pmix(error) && register_job(error) && spawn_ranks(error)) {
    Writer w;
    w.str(plan_.hostnames[plan_.node_id]).u32(static_cast<std::uint32_t>(ranks_.size()));
    for (const auto& lr : ranks_) w.u32(lr.rank).i32(lr.pid);
    head_.send(MsgType::launched, w.data());
    tree_start();
    return;
  }
  head_.send(MsgType::launch_failed, Writer().str(error).data());
  kill_ranks();  // ranks spawned before the failure
}

void Daemon::signal_ranks(int sig) {
  for (auto& lr : ranks_)
    if (!lr.reaped && lr.pid > 0) {
      ::kill(-lr.pid, sig);  // the rank's process group: it and its children
      ::kill(lr.pid, sig);
    }
}

void Daemon::kill_ranks() {
  if (!killing_) {
    killing_ = true;
    kill_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(plan_.kill_grace_ms);
  }
  signal_ranks(SIGTERM);
  signal_ranks(SIGCONT);  // a stopped rank must see the SIGTERM
}

void Daemon::handle(const Message& m) {
  Reader r(m.payload);
  switch (m.type) {
    case MsgType::launch: on_launch(m.payload); break;
    case MsgType::fence_done: complete_fence(r); break;
    case MsgType::tree_setup: on_tree_setup(r); break;
    case MsgType::fence_relay: on_fence_relay(m.payload); break;
    case MsgType::publish_done: complete_op(r); break;
    case MsgType::lookup_done: complete_lookup(r); break;
    case MsgType::signal_ranks: signal_ranks(r.i32()); break;
    case MsgType::kill_ranks: kill_ranks(); break;
    case MsgType::dump_state: raise_dump_event(); break;
    case MsgType::stdin_data:
      if (LocalRank* lr = find_rank(0); lr && lr->in_fd >= 0) {
        lr->stdin_pending += r.str();
        flush_stdin(*lr);
      }
      break;
    case MsgType::stdin_eof:
      if (LocalRank* lr = find_rank(0)) {
        lr->stdin_eof = true;
        flush_stdin(*lr);
      }
      break;
    default: break;  // unknown messages are ignored: newer heads may send more
  }
}

void Daemon::flush_stdin(LocalRank& lr) {
  while (lr.in_fd >= 0 && !lr.stdin_pending.empty()) {
    ssize_t n = ::write(lr.in_fd, lr.stdin_pending.data(), lr.stdin_pending.size());
    if (n > 0) {
      lr.stdin_pending.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {  // EPIPE: rank 0 closed its stdin
      lr.stdin_pending.clear();
      ::close(lr.in_fd);
      lr.in_fd = -1;
    }
  }
  if (lr.in_fd >= 0 && lr.stdin_eof && lr.stdin_pending.empty()) {
    ::close(lr.in_fd);
    lr.in_fd = -1;
  }
}

void Daemon::read_output(LocalRank& lr, int& fd, LineBuffer& lb, std::uint32_t stream, bool at_exit) {
  char buf[65536];
  std::string lines;
  bool eof = false;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      lines += lb.append(std::string_view(buf, static_cast<std::size_t>(n)));
      if (!at_exit && lines.size() >= sizeof buf) break;  // let other ranks have a turn
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    eof = n == 0 || errno != EAGAIN;
    break;
  }
  if (eof || at_exit) {
    lines += lb.finish();
    ::close(fd);
    fd = -1;
  }
  if (!lines.empty()) head_.send(MsgType::output, Writer().u32(lr.rank).u32(stream).str(lines).data());
}

void Daemon::drain_output(LocalRank& lr, bool at_exit) {
  if (lr.out_fd >= 0) read_output(lr, lr.out_fd, lr.out, 1, at_exit);
  if (lr.err_fd >= 0) read_output(lr, lr.err_fd, lr.err, 2, at_exit);
}

void Daemon::reap() {
  std::vector<LocalRank*> ended;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (auto& lr : ranks_)
      if (lr.pid == pid) {
        lr.reaped = true;
        lr.wait_status = status;
        ended.push_back(&lr);
      }
  }
  if (ended.empty()) return;
  // A rank that finalized did so before it could exit; running the posted
  // work after waitpid makes sure its "finalized" mark is seen here.
  run_posted();
  for (LocalRank* lr : ended) {
    drain_output(*lr, true);  // what it wrote before exiting comes first
    if (lr->in_fd >= 0) {
      ::close(lr->in_fd);
      lr->in_fd = -1;
    }
    ::kill(-lr->pid, SIGKILL);  // anything the rank left behind in its group
    Writer w;
    w.u32(lr->rank).i32(lr->pid).i32(lr->wait_status).u32(lr->connected).u32(lr->finalized);
    head_.send(MsgType::rank_exited, w.data());
  }
}

void Daemon::on_signalfd() {
  signalfd_siginfo si;
  while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGCHLD) continue;  // reap() runs every iteration
    // SIGTERM from the head's death (PR_SET_PDEATHSIG) or from a user: end the job.
    head_gone_ = head_gone_ || si.ssi_signo != SIGINT;
    kill_ranks();
  }
}

void Daemon::cleanup() {
  for (auto& lr : ranks_) {
    if (lr.out_fd >= 0) ::close(lr.out_fd);
    if (lr.err_fd >= 0) ::close(lr.err_fd);
    if (lr.in_fd >= 0) ::close(lr.in_fd);
    lr.out_fd = lr.err_fd = lr.in_fd = -1;
  }
  tree_stop();
  stop_pmix();
  if (!tmpdir_.empty()) remove_tree(tmpdir_);
  (void)remove_job_shm(plan_.jobid);
}

int Daemon::run() {
  using Clock = std::chrono::steady_clock;
  std::vector<pollfd> fds;
  std::vector<std::pair<LocalRank*, int>> who;  // for rank fds: (rank, 0 out / 1 err / 2 in)
  std::vector<Message> msgs;
  for (;;) {
    reap();
    if (launched_ && all_ended()) break;
    if (!launched_ && head_gone_) break;
    fds.clear();
    who.clear();
    fds.push_back({head_.read_fd(), static_cast<short>(head_gone_ ? 0 : POLLIN), 0});
    fds.push_back({head_.write_fd(), static_cast<short>(head_.wants_write() ? POLLOUT : 0), 0});
    fds.push_back({signal_fd_, POLLIN, 0});
    fds.push_back({event_fd_, POLLIN, 0});
    for (auto& lr : ranks_) {
      if (lr.out_fd >= 0) fds.push_back({lr.out_fd, POLLIN, 0}), who.emplace_back(&lr, 0);
      if (lr.err_fd >= 0) fds.push_back({lr.err_fd, POLLIN, 0}), who.emplace_back(&lr, 1);
      if (lr.in_fd >= 0 && !lr.stdin_pending.empty()) fds.push_back({lr.in_fd, POLLOUT, 0}), who.emplace_back(&lr, 2);
    }
    const std::size_t tree_first = fds.size();
    tree_fds(fds);
    int timeout = tree_pending_.empty() ? -1 : 1000;
    if (killing_ && !sigkill_sent_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_deadline_ - Clock::now()).count();
      timeout = left > 0 ? static_cast<int>(left) : 0;
    }
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    if (killing_ && !sigkill_sent_ && Clock::now() >= kill_deadline_) {
      signal_ranks(SIGKILL);
      sigkill_sent_ = true;  // from here SIGCHLD wakes the loop
    }
    if (n <= 0 && tree_pending_.empty()) continue;
    tree_events(fds.data() + tree_first, fds.size() - tree_first);
    if (n <= 0) continue;
    if (fds[2].revents) on_signalfd();
    if (fds[3].revents) run_posted();
    if (fds[1].revents) {
      if (!head_.flush()) head_gone_ = true;
    }
    if (fds[0].revents) {
      msgs.clear();
      bool alive = head_.receive(msgs);
      for (const auto& m : msgs) handle(m);
      if (!alive) {  // the head is gone: nobody to report to, end the job
        head_gone_ = true;
        kill_ranks();
      }
    }
    for (std::size_t i = 0; i < who.size(); ++i) {
      const pollfd& p = fds[4 + i];
      if (!p.revents) continue;
      LocalRank& lr = *who[i].first;
      if (who[i].second == 0 && lr.out_fd == p.fd) read_output(lr, lr.out_fd, lr.out, 1, false);
      if (who[i].second == 1 && lr.err_fd == p.fd) read_output(lr, lr.err_fd, lr.err, 2, false);
      if (who[i].second == 2 && lr.in_fd == p.fd) flush_stdin(lr);
    }
  }
  cleanup();
  if (!head_gone_) (void)head_.flush_blocking();
  return 0;
}

}  // namespace parley::launcher
