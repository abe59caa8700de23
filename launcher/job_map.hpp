// The job map: which hosts run daemons and which rank runs where. Reads the
// hostfile, merges --host, places ranks by --map-by, and fills a LaunchPlan
// (without node_id, which differs per daemon).
#pragma once

#include <string>
#include <vector>

#include "launch_plan.hpp"
#include "options.hpp"

namespace parley::launcher {

// Reads `host [slots=N]` / `host:N` lines ('#' starts a comment).
[[nodiscard]] bool read_hostfile(const std::string& path, std::vector<HostSlots>& out, std::string& error);

// True when `name` denotes the machine parleyrun runs on.
[[nodiscard]] bool is_local_host(const std::string& name);

[[nodiscard]] std::string local_hostname();

struct JobMap {
  std::vector<std::string> nodes;  // hosts that run at least one rank (node id = index)
  std::vector<bool> node_is_local;
  std::vector<std::uint32_t> rank_node;
  std::vector<std::uint32_t> rank_app;
  std::vector<std::uint32_t> nprocs;  // per app (-ppn without -n: ppn x hosts)
  std::uint32_t universe_size = 0;  // total slots
};

// Builds the map from options (+ hostfile hosts already merged into `hosts`).
[[nodiscard]] bool build_job_map(const Options& opts, const std::vector<HostSlots>& hosts, JobMap& out,
                                 std::string& error);

// Resolves an executable as execvp would (PATH search for bare names,
// relative to `wdir` when given). Fills `path` or a one-line error.
[[nodiscard]] bool resolve_executable(const std::string& name, const std::string& wdir, std::string& path,
                                      std::string& error);

}  // namespace parley::launcher
