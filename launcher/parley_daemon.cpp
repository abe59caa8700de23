// parley-daemon entry point: started by parleyrun (directly, or on another
// host through the launch agent); speaks the head protocol on stdin/stdout.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/prctl.h>
#include <unistd.h>

#include "daemon.hpp"
#include "version.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("parley-daemon (Parley) %s\n", PARLEY_VERSION);
    return 0;
  }
  if (::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "parley-daemon: started by parleyrun; not meant to be run by hand\n");
    return 1;
  }
  // If the head dies, end the job (the head sets this too, before exec;
  // setting it here covers a daemon started through a launch agent).
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // libpmix's shared-memory job-data store (gds ds12/ds21) costs more at
  // start-up than it saves for node-sized jobs (measured: -n 8 starts in
  // ~50 ms with the hash store, ~110 ms without). Ranks inherit the choice,
  // as they must: client and server need a common store. A user's setting wins.
  ::setenv("PMIX_MCA_gds", "hash", 0);
  parley::launcher::Daemon daemon;
  return daemon.run();
}
