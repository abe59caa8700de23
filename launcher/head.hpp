// parleyrun's head: starts one node daemon per host, combines fences across
// daemons, keeps the publish/lookup names, writes the ranks' output, decides
// the job's exit code, forwards signals and enforces --timeout.
// Single-threaded: one poll() loop over the daemons' pipes or sockets, the
// TCP listener and launch agents' output while daemons connect, stdin and a
// signalfd.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "job_map.hpp"
#include "launch_plan.hpp"
#include "options.hpp"
#include "protocol.hpp"

namespace parley::launcher {

class Head {
 public:
  using Clock = std::chrono::steady_clock;

  Head(Options opts, JobMap map, std::vector<PlanApp> apps);
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;
  Head(Head&&) = delete;
  Head& operator=(Head&&) = delete;
  ~Head();

  // Runs the job; returns parleyrun's exit code.
  int run();

 private:
  struct DaemonConn {
    std::string host;
    bool local = true;
    pid_t pid = -1;      // the local daemon, or the launch agent of a remote one
    Channel ch;          // pipes (local) or the TCP connection (remote)
    bool launched = false;
    bool eof = false;    // nothing more will come from it
    bool reaped = false;
    // remote daemons only
    bool connected = false;
    std::string token;
    int agent_out = -1;      // the agent's stdout+stderr
    std::string agent_text;  // what it wrote (before connecting: kept for the report)
    bool lost = false;       // its connection closed before it reported every rank
    bool agent_done = false; // the agent exited 0 before the daemon connected
    Clock::time_point agent_grace{};  // ... then the daemon has until this to connect
    std::vector<std::string> agent;  // the agent's words, for the cleanup run
  };
  struct PendingConn {
    Channel ch;
    Clock::time_point since;
  };
  struct RankInfo {
    pid_t pid = -1;
    bool exited = false;
  };
  enum class Phase { running, dumping, signalled, ending };

  // head.cpp
  [[nodiscard]] bool start_daemons();
  void handle(std::size_t d, const Message& m);
  void on_rank_exited(std::size_t d, Reader& r);
  void on_signal();
  void on_timers();
  void reap_daemons();
  void read_stdin();
  void write_output(std::uint32_t rank, std::uint32_t stream, const std::string& lines);
  void end_job(int code);
  void broadcast(MsgType t, const std::string& payload);
  [[nodiscard]] std::string host_of(std::uint32_t rank) const;
  [[nodiscard]] bool all_daemons_gone() const;
  void accept_daemons();
  void read_hellos();
  void read_agent(DaemonConn& d, bool to_eof);
  void on_daemon_eof(std::size_t i);
  void agent_failed(DaemonConn& d, int status);
  void stop_listening();
  void clean_lost_hosts();
  void on_tree_message(std::size_t d, MsgType t, Reader& r);
  [[nodiscard]] std::string ranks_left_on(std::size_t node) const;
  // head_services.cpp: fences and the name service
  void on_fence(std::size_t d, Reader& r);
  void on_publish(std::size_t d, Reader& r);
  void on_lookup(std::size_t d, Reader& r);
  void on_unpublish(std::size_t d, Reader& r);
  [[nodiscard]] bool try_lookup(std::size_t d, std::uint64_t id, const std::vector<std::string>& keys, bool final);

  Options opts_;
  JobMap map_;
  LaunchPlan plan_;
  std::vector<DaemonConn> daemons_;
  std::vector<RankInfo> ranks_;
  std::size_t ranks_exited_ = 0;
  int signal_fd_ = -1;
  bool stdin_open_ = false;
  std::size_t stdin_daemon_ = 0;
  std::uint32_t tag_job_ = 1;

  Phase phase_ = Phase::running;
  int exit_code_ = 0;
  bool have_deadline_ = false;
  Clock::time_point deadline_{};       // --timeout
  Clock::time_point dump_until_{};     // end of the dump-state window
  Clock::time_point signal_grace_{};   // forwarded signal: kill after this
  Clock::time_point daemon_kill_at_{}; // daemons still alive: SIGKILL them
  bool daemons_killed_ = false;
  // The fence tree (README): daemons' tree listeners, joins, readiness.
  std::uint32_t tree_fanout_ = 8;
  std::vector<std::string> tree_addrs_;
  std::vector<std::uint32_t> tree_ports_;
  std::size_t tree_listening_ = 0;
  std::size_t tree_joined_ = 0;
  bool tree_sent_ = false;
  bool tree_ready_ = false;
  bool tree_broken_ = false;
  std::size_t fences_tree_ = 0, fences_direct_ = 0;  // PARLEY_LAUNCH_STATS
  int listen_fd_ = -1;
  std::uint16_t listen_port_ = 0;
  std::vector<PendingConn> pending_;
  Clock::time_point connect_deadline_{};
  double connect_timeout_s_ = 30;

  struct FenceRound {
    std::vector<bool> expected;      // per daemon
    std::vector<std::uint64_t> ids;  // per daemon: its fence id
    std::vector<std::string> blobs;  // per daemon
    std::size_t missing = 0;
  };
  std::map<std::string, std::deque<FenceRound>> fences_;
  struct Published {
    std::string blob;
    std::uint32_t rank;
  };
  std::map<std::string, Published> names_;
  struct PendingLookup {
    std::size_t daemon;
    std::uint64_t id;
    std::vector<std::string> keys;
  };
  std::vector<PendingLookup> waiting_lookups_;
};

[[nodiscard]] std::string signal_name(int sig);

}  // namespace parley::launcher
