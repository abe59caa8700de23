// What the head tells one node daemon to run: the whole job's map (every
// daemon registers the full namespace with PMIx) plus this node's part of it.
// Encoded into the body of MsgType::launch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::launcher {

struct PlanApp {
  std::uint32_t appnum = 0;
  std::uint32_t first_rank = 0;  // ranks of an app are contiguous
  std::uint32_t size = 0;
  std::string exe;                // resolved path the daemon execs
  std::vector<std::string> argv;  // argv[0] as the user wrote it
  std::string wdir;               // empty: the daemon's cwd
};

struct LaunchPlan {
  std::string jobid;   // PARLEY_JOBID, unique per job
  std::string nspace;  // PMIx namespace of the job
  std::uint32_t node_id = 0;
  std::vector<std::string> hostnames;    // index = node id
  std::vector<std::uint32_t> rank_node;  // index = rank
  std::vector<std::uint32_t> rank_app;   // index = rank
  std::vector<PlanApp> apps;
  std::vector<std::string> env;  // VAR=VALUE added to every rank's environment
  std::string bind_to;           // "core", "socket", "none" or "" (default policy)
  std::string map_by;            // "core", "socket", "slot", "node"
  std::uint32_t universe_size = 0;
  std::uint32_t kill_grace_ms = 500;

  [[nodiscard]] std::uint32_t job_size() const { return static_cast<std::uint32_t>(rank_node.size()); }
  [[nodiscard]] std::uint32_t num_nodes() const { return static_cast<std::uint32_t>(hostnames.size()); }
  // Ranks on `node`, in rank order (their local ranks are their positions).
  [[nodiscard]] std::vector<std::uint32_t> ranks_on(std::uint32_t node) const;
};

[[nodiscard]] std::string encode_plan(const LaunchPlan& plan);
// False when the payload is malformed.
[[nodiscard]] bool decode_plan(const std::string& payload, LaunchPlan& out);

}  // namespace parley::launcher
