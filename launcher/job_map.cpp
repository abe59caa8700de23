// Host lists, rank placement and executable lookup for the head.
#include "job_map.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace parley::launcher {

std::string local_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool is_local_host(const std::string& name) {
  if (name == "localhost" || name == "127.0.0.1" || name == "::1") return true;
  std::string me = local_hostname();
  if (name == me) return true;
  auto shortname = [](const std::string& s) { return s.substr(0, s.find('.')); };
  return shortname(name) == shortname(me);
}

bool read_hostfile(const std::string& path, std::vector<HostSlots>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "--hostfile: cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string host, word;
    if (!(words >> host)) continue;
    HostSlots h;
    std::size_t colon = host.rfind(':');
    std::string where = path + ":" + std::to_string(lineno);
    h.where = where;
    if (colon != std::string::npos) {
      if (!parse_count(where, host.substr(colon + 1), h.slots, error)) return false;
      host = host.substr(0, colon);
    }
    h.name = host;
    while (words >> word) {
      if (word.rfind("slots=", 0) == 0) {
        if (!parse_count(where + ": slots", word.substr(6), h.slots, error)) return false;
      } else if (word.rfind("max_slots=", 0) == 0 || word.rfind("max-slots=", 0) == 0) {
        // accepted for compatibility; the slots are the limit (see --oversubscribe)
      } else {
        error = where + ": unexpected '" + word + "' (expected 'host [slots=N]')";
        return false;
      }
    }
    if (h.name.empty()) {
      error = where + ": missing host name";
      return false;
    }
    out.push_back(h);
  }
  if (in.bad()) {
    error = "--hostfile: cannot read '" + path + "'";
    return false;
  }
  if (out.empty()) {
    error = "--hostfile: '" + path + "' lists no hosts";
    return false;
  }
  return true;
}

bool build_job_map(const Options& opts, const std::vector<HostSlots>& hosts_in, JobMap& m, std::string& error) {
  // Each host once: Open MPI adds up the slots of a repeated host, MPICH
  // visits it again when it cycles through the list; since the two disagree,
  // a repeat (or two names of the local machine) is refused.
  struct Host {
    std::string name;
    bool local;
    std::uint32_t slots;  // capacity
    bool limited;         // slots bound the ranks (unless --oversubscribe)
    std::string where;
    std::string given;    // the name as written
  };
  std::vector<Host> hosts;
  for (const auto& h : hosts_in) {
    bool local = is_local_host(h.name);
    for (const auto& e : hosts)
      if (e.given == h.name || (local && e.local)) {
        std::string same = e.given == h.name ? "" : " (as '" + e.given + "', the same machine)";
        error = h.where + ": host '" + h.name + "' is listed twice" + same + "; list each host once, with all its slots ('" +
                h.name + ":N' or '" + h.name + " slots=N')";
        return false;
      }
    std::uint32_t slots = h.slots ? h.slots : (opts.ppn ? opts.ppn : 1);
    hosts.push_back({local ? local_hostname() : h.name, local, slots, true, h.where, h.name});
  }
  if (hosts.empty()) {
    long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    std::uint32_t c = static_cast<std::uint32_t>(cpus > 0 ? cpus : 1);
    hosts.push_back({local_hostname(), true, opts.ppn ? opts.ppn : c, opts.ppn != 0, "", "localhost"});
  }

  std::uint32_t total = 0;
  std::vector<std::uint32_t> counts;
  for (const auto& a : opts.apps) counts.push_back(a.nprocs);
  if (opts.ppn && opts.apps.size() == 1 && !opts.apps[0].nprocs_given)
    counts[0] = opts.ppn * static_cast<std::uint32_t>(hosts.size());
  for (auto c : counts) total += c;
  std::vector<std::uint32_t> rank_host(total);
  std::uint32_t slots_total = 0;
  for (const auto& h : hosts) slots_total += h.slots;
  const auto nh = static_cast<std::uint32_t>(hosts.size());
  if (opts.ppn) {
    // Blocks of ppn consecutive ranks, host after host, wrapping around.
    for (std::uint32_t r = 0; r < total; ++r) rank_host[r] = (r / opts.ppn) % nh;
  } else if (opts.map_by == "node") {
    for (std::uint32_t r = 0; r < total; ++r) rank_host[r] = r % nh;
  } else {
    // Fill each host's slots in order; past the last slot, wrap round-robin.
    std::uint32_t r = 0;
    for (std::uint32_t h = 0; h < nh && r < total; ++h)
      for (std::uint32_t s = 0; s < hosts[h].slots && r < total; ++s) rank_host[r++] = h;
    for (std::uint32_t k = 0; r < total; ++k) rank_host[r++] = k % nh;
  }
  bool fill = !opts.ppn && opts.map_by != "node";
  if (!opts.oversubscribe && fill && total > slots_total && hosts[0].limited) {
    std::string list;
    for (const auto& h : hosts) list += (list.empty() ? "" : ", ") + h.given + ": " + std::to_string(h.slots);
    error = std::to_string(total) + " ranks do not fit in " + std::to_string(slots_total) + " slot" +
            (slots_total == 1 ? "" : "s") + " (" + list + "); give more slots or add --oversubscribe";
    return false;
  }
  if (!opts.oversubscribe) {
    std::vector<std::uint32_t> placed(nh, 0);
    for (auto h : rank_host) ++placed[h];
    for (std::uint32_t h = 0; h < nh; ++h)
      if (hosts[h].limited && placed[h] > hosts[h].slots) {
        error = std::to_string(total) + " ranks do not fit: host '" + hosts[h].given + "' has " +
                std::to_string(hosts[h].slots) + " slot" + (hosts[h].slots == 1 ? "" : "s") + " and would get " +
                std::to_string(placed[h]) + " (" + std::to_string(slots_total) + " slots on " +
                std::to_string(nh) + " host" + (nh == 1 ? "" : "s") +
                "); give more slots or add --oversubscribe";
        return false;
      }
  }

  std::vector<int> node_of_host(hosts.size(), -1);
  m = JobMap{};
  m.nprocs = counts;
  m.universe_size = std::max(slots_total, total);
  for (std::uint32_t r = 0; r < total; ++r) {
    std::uint32_t h = rank_host[r];
    if (node_of_host[h] < 0) {
      node_of_host[h] = static_cast<int>(m.nodes.size());
      m.nodes.push_back(hosts[h].name);
      m.node_is_local.push_back(hosts[h].local);
    }
    m.rank_node.push_back(static_cast<std::uint32_t>(node_of_host[h]));
  }
  for (std::uint32_t a = 0; a < counts.size(); ++a)
    for (std::uint32_t k = 0; k < counts[a]; ++k) m.rank_app.push_back(a);
  return true;
}

bool resolve_executable(const std::string& name, const std::string& wdir, std::string& path, std::string& error) {
  auto check = [&](const std::string& p, bool report) -> bool {
    struct stat st{};
    if (::stat(p.c_str(), &st) != 0) {
      if (report) error = name + ": no such executable";
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      if (report) error = name + ": is a directory, not an executable";
      return false;
    }
    // root passes access(X_OK) on any file; an exec bit is needed all the same
    if (::access(p.c_str(), X_OK) != 0 || (st.st_mode & 0111) == 0) {
      if (report) error = name + ": not executable (permission denied)";
      return false;
    }
    return true;
  };
  if (name.empty()) {
    error = "empty executable name";
    return false;
  }
  if (name.find('/') != std::string::npos) {
    path = (name[0] != '/' && !wdir.empty()) ? wdir + "/" + name : name;
    if (!check(path, true)) return false;
    if (path[0] != '/') {
      char* abs = ::realpath(path.c_str(), nullptr);
      if (abs) {
        path = abs;
        std::free(abs);
      }
    }
    return true;
  }
  const char* env_path = std::getenv("PATH");
  std::string dirs = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    start = colon == std::string::npos ? dirs.size() + 1 : colon + 1;
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (check(candidate, false)) {
      path = candidate;
      return true;
    }
  }
  error = name + ": no such executable (not found on PATH)";
  return false;
}

}  // namespace parley::launcher
