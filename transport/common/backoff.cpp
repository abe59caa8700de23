// node_oversubscribed(): compares local ranks with the CPUs we may run on.
#include "transport/common/backoff.hpp"

#include <unistd.h>

namespace parley::transport {

bool node_oversubscribed(unsigned local_ranks) {
  cpu_set_t set;
  CPU_ZERO(&set);
  long cpus = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    cpus = CPU_COUNT(&set);
  } else {
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
  }
  // Affinity of one rank may be a single core while the node has more; the
  // launcher binds ranks one per core, so compare with the online count too.
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online > cpus) cpus = online;
  return cpus <= 0 || static_cast<long>(local_ranks) > cpus;
}

}  // namespace parley::transport
