// parley-daemon entry point: started by parleyrun, either directly (then it
// speaks the head protocol on stdin/stdout) or on another host through the
// launch agent with --head ADDRS --port P --node N --token T (then it
// connects back to the head over TCP and introduces itself with the token).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "cleanup.hpp"
#include "daemon.hpp"
#include "net.hpp"
#include "version.hpp"

using namespace parley::launcher;

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("parley-daemon (Parley) %s\n", PARLEY_VERSION);
    return 0;
  }
  std::string head_addrs, port_text, node_text, token, host, cleanup_job;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--head") head_addrs = v;
    else if (k == "--port") port_text = v;
    else if (k == "--node") node_text = v;
    else if (k == "--token") token = v;
    else if (k == "--host") host = v;
    else if (k == "--cleanup") cleanup_job = v;
    else {
      std::fprintf(stderr, "parley-daemon: unknown argument '%s' (started by parleyrun, not by hand)\n", k.c_str());
      return 1;
    }
  }
  if (!cleanup_job.empty()) {
    // Run by parleyrun through the launch agent after this host's daemon was
    // lost: remove what it would have removed.
    if (cleanup_job.find('/') != std::string::npos) return 1;
    remove_job_tmpdirs(tmp_root(), cleanup_job);
    (void)remove_job_shm(cleanup_job);
    return 0;
  }
  // No parent-death signal of our own: a daemon the head starts directly
  // has the head's (set before exec, kept across it), and one started
  // through an agent must not die with the agent, which may exit at any
  // moment (`sh -c '( exec "$@" & )'` detaches us, ssh's shell may go).
  // The connection to the head is what tells us the head is gone.
  int sock = -1;
  if (!head_addrs.empty()) {
    long port = std::strtol(port_text.c_str(), nullptr, 10);
    if (port <= 0 || port > 65535 || node_text.empty() || token.empty()) {
      std::fprintf(stderr, "parley-daemon: --head needs --port, --node and --token\n");
      return 1;
    }
    std::string error;
    sock = connect_any(split_commas(head_addrs), static_cast<std::uint16_t>(port), 5000, error);
    if (sock < 0) {
      std::fprintf(stderr, "parley-daemon on %s: cannot connect back to parleyrun (%s)\n",
                   host.empty() ? "?" : host.c_str(), error.c_str());
      return 1;
    }
  } else if (::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "parley-daemon: started by parleyrun; not meant to be run by hand\n");
    return 1;
  }
  // libpmix's shared-memory job-data store (gds ds12/ds21) costs more at
  // start-up than it saves for node-sized jobs (measured: -n 8 starts in
  // ~50 ms with the hash store, ~110 ms without). Ranks inherit the choice,
  // as they must: client and server need a common store. A user's setting wins.
  ::setenv("PMIX_MCA_gds", "hash", 0);
  Daemon daemon(sock >= 0 ? sock : STDIN_FILENO, sock >= 0 ? sock : STDOUT_FILENO);
  if (sock >= 0)
    daemon.send(MsgType::hello,
                Writer().u32(static_cast<std::uint32_t>(std::strtoul(node_text.c_str(), nullptr, 10))).str(token).take());
  return daemon.run();
}
