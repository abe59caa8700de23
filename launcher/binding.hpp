// Binding of a node's ranks to cores or sockets with hwloc (--bind-to,
// --map-by). Decided in the daemon, applied in the forked child before exec
// with sched_setaffinity (no allocation after fork).
#pragma once

#include <hwloc.h>
#include <sched.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::launcher {

class Topology {
 public:
  Topology() = default;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  Topology(Topology&&) = delete;
  Topology& operator=(Topology&&) = delete;
  ~Topology();

  [[nodiscard]] bool load();
  [[nodiscard]] hwloc_topology_t get() const { return topo_; }
  [[nodiscard]] int count(hwloc_obj_type_t type) const;

 private:
  hwloc_topology_t topo_ = nullptr;
};

struct BitmapFree {
  void operator()(hwloc_bitmap_s* b) const { hwloc_bitmap_free(b); }
};
using Bitmap = std::unique_ptr<hwloc_bitmap_s, BitmapFree>;

struct RankBinding {
  Bitmap set;         // null: not bound
  cpu_set_t cpus{};   // the same set, ready for sched_setaffinity in the child
  std::string list;   // "0-3" style, for messages and PMIX_CPUSET
};

// One entry per local rank. bind_to "" = default: core when the ranks fit the
// cores, none when oversubscribed. Explicit core/socket binding of more ranks
// than objects wraps around.
[[nodiscard]] std::vector<RankBinding> plan_binding(const Topology& topo, std::uint32_t nlocal,
                                                    const std::string& bind_to, const std::string& map_by);

}  // namespace parley::launcher
