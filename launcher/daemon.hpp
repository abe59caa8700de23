// parley-daemon: the node daemon. A PMIx server (libpmix server API) that
// forks this node's ranks, forwards their output to the head as whole lines,
// relays fences / publish / lookup / abort to the head, and reports exits.
//
// Threads: the event loop (poll) is the only thread that touches Daemon's
// state. libpmix calls the module functions from its own progress thread;
// those copy their arguments into a closure and post() it, and the loop runs
// it and calls the PMIx callback from there, which libpmix allows.
#pragma once

#include <pmix_server.h>
#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "binding.hpp"
#include "launch_plan.hpp"
#include "line_buffer.hpp"
#include "protocol.hpp"

namespace parley::launcher {

struct LocalRank {
  std::uint32_t rank = 0;
  std::uint32_t local_rank = 0;
  pid_t pid = -1;
  int out_fd = -1, err_fd = -1, in_fd = -1;
  LineBuffer out, err;
  bool reaped = false;
  int wait_status = 0;
  bool connected = false;
  bool finalized = false;
  std::string stdin_pending;
  bool stdin_eof = false;
};

class Daemon {
 public:
  // Speaks the head protocol on (read_fd, write_fd): stdin/stdout, or one socket.
  Daemon(int read_fd, int write_fd);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  Daemon(Daemon&&) = delete;
  Daemon& operator=(Daemon&&) = delete;
  ~Daemon();

  // Runs until every local rank has ended (or the head is gone); returns the
  // daemon's exit status. Cleans up the PMIx directory and job shm files.
  int run();

  // Called from libpmix's thread: queue `fn` for the event loop.
  void post(std::function<void()> fn);

  // --- used by the PMIx module (daemon_pmix.cpp), on the loop thread ---
  LocalRank* find_rank(std::uint32_t rank);
  void send(MsgType t, std::string payload) { head_.send(t, payload); }
  std::uint64_t next_id() { return ++last_id_; }
  void add_fence(std::uint64_t id, pmix_modex_cbfunc_t cb, void* cbdata) { fences_[id] = {cb, cbdata}; }
  void add_op(std::uint64_t id, pmix_op_cbfunc_t cb, void* cbdata) { ops_[id] = {cb, cbdata}; }
  void add_lookup(std::uint64_t id, pmix_lookup_cbfunc_t cb, void* cbdata) { lookups_[id] = {cb, cbdata}; }
  [[nodiscard]] const LaunchPlan& plan() const { return plan_; }

 private:
  // daemon_pmix.cpp
  [[nodiscard]] bool start_pmix(std::string& error);
  [[nodiscard]] bool register_job(std::string& error);
  void stop_pmix();
  void raise_dump_event();
  void complete_fence(Reader& r);
  void finish_fence(std::uint64_t id, int status, std::string data);
  // daemon_tree.cpp: the fence tree (README: fences across daemons)
  void tree_start();
  void on_tree_setup(Reader& r);
  void on_fence_relay(const std::string& payload);
  void tree_fds(std::vector<pollfd>& fds);
  void tree_events(const pollfd* fds, std::size_t n);
  void tree_stop();
  void complete_op(Reader& r);
  void complete_lookup(Reader& r);
  // daemon_spawn.cpp
  [[nodiscard]] bool spawn_ranks(std::string& error);
  [[nodiscard]] bool spawn_one(LocalRank& lr, std::string& error);
  // daemon.cpp
  void handle(const Message& m);
  void on_launch(const std::string& payload);
  void on_signalfd();
  void reap();
  void drain_output(LocalRank& lr, bool at_exit);
  void read_output(LocalRank& lr, int& fd, LineBuffer& lb, std::uint32_t stream, bool at_exit);
  void flush_stdin(LocalRank& lr);
  void signal_ranks(int sig);
  void kill_ranks();
  void run_posted();
  [[nodiscard]] bool all_ended() const;
  void cleanup();

  Channel head_;
  int signal_fd_ = -1;
  int event_fd_ = -1;
  std::mutex mu_;
  std::deque<std::function<void()>> posted_;

  LaunchPlan plan_;
  bool launched_ = false;
  bool head_gone_ = false;
  bool killing_ = false;
  bool sigkill_sent_ = false;
  std::chrono::steady_clock::time_point kill_deadline_{};
  std::string tmpdir_;
  Topology topo_;
  std::vector<RankBinding> binding_;
  std::vector<LocalRank> ranks_;
  bool pmix_up_ = false;

  std::uint64_t last_id_ = 0;
  struct FenceCb {
    pmix_modex_cbfunc_t cb;
    void* cbdata;
  };
  struct OpCb {
    pmix_op_cbfunc_t cb;
    void* cbdata;
  };
  struct LookupCb {
    pmix_lookup_cbfunc_t cb;
    void* cbdata;
  };
  std::map<std::uint64_t, FenceCb> fences_;

  int tree_listen_fd_ = -1;
  std::string tree_token_;
  std::uint32_t tree_fanout_ = 0;
  Channel tree_parent_;
  struct TreePending {
    Channel ch;
    std::chrono::steady_clock::time_point since;
    std::vector<Message> got;  // a hello may come before our tree_setup
  };
  std::vector<TreePending> tree_pending_;
  std::map<std::uint32_t, Channel> tree_children_;
  std::vector<std::pair<int, std::size_t>> tree_who_;  // per tree fd: kind, index
  std::map<std::uint64_t, OpCb> ops_;
  std::map<std::uint64_t, LookupCb> lookups_;
};

// The one daemon of this process, for libpmix's C callbacks.
extern Daemon* g_daemon;

}  // namespace parley::launcher
