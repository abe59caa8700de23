// Command-line parsing for parleyrun (see options.hpp).
#include "options.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace parley::launcher {

namespace {

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

bool parse_seconds(const std::string& what, const std::string& text, double& out, std::string& error) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !(v > 0) || v > 1e9) {
    error = what + ": '" + text + "' is not a positive number of seconds";
    return false;
  }
  out = v;
  return true;
}

// Checks VAR=VALUE / VAR for -x and --env.
bool valid_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

bool parse_count(const std::string& what, const std::string& text, std::uint32_t& out, std::string& error) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    error = what + ": '" + text + "' is not a number";
    return false;
  }
  errno = 0;
  unsigned long v = std::strtoul(text.c_str(), nullptr, 10);
  if (errno != 0 || v > 1000000) {
    error = what + ": '" + text + "' is too large";
    return false;
  }
  if (v == 0) {
    error = what + ": the count must be at least 1";
    return false;
  }
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_host_list(const std::string& text, std::vector<HostSlots>& out, std::string& error) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) {
      error = "--host: empty host name in '" + text + "'";
      return false;
    }
    HostSlots h;
    h.where = "--host";
    std::size_t colon = item.rfind(':');
    h.name = item.substr(0, colon);
    if (colon != std::string::npos && !parse_count("--host " + h.name, item.substr(colon + 1), h.slots, error))
      return false;
    if (h.name.empty()) {
      error = "--host: empty host name in '" + text + "'";
      return false;
    }
    out.push_back(h);
  }
  return true;
}

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
  AppOptions app;
  bool have_timeout = false;
  int i = 1;
  // Returns the value of an option: "--opt=value" or the next word.
  auto value_of = [&](const std::string& opt, const std::string& inline_value, bool has_inline,
                      std::string& v) -> bool {
    if (has_inline) {
      v = inline_value;
      return true;
    }
    if (i + 1 >= argc) {
      error = opt + ": missing value";
      return false;
    }
    v = argv[++i];
    return true;
  };

  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == ":") {
      if (app.argv.empty()) {
        error = "':' must follow an executable (MPMD: -n 1 ./a : -n 3 ./b)";
        return false;
      }
      o.apps.push_back(std::move(app));
      app = AppOptions{};
      continue;
    }
    if (!app.argv.empty()) {  // everything after the executable belongs to it, up to ':'
      app.argv.push_back(arg);
      continue;
    }
    if (arg == "--") {
      if (i + 1 >= argc) break;
      app.argv.push_back(argv[++i]);
      continue;
    }
    if (arg.empty() || arg[0] != '-') {
      app.argv.push_back(arg);
      continue;
    }
    std::string name = arg, inl;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        inl = arg.substr(eq + 1);
        has_inline = true;
      }
    }
    std::string v;
    if (name == "-n" || name == "-np" || name == "-c" || name == "--n" || name == "--np") {
      if (!value_of(name, inl, has_inline, v) || !parse_count(name, v, app.nprocs, error)) return false;
      app.nprocs_given = true;
    } else if (name == "-ppn" || name == "--ppn" || name == "-perhost" || name == "--npernode" ||
               name == "-npernode" || name == "-N") {
      if (!value_of(name, inl, has_inline, v) || !parse_count(name, v, o.ppn, error)) return false;
    } else if (name == "--host" || name == "-host" || name == "-H") {
      if (!value_of(name, inl, has_inline, v) || !parse_host_list(v, o.hosts, error)) return false;
    } else if (name == "--hostfile" || name == "-hostfile" || name == "-f" || name == "--machinefile" ||
               name == "-machinefile") {
      if (!value_of(name, inl, has_inline, o.hostfile)) return false;
    } else if (name == "-x") {
      if (!value_of(name, inl, has_inline, v)) return false;
      std::size_t eq = v.find('=');
      std::string var = v.substr(0, eq);
      if (!valid_env_name(var)) {
        error = "-x: '" + v + "' is not VAR or VAR=VALUE";
        return false;
      }
      if (eq != std::string::npos) {
        o.env.push_back(v);
      } else if (const char* val = std::getenv(var.c_str())) {
        o.env.push_back(var + "=" + val);
      }  // an unset VAR is exported as unset, as mpirun does
    } else if (name == "--env" || name == "-genv") {
      if (!value_of(name, inl, has_inline, v)) return false;
      std::size_t eq = v.find('=');
      if (eq == std::string::npos && name == "-genv" && i + 1 < argc) {
        v += std::string("=") + argv[++i];  // hydra form: -genv VAR VALUE
        eq = v.find('=');
      }
      if (eq == std::string::npos || !valid_env_name(v.substr(0, eq))) {
        error = name + ": '" + v + "' is not VAR=VALUE";
        return false;
      }
      o.env.push_back(v);
    } else if (name == "-env") {  // hydra form: -env VAR VALUE
      if (i + 2 >= argc) {
        error = "-env: expects VAR VALUE";
        return false;
      }
      std::string var = argv[++i];
      if (!valid_env_name(var)) {
        error = "-env: '" + var + "' is not a variable name";
        return false;
      }
      o.env.push_back(var + "=" + argv[++i]);
    } else if (name == "--tag-output" || name == "-tag-output" || name == "--prepend-rank" ||
               name == "-prepend-rank" || name == "-l") {
      o.tag_output = true;
    } else if (name == "--bind-to" || name == "-bind-to") {
      if (!value_of(name, inl, has_inline, v)) return false;
      if (!one_of(v, {"core", "socket", "none"})) {
        error = name + ": '" + v + "' is not one of core, socket, none";
        return false;
      }
      o.bind_to = v;
    } else if (name == "--map-by" || name == "-map-by") {
      if (!value_of(name, inl, has_inline, v)) return false;
      std::string lower = v.substr(0, v.find(':'));
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "ppr") {  // ppr:N:node -- N ranks per node
        std::size_t c1 = v.find(':'), c2 = v.find(':', c1 + 1);
        std::string unit = c2 == std::string::npos ? "" : v.substr(c2 + 1);
        if (c2 == std::string::npos || (unit != "node" && unit != "NODE")) {
          error = name + ": '" + v + "': only ppr:N:node is supported";
          return false;
        }
        if (!parse_count(name + " ppr", v.substr(c1 + 1, c2 - c1 - 1), o.ppn, error)) return false;
        o.map_by = "slot";
      } else if (one_of(lower, {"core", "socket", "slot", "node"}) && lower.size() == v.size()) {
        o.map_by = lower;
      } else {
        error = name + ": '" + v + "' is not one of core, socket, slot, node, ppr:N:node";
        return false;
      }
    } else if (name == "--oversubscribe" || name == "-oversubscribe") {
      o.oversubscribe = true;
    } else if (name == "--timeout" || name == "-timeout") {
      if (!value_of(name, inl, has_inline, v) || !parse_seconds(name, v, o.timeout_s, error)) return false;
      have_timeout = true;
    } else if (name == "--wdir" || name == "-wdir" || name == "-wd") {
      if (!value_of(name, inl, has_inline, o.wdir)) return false;
    } else if (name == "--launch-agent" || name == "-launcher-exec") {
      if (!value_of(name, inl, has_inline, o.launch_agent)) return false;
    } else if (name == "--version" || name == "-V" || name == "-version") {
      o.show_version = true;
      return true;
    } else if (name == "--help" || name == "-h" || name == "-help") {
      o.show_help = true;
      return true;
    } else {
      error = "unknown option '" + arg + "' (see parleyrun --help)";
      return false;
    }
  }
  if (app.argv.empty()) {
    error = o.apps.empty() ? "no executable given (usage: parleyrun -n N ./program [args])"
                           : "nothing after the last ':' (MPMD: -n 1 ./a : -n 3 ./b)";
    return false;
  }
  o.apps.push_back(std::move(app));
  if (!have_timeout) {
    for (const char* var : {"PARLEY_TIMEOUT", "MPIEXEC_TIMEOUT"}) {
      const char* t = std::getenv(var);
      if (t && *t) {
        if (!parse_seconds(var, t, o.timeout_s, error)) return false;
        break;
      }
    }
  }
  return true;
}

const char* usage_text() {
  return R"(usage: parleyrun [options] [-n N] program [args] [: [-n M] program2 [args] ...]

Starts an MPI job: N copies of program (MPMD: several programs split by ':').
Ranks inherit parleyrun's environment.

  -n, -np, -c N          number of processes of this program (default 1)
  --host H1[:S],H2...    hosts and slot counts (a host without a count has 1 slot;
                         each host once)
  --hostfile, -f FILE    hosts from FILE: one 'host [slots=N]' or 'host:N' per line,
                         '#' comments, each host once
  -ppn, --npernode N     N consecutive ranks per host (also --map-by ppr:N:node);
                         without -n: N x hosts ranks
  --launch-agent CMD     how to start a daemon on another host; '{host}' is replaced
                         by the host name (default: 'ssh {host}'); the daemon
                         connects back to parleyrun over TCP
  -x VAR[=VALUE]         export VAR (with the current or the given value) to ranks
  --env VAR=VALUE        set VAR in the ranks' environment (also -env VAR VALUE)
  --wdir DIR             working directory of the ranks
  --tag-output           prefix every output line with [job,rank]<stdout|stderr>:
  --bind-to core|socket|none
                         bind each rank (default: core when the node's ranks fit
                         its cores, none when oversubscribed)
  --map-by core|socket|slot|node|ppr:N:node
                         slot (default): fill each host's slots in order;
                         node: round-robin over hosts; core/socket: like slot,
                         and the order of binding within a host
  --oversubscribe        allow more ranks on a host than its slots (needed only
                         when --host/--hostfile give slots; without hosts the
                         local machine takes any number of ranks)
  --timeout S            end the job after S seconds; ranks first report where
                         they are blocked; exit code 124 (also PARLEY_TIMEOUT or
                         MPIEXEC_TIMEOUT in the environment)
  --version              print the version
  --help                 print this help
  --                     end of options: the next word is the program

Exit code: the job's (the first failing rank's code, 128+signal for a rank
killed by a signal, MPI_Abort's code, 124 on timeout, 128+signal when
parleyrun itself was interrupted).
)";
}

}  // namespace parley::launcher
