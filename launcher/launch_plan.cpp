// Encoding of LaunchPlan for the launch message.
#include "launch_plan.hpp"

#include "protocol.hpp"

namespace parley::launcher {

std::vector<std::uint32_t> LaunchPlan::ranks_on(std::uint32_t node) const {
  std::vector<std::uint32_t> r;
  for (std::uint32_t i = 0; i < rank_node.size(); ++i)
    if (rank_node[i] == node) r.push_back(i);
  return r;
}

std::string encode_plan(const LaunchPlan& p) {
  Writer w;
  w.str(p.jobid).str(p.nspace).u32(p.node_id).strs(p.hostnames);
  w.u32(static_cast<std::uint32_t>(p.rank_node.size()));
  for (std::size_t i = 0; i < p.rank_node.size(); ++i) w.u32(p.rank_node[i]).u32(p.rank_app[i]);
  w.u32(static_cast<std::uint32_t>(p.apps.size()));
  for (const auto& a : p.apps) w.u32(a.appnum).u32(a.first_rank).u32(a.size).str(a.exe).strs(a.argv).str(a.wdir);
  w.strs(p.env).str(p.bind_to).str(p.map_by).u32(p.universe_size).u32(p.kill_grace_ms);
  return w.take();
}

bool decode_plan(const std::string& payload, LaunchPlan& p) {
  Reader r(payload);
  p.jobid = r.str();
  p.nspace = r.str();
  p.node_id = r.u32();
  p.hostnames = r.strs();
  std::uint32_t n = r.u32();
  if (r.failed() || n > payload.size()) return false;
  p.rank_node.resize(n);
  p.rank_app.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    p.rank_node[i] = r.u32();
    p.rank_app[i] = r.u32();
  }
  std::uint32_t napps = r.u32();
  if (r.failed() || napps > payload.size()) return false;
  p.apps.resize(napps);
  for (auto& a : p.apps) {
    a.appnum = r.u32();
    a.first_rank = r.u32();
    a.size = r.u32();
    a.exe = r.str();
    a.argv = r.strs();
    a.wdir = r.str();
  }
  p.env = r.strs();
  p.bind_to = r.str();
  p.map_by = r.str();
  p.universe_size = r.u32();
  p.kill_grace_ms = r.u32();
  if (r.failed() || p.node_id >= p.hostnames.size()) return false;
  for (std::uint32_t i = 0; i < n; ++i)
    if (p.rank_node[i] >= p.hostnames.size() || p.rank_app[i] >= napps) return false;
  return true;
}

}  // namespace parley::launcher
