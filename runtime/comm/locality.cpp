// hwloc queries for MPI_Comm_split_type: the topology is loaded once, on
// the first hardware-guided or unguided split.
#include "comm/locality.hpp"

#include <hwloc.h>

namespace parley::comm {
namespace {

struct Machine {
  hwloc_topology_t topo = nullptr;
  hwloc_bitmap_t bound = nullptr;  // this process's CPU binding
  bool ok = false;
  Machine() {
    if (hwloc_topology_init(&topo) != 0) return;
    // CPUs, caches and NUMA nodes are all that matter here.
    (void)hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(topo) != 0) return;
    bound = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) != 0) {
      // Unknown binding: take everything this process may run on.
      hwloc_bitmap_copy(bound, hwloc_topology_get_allowed_cpuset(topo));
    }
    ok = !hwloc_bitmap_iszero(bound);
  }
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  Machine(Machine&&) = delete;
  Machine& operator=(Machine&&) = delete;
  ~Machine() {
    if (bound) hwloc_bitmap_free(bound);
    if (topo) hwloc_topology_destroy(topo);
  }
};

Machine& machine() {
  static Machine m;
  return m;
}

}  // namespace

int hw_instance(const std::string& type_in) {
  std::string type = type_in;
  if (type.rfind("hwloc://", 0) == 0) type = type.substr(8);
  Machine& m = machine();
  if (!m.ok || type.empty()) return -2;
  hwloc_obj_type_t t;
  int depth = HWLOC_TYPE_DEPTH_UNKNOWN;
  if (hwloc_type_sscanf_as_depth(type.c_str(), &t, m.topo, &depth) != 0) return -2;
  if (depth == HWLOC_TYPE_DEPTH_UNKNOWN || depth == HWLOC_TYPE_DEPTH_MULTIPLE) return -2;
  // The one object whose CPUs include the whole binding (objects of one
  // level are disjoint, so at most one does).
  const int n = hwloc_get_nbobjs_by_depth(m.topo, depth);
  for (int i = 0; i < n; ++i) {
    hwloc_obj_t o = hwloc_get_obj_by_depth(m.topo, depth, static_cast<unsigned>(i));
    if (o != nullptr && o->cpuset != nullptr && hwloc_bitmap_isincluded(m.bound, o->cpuset))
      return static_cast<int>(o->logical_index);
  }
  return -1;
}

}  // namespace parley::comm
