// The head's event loop: daemons, exit statuses, signals, timeout, output.
#include "head.hpp"

#include <pmix_common.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.hpp"
#include "net.hpp"

namespace parley::launcher {

namespace {

constexpr std::uint32_t kKillGraceMs = 500;   // SIGTERM -> SIGKILL in the daemons
constexpr auto kSignalGrace = std::chrono::seconds(1);  // forwarded signal -> kill
constexpr auto kDumpWindow = std::chrono::seconds(1);   // --timeout: time to print state
constexpr auto kDaemonGrace = std::chrono::seconds(3);  // daemons that ignore kill_ranks
constexpr auto kHelloWait = std::chrono::seconds(5);    // an accepted socket must say hello
constexpr std::size_t kAgentTextMax = 16384;            // agent output kept for a report
constexpr auto kAgentGrace = std::chrono::seconds(5);   // agent exited 0: time left to connect

std::string make_token() {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return buf;
}

std::string make_jobid() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d-%08x", static_cast<int>(::getpid()), rd());
  return buf;
}

std::string daemon_path() {
  if (const char* p = std::getenv("PARLEY_DAEMON"); p && *p) return p;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "parley-daemon";
  std::string self(buf, static_cast<std::size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "parley-daemon";
}

// Splits a launch agent command into words as a shell would for plain words,
// '...' and "..." (backslash escapes inside double quotes and outside
// quotes), replacing {host}; if there is no {host}, the host is appended
// (as "ssh HOST").
std::vector<std::string> agent_argv(const std::string& agent, const std::string& host) {
  std::vector<std::string> words;
  std::string w;
  bool in_word = false;
  for (std::size_t i = 0; i < agent.size(); ++i) {
    char c = agent[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(w);
      w.clear();
      in_word = false;
    } else if (c == '\'') {
      in_word = true;
      std::size_t j = agent.find('\'', i + 1);
      if (j == std::string::npos) j = agent.size();
      w.append(agent, i + 1, j - i - 1);
      i = j;
    } else if (c == '"') {
      in_word = true;
      for (++i; i < agent.size() && agent[i] != '"'; ++i) {
        if (agent[i] == '\\' && i + 1 < agent.size() && std::strchr("\"\\$`", agent[i + 1])) ++i;
        w += agent[i];
      }
    } else if (c == '\\' && i + 1 < agent.size()) {
      in_word = true;
      w += agent[++i];
    } else {
      in_word = true;
      w += c;
    }
  }
  if (in_word) words.push_back(w);
  bool substituted = false;
  for (auto& word : words)
    for (std::size_t p; (p = word.find("{host}")) != std::string::npos; substituted = true) word.replace(p, 6, host);
  if (!substituted) words.push_back(host);
  return words;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout closed: the output is dropped, the job goes on
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

Head::Head(Options opts, JobMap map, std::vector<PlanApp> apps) : opts_(std::move(opts)), map_(std::move(map)) {
  plan_.jobid = make_jobid();
  plan_.nspace = "parley-" + plan_.jobid;
  plan_.hostnames = map_.nodes;
  plan_.rank_node = map_.rank_node;
  plan_.rank_app = map_.rank_app;
  plan_.apps = std::move(apps);
  plan_.env = opts_.env;
  plan_.bind_to = opts_.bind_to;
  plan_.map_by = opts_.map_by;
  plan_.universe_size = map_.universe_size;
  plan_.kill_grace_ms = kKillGraceMs;
  ranks_.resize(plan_.job_size());

  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

Head::~Head() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

bool Head::start_daemons() {
  std::string dpath = daemon_path();
  if (::access(dpath.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "parleyrun: cannot find the node daemon at %s (set PARLEY_DAEMON)\n", dpath.c_str());
    return false;
  }
  bool any_remote = false;
  for (bool local : map_.node_is_local) any_remote = any_remote || !local;
  if (any_remote) {
    std::string error;
    listen_fd_ = listen_tcp(listen_port_, error);
    if (listen_fd_ < 0) {
      std::fprintf(stderr, "parleyrun: %s\n", error.c_str());
      return false;
    }
    if (const char* t = std::getenv("PARLEY_CONNECT_TIMEOUT"); t && *t) {
      double v = std::strtod(t, nullptr);
      if (v > 0) connect_timeout_s_ = v;
    }
    connect_deadline_ = Clock::now() + std::chrono::milliseconds(static_cast<long long>(connect_timeout_s_ * 1000));
  }
  sigset_t none;
  sigemptyset(&none);
  pid_t self = ::getpid();
  daemons_.resize(map_.nodes.size());
  for (std::size_t n = 0; n < map_.nodes.size(); ++n) {
    DaemonConn& d = daemons_[n];
    d.host = map_.nodes[n];
    d.local = map_.node_is_local[n];
    std::vector<std::string> args;
    if (!d.local) {
      args = agent_argv(opts_.launch_agent.empty() ? "ssh" : opts_.launch_agent, d.host);
      d.agent = args;
      d.token = make_token();
      std::string addrs;
      for (const auto& a : head_addresses(d.host)) addrs += (addrs.empty() ? "" : ",") + a;
      args.push_back(dpath);
      for (const std::string& w : {std::string("--head"), addrs, std::string("--port"), std::to_string(listen_port_),
                                   std::string("--node"), std::to_string(n), std::string("--token"), d.token,
                                   std::string("--host"), d.host})
        args.push_back(w);
    } else {
      args.push_back(dpath);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "parleyrun: pipe: %s\n", std::strerror(errno));
      return false;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
      std::fprintf(stderr, "parleyrun: fork: %s\n", std::strerror(errno));
      return false;
    }
    if (pid == 0) {
      // Own process group: a Ctrl-C at the terminal reaches only the head,
      // which forwards it once, in order.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != self) ::_exit(1);
      if (d.local) {
        ::dup2(to[0], STDIN_FILENO);
        ::dup2(from[1], STDOUT_FILENO);
      } else {
        // The agent's stdin is empty; what it (or the daemon) prints comes
        // to the head, which reports it if the daemon never connects.
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::dup2(null, STDIN_FILENO);
        ::dup2(from[1], STDOUT_FILENO);
        ::dup2(from[1], STDERR_FILENO);
      }
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execvp(argv[0], argv.data());
      std::fprintf(stderr, "cannot run '%s': %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(to[0]);
    ::close(from[1]);
    d.pid = pid;
    if (d.local) {
      d.ch = Channel(from[0], to[1]);
      plan_.node_id = static_cast<std::uint32_t>(n);
      d.ch.send(MsgType::launch, encode_plan(plan_));
    } else {
      ::close(to[1]);
      d.agent_out = from[0];
      set_nonblocking(d.agent_out);
    }
  }
  stdin_daemon_ = plan_.rank_node.empty() ? 0 : plan_.rank_node[0];
  return true;
}

// A remote daemon that died could not remove its PMIx directory and the
// job's shm files: run `parley-daemon --cleanup JOBID` there through the
// agent, bounded to a few seconds per host.
void Head::clean_lost_hosts() {
  std::string dpath = daemon_path();
  for (auto& d : daemons_) {
    if (d.local || !d.lost) continue;
    std::vector<std::string> args = d.agent;
    args.push_back(dpath);
    args.push_back("--cleanup");
    args.push_back(plan_.jobid);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);
    pid_t pid = ::fork();
    if (pid < 0) continue;
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    auto until = Clock::now() + std::chrono::seconds(5);
    int status;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() >= until) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      ::usleep(10000);
    }
  }
}

void Head::stop_listening() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  pending_.clear();
}

void Head::accept_daemons() {
  while (listen_fd_ >= 0) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    pending_.push_back({Channel(fd, fd), Clock::now()});
  }
}

void Head::read_hellos() {
  std::vector<Message> msgs;
  auto now = Clock::now();
  for (std::size_t k = 0; k < pending_.size();) {
    msgs.clear();
    bool alive = pending_[k].ch.receive(msgs);
    bool done = !alive || !msgs.empty() || now - pending_[k].since > kHelloWait;
    if (!msgs.empty() && msgs[0].type == MsgType::hello) {
      Reader r(msgs[0].payload);
      std::uint32_t node = r.u32();
      std::string token = r.str();
      if (alive && !r.failed() && node < daemons_.size() && !daemons_[node].local && !daemons_[node].connected &&
          !daemons_[node].eof && token == daemons_[node].token && phase_ == Phase::running) {
        DaemonConn& d = daemons_[node];
        d.connected = true;
        d.token.clear();  // one use
        d.ch = std::move(pending_[k].ch);
        plan_.node_id = node;
        d.ch.send(MsgType::launch, encode_plan(plan_));
        // Frames after the hello in the same read (none expected before launch).
        for (std::size_t m = 1; m < msgs.size(); ++m) handle(node, msgs[m]);
      }
    }
    if (done) {
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(k));  // closes a stranger's socket
    } else {
      ++k;
    }
  }
  bool all = true;
  for (const auto& d : daemons_) all = all && (d.local || d.connected || d.eof);
  if (all) stop_listening();
}

void Head::read_agent(DaemonConn& d, bool to_eof) {
  char buf[4096];
  std::string text;
  for (;;) {
    ssize_t n = ::read(d.agent_out, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (n < 0 && errno != EAGAIN) || to_eof) {
      if (n == 0 || errno != EAGAIN) {
        ::close(d.agent_out);
        d.agent_out = -1;
      }
    }
    break;
  }
  if (text.empty()) return;
  if (!d.connected) {
    d.agent_text += text;
    if (d.agent_text.size() > kAgentTextMax) d.agent_text.erase(0, d.agent_text.size() - kAgentTextMax);
    return;
  }
  // Connected: the agent's own chatter (ssh warnings) is passed on, one
  // prefixed line each; the job's output travels over the connection.
  d.agent_text += text;
  std::size_t pos = 0, nl;
  while ((nl = d.agent_text.find('\n', pos)) != std::string::npos) {
    std::string line = d.agent_text.substr(pos, nl - pos);
    pos = nl + 1;
    // libpmix's libevent warns when a killed client's socket goes away while
    // the job ends ("[warn] Epoll MOD(1) on fd N failed ..."): noise.
    if (line.rfind("[warn] Epoll ", 0) == 0) continue;
    std::fprintf(stderr, "parleyrun: %s: %s\n", d.host.c_str(), line.c_str());
  }
  d.agent_text.erase(0, pos);
}

std::string Head::ranks_left_on(std::size_t node) const {
  std::string out;
  for (std::uint32_t r = 0; r < ranks_.size(); ++r)
    if (plan_.rank_node[r] == node && !ranks_[r].exited) {
      if (!out.empty()) out += ',';
      out += std::to_string(r);
    }
  return out;
}

void Head::agent_failed(DaemonConn& d, int status) {
  d.eof = true;
  if (phase_ != Phase::running) return;
  std::string how = WIFSIGNALED(status) ? "was killed by signal " + signal_name(WTERMSIG(status))
                                        : "exited with code " + std::to_string(WEXITSTATUS(status));
  // The last line the agent or the daemon printed says why, when there is one.
  std::string last;
  std::size_t end = d.agent_text.find_last_not_of("\r\n \t");
  if (end != std::string::npos) {
    std::size_t begin = d.agent_text.rfind('\n', end);
    last = d.agent_text.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
  }
  std::string agent = opts_.launch_agent.empty() ? "ssh" : opts_.launch_agent;
  if (!last.empty())
    std::fprintf(stderr, "parleyrun: cannot start the daemon on %s: %s (launch agent '%s' %s)\n", d.host.c_str(),
                 last.c_str(), agent.c_str(), how.c_str());
  else
    std::fprintf(stderr, "parleyrun: cannot start the daemon on %s: the launch agent '%s' %s before the daemon connected back\n",
                 d.host.c_str(), agent.c_str(), how.c_str());
  end_job(1);
}

void Head::on_daemon_eof(std::size_t i) {
  DaemonConn& d = daemons_[i];
  d.eof = true;
  d.ch.close_all();
  if (d.local) return;  // its exit status (reap_daemons) says what happened to it
  std::string left = ranks_left_on(i);
  d.lost = d.launched && !left.empty();
  if (phase_ == Phase::running && d.lost) {
    std::fprintf(stderr,
                 "parleyrun: lost the daemon on %s (its connection to parleyrun closed: the daemon died or the host "
                 "went down) with rank%s %s still running there\n",
                 d.host.c_str(), left.find(',') == std::string::npos ? "" : "s", left.c_str());
    end_job(1);
  }
}

std::string Head::host_of(std::uint32_t rank) const {
  return rank < plan_.rank_node.size() ? daemons_[plan_.rank_node[rank]].host : "?";
}

void Head::broadcast(MsgType t, const std::string& payload) {
  for (auto& d : daemons_)
    if (!d.eof) d.ch.send(t, payload);
}

void Head::end_job(int code) {
  if (phase_ == Phase::ending) return;
  phase_ = Phase::ending;
  exit_code_ = code;
  broadcast(MsgType::kill_ranks, {});
  daemon_kill_at_ = Clock::now() + kDaemonGrace;
  // Daemons still on their way: stop their agents; nothing will connect.
  stop_listening();
  for (auto& d : daemons_)
    if (!d.local && !d.connected) {
      d.eof = true;
      if (d.pid > 0 && !d.reaped) ::kill(-d.pid, SIGTERM);
    }
}

void Head::write_output(std::uint32_t rank, std::uint32_t stream, const std::string& lines) {
  int fd = stream == 2 ? STDERR_FILENO : STDOUT_FILENO;
  if (!opts_.tag_output) {
    write_all(fd, lines);
    return;
  }
  std::string prefix = "[";
  prefix.append(std::to_string(tag_job_)).append(",").append(std::to_string(rank)).append("]");
  prefix.append(stream == 2 ? "<stderr>:" : "<stdout>:");
  std::string out;
  out.reserve(lines.size() + prefix.size() * 4);
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t nl = lines.find('\n', pos);
    std::size_t end = nl == std::string::npos ? lines.size() : nl;
    out += prefix;
    out.append(lines, pos, end - pos);
    out += '\n';
    pos = end + 1;
  }
  write_all(fd, out);
}

void Head::on_rank_exited(std::size_t, Reader& r) {
  std::uint32_t rank = r.u32();
  pid_t pid = r.i32();
  int status = r.i32();
  bool connected = r.u32() != 0;
  bool finalized = r.u32() != 0;
  if (r.failed() || rank >= ranks_.size() || ranks_[rank].exited) return;
  ranks_[rank].exited = true;
  ++ranks_exited_;
  if (phase_ != Phase::running) return;  // ending on purpose: no blame
  std::string who = "parleyrun: rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ") on " +
                    host_of(rank);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::fprintf(stderr, "%s was killed by signal %s (%d)\n", who.c_str(), signal_name(sig).c_str(), sig);
    end_job(128 + sig);
  } else if (WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s exited with code %d\n", who.c_str(), WEXITSTATUS(status));
    end_job(WEXITSTATUS(status));
  } else if (connected && !finalized) {
    std::fprintf(stderr, "%s exited with code 0 without finalizing (no MPI_Finalize / PMIx_Finalize)\n",
                 who.c_str());
    end_job(1);
  }
}

void Head::handle(std::size_t d, const Message& m) {
  Reader r(m.payload);
  switch (m.type) {
    case MsgType::launched: {
      daemons_[d].host = r.str();
      std::uint32_t n = r.u32();
      for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
        std::uint32_t rank = r.u32();
        pid_t pid = r.i32();
        if (rank < ranks_.size()) ranks_[rank].pid = pid;
      }
      daemons_[d].launched = true;
      if (d == stdin_daemon_ && phase_ == Phase::running) stdin_open_ = true;
      break;
    }
    case MsgType::launch_failed:
      if (phase_ == Phase::running)
        std::fprintf(stderr, "parleyrun: cannot start the job on %s: %s\n", daemons_[d].host.c_str(), r.str().c_str());
      end_job(1);
      break;
    case MsgType::daemon_error:
      std::fprintf(stderr, "parleyrun: daemon on %s: %s\n", daemons_[d].host.c_str(), r.str().c_str());
      break;
    case MsgType::output: {
      std::uint32_t rank = r.u32();
      std::uint32_t stream = r.u32();
      std::string lines = r.str();
      if (!r.failed()) write_output(rank, stream, lines);
      break;
    }
    case MsgType::fence: on_fence(d, r); break;
    case MsgType::publish: on_publish(d, r); break;
    case MsgType::lookup: on_lookup(d, r); break;
    case MsgType::unpublish: on_unpublish(d, r); break;
    case MsgType::abort_job: {
      std::uint32_t rank = r.u32();
      int code = r.i32();
      std::string msg = r.str();
      if (phase_ == Phase::running) {
        std::fprintf(stderr, "parleyrun: rank %u on %s called MPI_Abort with code %d%s%s\n", rank,
                     host_of(rank).c_str(), code, msg.empty() ? "" : ": ", msg.c_str());
        end_job(code);
      }
      break;
    }
    case MsgType::rank_exited: on_rank_exited(d, r); break;
    case MsgType::dump_sent: break;
    case MsgType::tree_listen:
    case MsgType::tree_child:
    case MsgType::tree_failed: on_tree_message(d, m.type, r); break;
    default: break;
  }
}

void Head::on_signal() {
  signalfd_siginfo si;
  while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    int sig = static_cast<int>(si.ssi_signo);
    if (sig == SIGCHLD) continue;  // reap_daemons() runs every iteration
    if (phase_ == Phase::running || phase_ == Phase::dumping) {
      phase_ = Phase::signalled;
      exit_code_ = 128 + sig;
      stdin_open_ = false;
      broadcast(MsgType::signal_ranks, Writer().i32(sig).take());
      signal_grace_ = Clock::now() + kSignalGrace;
    } else if (phase_ == Phase::signalled) {
      end_job(exit_code_);  // asked twice: stop waiting
    } else if (!daemons_killed_) {
      daemon_kill_at_ = Clock::now();  // asked again while ending: no more grace
    }
  }
}

void Head::on_timers() {
  auto now = Clock::now();
  if (phase_ == Phase::running && have_deadline_ && now >= deadline_) {
    std::fprintf(stderr,
                 "parleyrun: job timed out after %g s; asking the ranks where they are blocked, then ending it\n",
                 opts_.timeout_s);
    std::fflush(stderr);
    phase_ = Phase::dumping;
    exit_code_ = 124;
    broadcast(MsgType::dump_state, {});
    dump_until_ = now + kDumpWindow;
  }
  if (phase_ == Phase::running)
    for (auto& d : daemons_)
      if (!d.local && !d.connected && !d.eof && d.agent_done && now >= d.agent_grace) {
        std::string last;
        std::size_t end = d.agent_text.find_last_not_of("\r\n \t");
        if (end != std::string::npos) {
          std::size_t begin = d.agent_text.rfind('\n', end);
          begin = begin == std::string::npos ? 0 : begin + 1;
          last = ": " + d.agent_text.substr(begin, end + 1 - begin);
        }
        std::fprintf(stderr,
                     "parleyrun: cannot start the daemon on %s: the launch agent '%s' exited with code 0 and no "
                     "daemon connected back%s\n",
                     d.host.c_str(), opts_.launch_agent.empty() ? "ssh" : opts_.launch_agent.c_str(), last.c_str());
        d.eof = true;
        end_job(1);
        break;
      }
  if (phase_ == Phase::running && listen_fd_ >= 0 && now >= connect_deadline_) {
    for (auto& d : daemons_)
      if (!d.local && !d.connected && !d.eof) {
        std::fprintf(stderr,
                     "parleyrun: cannot start the daemon on %s: it did not connect back to parleyrun within %g s "
                     "(host unreachable? set PARLEY_HEAD_ADDRESS to an address of this machine it can reach)\n",
                     d.host.c_str(), connect_timeout_s_);
        break;
      }
    end_job(1);
  }
  if (phase_ == Phase::dumping && now >= dump_until_) end_job(124);
  if (phase_ == Phase::signalled && now >= signal_grace_) end_job(exit_code_);
  if (phase_ == Phase::ending && !daemons_killed_ && now >= daemon_kill_at_) {
    // Daemons that do not end in time are killed; their ranks follow by
    // PR_SET_PDEATHSIG, and the files they leave are removed below.
    for (auto& d : daemons_) {
      if (!d.reaped && d.pid > 0) ::kill(-d.pid, SIGKILL);
      // A remote daemon outlives its agent (ssh): closing its connection
      // is what makes it kill its ranks and exit.
      if (!d.local && !d.eof) {
        d.eof = true;
        d.ch.close_all();
      }
    }
    daemons_killed_ = true;
  }
}

void Head::reap_daemons() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (std::size_t i = 0; i < daemons_.size(); ++i) {
      DaemonConn& d = daemons_[i];
      if (d.pid != pid) continue;
      d.reaped = true;
      if (!d.local) {
        // The agent ended. Before the daemon connected, that is a failed
        // start (a daemon that did connect may still be in the backlog).
        if (d.agent_out >= 0) read_agent(d, true);
        if (!d.connected && !d.eof) {
          accept_daemons();
          read_hellos();
        }
        if (!d.connected && !d.eof) {
          if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            // Agents that start the daemon in the background and return
            // (setsid -f, ssh -f) are fine if the daemon then connects.
            d.agent_done = true;
            d.agent_grace = std::min(connect_deadline_, Clock::now() + kAgentGrace);
          } else {
            agent_failed(d, status);
          }
        }
        // A connected daemon is judged by its connection (on_daemon_eof).
        continue;
      }
      // Frames it wrote before dying are still in the pipe.
      std::vector<Message> msgs;
      if (!d.eof) {
        while (d.ch.receive(msgs) && !msgs.empty()) {
          for (const auto& m : msgs) handle(i, m);
          msgs.clear();
        }
        for (const auto& m : msgs) handle(i, m);
        d.eof = true;
        d.ch.close_all();
      }
      bool lost = false;  // ranks whose end it never reported
      for (std::uint32_t r = 0; r < ranks_.size(); ++r)
        if (plan_.rank_node[r] == i && !ranks_[r].exited) lost = true;
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !lost;
      if (!clean && phase_ == Phase::running) {
        if (WIFSIGNALED(status))
          std::fprintf(stderr, "parleyrun: the daemon on %s was killed by signal %s\n", d.host.c_str(),
                       signal_name(WTERMSIG(status)).c_str());
        else
          std::fprintf(stderr, "parleyrun: the daemon on %s failed (exit code %d)\n", d.host.c_str(),
                       WEXITSTATUS(status));
        end_job(1);
      }
    }
  }
}

void Head::read_stdin() {
  char buf[65536];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  DaemonConn& d = daemons_[stdin_daemon_];
  if (n <= 0) {
    stdin_open_ = false;
    if (!d.eof) d.ch.send(MsgType::stdin_eof, {});
    return;
  }
  if (!d.eof) d.ch.send(MsgType::stdin_data, Writer().str(std::string_view(buf, static_cast<std::size_t>(n))).take());
}

bool Head::all_daemons_gone() const {
  for (const auto& d : daemons_)
    if (!d.reaped || !d.eof) return false;
  return true;
}

int Head::run() {
  if (opts_.timeout_s > 0) {
    have_deadline_ = true;
    deadline_ = Clock::now() + std::chrono::milliseconds(static_cast<long long>(opts_.timeout_s * 1000));
  }
  if (!start_daemons()) {
    end_job(1);
    for (auto& d : daemons_)
      if (d.pid > 0) ::kill(-d.pid, SIGKILL);
  }
  std::vector<pollfd> fds;
  std::vector<std::size_t> owner;
  std::vector<Message> msgs;
  while (!all_daemons_gone()) {
    fds.clear();
    owner.clear();
    fds.push_back({signal_fd_, POLLIN, 0});
    owner.push_back(SIZE_MAX);
    if (stdin_open_) {
      fds.push_back({STDIN_FILENO, POLLIN, 0});
      owner.push_back(SIZE_MAX - 1);
    }
    if (listen_fd_ >= 0) {
      fds.push_back({listen_fd_, POLLIN, 0});
      owner.push_back(SIZE_MAX - 2);
    }
    for (auto& p : pending_) {
      fds.push_back({p.ch.read_fd(), POLLIN, 0});
      owner.push_back(SIZE_MAX - 2);
    }
    for (std::size_t i = 0; i < daemons_.size(); ++i) {
      DaemonConn& d = daemons_[i];
      if (d.agent_out >= 0) {
        fds.push_back({d.agent_out, POLLIN, 0});
        owner.push_back(SIZE_MAX - 3 - i);
      }
      if (d.eof || d.ch.read_fd() < 0) continue;
      fds.push_back({d.ch.read_fd(), POLLIN, 0});
      owner.push_back(i);
      if (d.ch.wants_write()) {
        fds.push_back({d.ch.write_fd(), POLLOUT, 0});
        owner.push_back(i);
      }
    }
    auto now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    if (phase_ == Phase::running && have_deadline_) next = deadline_;
    if (phase_ == Phase::dumping) next = dump_until_;
    if (phase_ == Phase::signalled) next = signal_grace_;
    if (phase_ == Phase::ending && !daemons_killed_) next = daemon_kill_at_;
    if (phase_ == Phase::running && listen_fd_ >= 0) next = std::min(next, connect_deadline_);
    for (const auto& d : daemons_)
      if (phase_ == Phase::running && d.agent_done && !d.connected && !d.eof) next = std::min(next, d.agent_grace);
    if (!pending_.empty()) next = std::min(next, now + std::chrono::seconds(1));
    int timeout = -1;
    if (next != Clock::time_point::max())
      timeout = static_cast<int>(std::max<long long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    bool accepted = false;
    for (std::size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      if (owner[k] == SIZE_MAX) {
        on_signal();
      } else if (owner[k] == SIZE_MAX - 1) {
        if (stdin_open_) read_stdin();
      } else if (owner[k] == SIZE_MAX - 2) {
        accepted = true;  // the listener or a socket that has not said hello yet
      } else if (owner[k] > SIZE_MAX - 3 - daemons_.size()) {
        DaemonConn& d = daemons_[SIZE_MAX - 3 - owner[k]];
        if (d.agent_out >= 0) read_agent(d, false);
      } else {
        DaemonConn& d = daemons_[owner[k]];
        if (d.eof) continue;
        if (fds[k].events & POLLOUT) {
          (void)d.ch.flush();
          continue;
        }
        msgs.clear();
        bool alive = d.ch.receive(msgs);
        for (const auto& m : msgs) handle(owner[k], m);
        if (!alive) on_daemon_eof(owner[k]);
      }
    }
    if (accepted || !pending_.empty()) {
      accept_daemons();
      read_hellos();
    }
    reap_daemons();
    on_timers();
  }
  stop_listening();
  for (auto& d : daemons_)
    if (d.agent_out >= 0) ::close(d.agent_out);
  clean_lost_hosts();
  if (const char* st = std::getenv("PARLEY_LAUNCH_STATS"); st && *st && *st != '0')
    std::fprintf(stderr, "parleyrun: fences: %zu down the daemon tree, %zu direct\n", fences_tree_, fences_direct_);
  // Safety net for daemons that were killed before cleaning up after themselves.
  if (daemons_killed_) remove_job_tmpdirs(tmp_root(), plan_.jobid);
  (void)remove_job_shm(plan_.jobid);
  return exit_code_;
}

}  // namespace parley::launcher
