// parley-info: what this Parley build is and what it finds on this machine
// (version, build options, transports, libfabric providers, hwloc topology).
#include <hwloc.h>
#include <rdma/fabric.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "engine/engine.hpp"
#include "parley_version.h"
#include "transport/ofi/ofi_config.hpp"
#include "transport/shm/shm_config.hpp"

namespace {

void print_providers() {
  fi_info* hints = fi_allocinfo();
  if (hints == nullptr) return;
  hints->ep_attr->type = FI_EP_RDM;
  hints->caps = FI_MSG;
  fi_info* list = nullptr;
  int rc = fi_getinfo(FI_VERSION(1, 9), nullptr, nullptr, 0, hints, &list);
  std::printf("libfabric:        %u.%u\n", FI_MAJOR(fi_version()), FI_MINOR(fi_version()));
  if (rc != 0) {
    std::printf("  RDM providers:  none found (%s)\n", fi_strerror(-rc));
  } else {
    std::set<std::string> seen;
    for (fi_info* p = list; p != nullptr; p = p->next) {
      std::string name = p->fabric_attr->prov_name;
      if (!seen.insert(name).second) continue;
      std::printf("  RDM provider:   %-16s fabric %s%s\n", name.c_str(), p->fabric_attr->name,
                  (p->caps & FI_RMA) ? ", RMA" : "");
    }
    fi_freeinfo(list);
  }
  fi_freeinfo(hints);
}

void print_topology() {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
    std::printf("hwloc topology:   unavailable\n");
    return;
  }
  auto count = [&](hwloc_obj_type_t t) { return hwloc_get_nbobjs_by_type(topo, t); };
  std::printf("hwloc topology:   %d package(s), %d NUMA node(s), %d core(s), %d hardware thread(s)\n",
              count(HWLOC_OBJ_PACKAGE), count(HWLOC_OBJ_NUMANODE), count(HWLOC_OBJ_CORE), count(HWLOC_OBJ_PU));
  hwloc_obj_t l3 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_L3CACHE, 0);
  if (l3 != nullptr && l3->attr != nullptr)
    std::printf("  L3 cache:       %llu KiB\n", static_cast<unsigned long long>(l3->attr->cache.size / 1024));
  hwloc_topology_destroy(topo);
}

// The tunables: name, default, what it does, and the value this
// environment sets (defaults come from the structs that use them).
void print_params() {
  const parley::EngineParams engine;
  const parley::transport::shm::ShmConfig shm;
  const parley::transport::ofi::OfiConfig ofi;
  struct Param {
    const char* name;
    std::string def;
    const char* what;
  };
  const Param params[] = {
      {"PARLEY_EAGER_LIMIT", std::to_string(engine.eager_limit),
       "largest message sent eagerly (bytes); larger ones use rendezvous (CMA or the copy pipeline)"},
      {"PARLEY_SPIN_COUNT", std::to_string(engine.spin_count),
       "polls before a waiting rank yields its core (0 when the node is oversubscribed); spinning also stops after PARLEY_SPIN_NS"},
      {"PARLEY_SPIN_NS", std::to_string(engine.spin_ns),
       "longest spin phase of a wait (nanoseconds); a wait that receives restarts it"},
      {"PARLEY_SHM_CELL_SIZE", std::to_string(shm.cell_size), "shared-memory queue cell bytes (power of two)"},
      {"PARLEY_SHM_RING_CELLS", std::to_string(shm.ring_cells),
       "cells per ordered pair of ranks (power of two); the eager limit is capped at half the ring"},
      {"PARLEY_SHM_PIPE_CHUNK", std::to_string(shm.pipe_chunk), "copy-pipeline bounce slot bytes (CMA refused)"},
      {"PARLEY_SHM_PIPE_SLOTS", std::to_string(shm.pipe_slots), "copy-pipeline slots per ordered pair"},
      {"PARLEY_SHM_CMA", "auto", "0 turns single-copy CMA off (copy pipeline), 1/auto use it when allowed"},
      {"PARLEY_SHM_CMA_MIN_PIECE", std::to_string(engine.cma_min_piece),
       "noncontiguous rendezvous: CMA iovecs when both sides' mean contiguous piece is at least this (bytes), else the copy pipeline"},
      {"PARLEY_SHM_CMA_SPLIT", std::to_string(engine.cma_split),
       "contiguous rendezvous of at least this many bytes from a sender idle in a wait: both ranks copy half (0: never; by default only with a core per rank)"},
      {"PARLEY_TRANSPORT", "shm",
       "between ranks of one node: shm (shared memory), or ofi (libfabric, as between nodes)"},
      {"PARLEY_OFI_PROVIDER", "first", "libfabric provider (e.g. 'tcp;ofi_rxm', 'verbs;ofi_rxm'); FI_PROVIDER also filters"},
      {"PARLEY_OFI_IFACE", "by class",
       "interface/domain name or IP address; 'any' allows public addresses (never chosen otherwise)"},
      {"PARLEY_OFI_SCOPE", "auto", "node: loopback first; network: fabric/private network first (default with several nodes)"},
      {"PARLEY_OFI_RMA", "auto", "0 hides FI_RMA: large messages go as a pipeline of eager sends instead of fi_read"},
      {"PARLEY_OFI_EAGER", std::to_string(ofi.eager_size), "receive buffer bytes = largest eager message over ofi"},
      {"PARLEY_OFI_RX_BUFFERS", std::to_string(ofi.rx_buffers), "receive buffers posted (the receive memory bound)"},
      {"PARLEY_OFI_TX_BUFFERS", std::to_string(ofi.tx_buffers), "sends in flight"},
      {"PARLEY_OFI_CREDITS", std::to_string(ofi.credits),
       "unconsumed messages one sender may have at a receiver (same in every process)"},
      {"PARLEY_OFI_READ_OPS", std::to_string(ofi.read_ops), "rendezvous reads in flight"},
      {"PARLEY_OFI_READ_CHUNK", std::to_string(ofi.read_chunk), "bytes of one fi_read"},
      {"PARLEY_OFI_UNEXPECTED_MAX", std::to_string(ofi.unexpected_max),
       "unexpected eager bytes a process may hold (payload + 128 per message), split among its peers; a sender out of its share uses rendezvous"},
      {"PARLEY_OFI_CONNECT_TIMEOUT_MS", std::to_string(ofi.connect_timeout_ms),
       "a peer never reached is given up after this many ms of refused sends"},
      {"PARLEY_TIMEOUT", "none", "parleyrun --timeout in seconds (also MPIEXEC_TIMEOUT)"},
  };
  std::printf("%-30s %-10s %-10s %s\n", "variable", "default", "set to", "meaning");
  for (const Param& p : params) {
    const char* v = std::getenv(p.name);
    std::printf("%-30s %-10s %-10s %s\n", p.name, p.def.c_str(), v != nullptr ? v : "-", p.what);
  }
}

void usage() {
  std::printf(
      "usage: parley-info [--version] [--params] [--help]\n"
      "  --params  the PARLEY_* tunables, their defaults and this environment's values\n"
      "Prints Parley's version, build options, transports, the libfabric\n"
      "providers it can use and a summary of this machine's topology.\n");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--version") || !std::strcmp(argv[i], "-V")) {
      std::printf("parley-info (Parley) %s\n", PARLEY_VERSION);
      return 0;
    }
    if (!std::strcmp(argv[i], "--params")) {
      print_params();
      return 0;
    }
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      usage();
      return 0;
    }
    std::fprintf(stderr, "parley-info: unknown option '%s' (try --help)\n", argv[i]);
    return 1;
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::printf("Parley %s\n", PARLEY_VERSION);
  std::printf("MPI standard:     4.0 (MPICH ABI, libmpi.so.12 / libmpich.so.12)\n");
  std::printf("build:            %s\n", PARLEY_BUILD_INFO);
  std::printf("host:             %s\n", host);
  std::printf("transports:       self (a rank to itself), shm (ranks on one node: shared-memory queues,\n"
              "                  CMA single-copy rendezvous, copy-pipeline fallback), ofi (libfabric: ranks on\n"
              "                  other nodes, or all with PARLEY_TRANSPORT=ofi; fi_read rendezvous); see --params\n");
  print_providers();
  print_topology();
  return 0;
}
