// parleyrun's command line: mpiexec-style options, MPMD segments split by ':'.
// Parsing only checks syntax; hosts, executables and the job map are checked
// later (hosts.hpp, exec_path.hpp, job_map.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::launcher {

struct HostSlots {
  std::string name;
  std::uint32_t slots = 0;  // 0: not given (one slot; -ppn N: N slots)
  std::string where;        // "--host" or "FILE:LINE", for messages
};

struct AppOptions {
  std::uint32_t nprocs = 1;
  bool nprocs_given = false;  // -n absent: 1, or -ppn x hosts
  std::vector<std::string> argv;  // argv[0] is the executable as given
};

struct Options {
  std::vector<AppOptions> apps;
  std::vector<HostSlots> hosts;   // from --host (hostfile read separately)
  std::string hostfile;
  std::vector<std::string> env;   // VAR=VALUE for every rank (-x, --env, -env)
  std::string wdir;
  std::string bind_to;            // "" = default policy
  std::string map_by = "slot";   // "slot", "node", "core", "socket"; ppr:N:node sets ppn
  std::uint32_t ppn = 0;          // -ppn / --map-by ppr:N:node; 0 = not given
  std::string launch_agent;       // "" = ssh
  double timeout_s = 0;           // 0 = none
  bool tag_output = false;
  bool oversubscribe = false;
  bool show_help = false;
  bool show_version = false;
};

// Parses argv[1..]; on a bad option returns false with a one-line message
// (without the "parleyrun: " prefix). Reads PARLEY_TIMEOUT / MPIEXEC_TIMEOUT.
[[nodiscard]] bool parse_options(int argc, char** argv, Options& out, std::string& error);

// Parses a process count or slot count: a whole number >= 1.
[[nodiscard]] bool parse_count(const std::string& what, const std::string& text, std::uint32_t& out,
                               std::string& error);

// Parses "h1,h2:4,h3" into hosts.
[[nodiscard]] bool parse_host_list(const std::string& text, std::vector<HostSlots>& out, std::string& error);

[[nodiscard]] const char* usage_text();

}  // namespace parley::launcher
