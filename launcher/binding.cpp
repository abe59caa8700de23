// hwloc-based placement of a node's ranks (see binding.hpp).
#include "binding.hpp"

#include <hwloc/glibc-sched.h>

namespace parley::launcher {

Topology::~Topology() {
  if (topo_) hwloc_topology_destroy(topo_);
}

bool Topology::load() {
  if (hwloc_topology_init(&topo_) != 0) {
    topo_ = nullptr;
    return false;
  }
  // Only CPUs and caches matter for binding and locality; skipping I/O
  // discovery keeps daemon start-up short.
  hwloc_topology_set_io_types_filter(topo_, HWLOC_TYPE_FILTER_KEEP_NONE);
  if (hwloc_topology_load(topo_) != 0) {
    hwloc_topology_destroy(topo_);
    topo_ = nullptr;
    return false;
  }
  return true;
}

int Topology::count(hwloc_obj_type_t type) const {
  return topo_ ? hwloc_get_nbobjs_by_type(topo_, type) : 0;
}

std::vector<RankBinding> plan_binding(const Topology& topo, std::uint32_t nlocal, const std::string& bind_to,
                                      const std::string& map_by) {
  std::vector<RankBinding> out(nlocal);
  if (!topo.get() || nlocal == 0) return out;
  hwloc_topology_t t = topo.get();
  int ncores = topo.count(HWLOC_OBJ_CORE);
  int nsock = topo.count(HWLOC_OBJ_PACKAGE);
  std::string policy = bind_to;
  if (policy.empty()) policy = (ncores > 0 && nlocal <= static_cast<std::uint32_t>(ncores)) ? "core" : "none";
  if (policy == "none") return out;

  hwloc_obj_type_t type = policy == "socket" ? HWLOC_OBJ_PACKAGE : HWLOC_OBJ_CORE;
  int nobj = policy == "socket" ? nsock : ncores;
  if (nobj <= 0) return out;

  // The order in which objects receive ranks: by core (linear) or spread
  // across sockets (socket 0 core 0, socket 1 core 0, socket 0 core 1, ...).
  std::vector<hwloc_obj_t> order;
  if (type == HWLOC_OBJ_CORE && map_by == "socket" && nsock > 1) {
    std::vector<std::vector<hwloc_obj_t>> per_sock(nsock);
    for (int c = 0; c < ncores; ++c) {
      hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, c);
      hwloc_obj_t sock = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, core);
      per_sock[sock ? sock->logical_index % nsock : 0].push_back(core);
    }
    for (std::size_t i = 0; order.size() < static_cast<std::size_t>(ncores); ++i)
      for (auto& s : per_sock)
        if (i < s.size()) order.push_back(s[i]);
  } else if (type == HWLOC_OBJ_PACKAGE && map_by != "socket" && ncores >= nsock) {
    // Packed: consecutive ranks fill a socket's cores before the next socket.
    for (std::uint32_t r = 0; r < nlocal; ++r) {
      hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, static_cast<int>(r % ncores));
      hwloc_obj_t sock = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, core);
      order.push_back(sock ? sock : hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0));
    }
  } else {
    for (int i = 0; i < nobj; ++i) order.push_back(hwloc_get_obj_by_type(t, type, i));
  }

  for (std::uint32_t r = 0; r < nlocal; ++r) {
    hwloc_obj_t obj = order[r % order.size()];
    if (!obj || !obj->cpuset) continue;
    RankBinding& b = out[r];
    b.set.reset(hwloc_bitmap_dup(obj->cpuset));
    CPU_ZERO(&b.cpus);
    hwloc_cpuset_to_glibc_sched_affinity(t, b.set.get(), &b.cpus, sizeof b.cpus);
    char* s = nullptr;
    if (hwloc_bitmap_list_asprintf(&s, b.set.get()) >= 0 && s) {
      b.list = s;
      free(s);
    }
  }
  return out;
}

}  // namespace parley::launcher
