// The head's job-wide services: fences combined across daemons, and the
// publish/lookup name space.
#include <pmix_common.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "head.hpp"

namespace parley::launcher {

void Head::on_fence(std::size_t d, Reader& r) {
  std::uint64_t id = r.u64();
  (void)r.u32();  // collect flag: each daemon's blob already reflects it
  std::uint32_t n = r.u32();
  std::vector<std::uint32_t> ranks;
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) ranks.push_back(r.u32());
  std::string blob = r.str();
  if (r.failed()) return;
  std::sort(ranks.begin(), ranks.end());
  std::string key = ranks.empty() ? "*" : "";
  for (auto rank : ranks) key += std::to_string(rank) + ",";

  // Daemons hosting participants; this daemon's contribution joins the oldest
  // round of the same participant set it has not contributed to yet.
  auto& rounds = fences_[key];
  FenceRound* round = nullptr;
  for (auto& fr : rounds)
    if (fr.expected[d] && fr.ids[d] == 0) {
      round = &fr;
      break;
    }
  if (!round) {
    FenceRound fr;
    fr.expected.assign(daemons_.size(), ranks.empty());
    for (auto rank : ranks)
      if (rank < plan_.rank_node.size()) fr.expected[plan_.rank_node[rank]] = true;
    fr.ids.assign(daemons_.size(), 0);
    fr.blobs.assign(daemons_.size(), std::string());
    fr.missing = static_cast<std::size_t>(std::count(fr.expected.begin(), fr.expected.end(), true));
    rounds.push_back(std::move(fr));
    round = &rounds.back();
  }
  if (!round->expected[d]) return;  // a daemon outside the set: ignore
  round->ids[d] = id;
  round->blobs[d] = std::move(blob);
  if (--round->missing > 0) return;

  // Everyone is in: the combined data is the daemons' blobs in node order,
  // which is how libpmix expects contributions of several servers.
  std::string all;
  for (const auto& b : round->blobs) all += b;
  // The tree only for fences every daemon takes part in: a subset's relay
  // path may cross a daemon whose ranks are done and which has gone.
  bool everyone = true;
  for (std::size_t i = 0; i < daemons_.size(); ++i) everyone = everyone && round->expected[i] && !daemons_[i].eof;
  if (tree_ready_ && !tree_broken_ && everyone) {
    // One copy to the root; the daemons pass it down (daemon_tree.cpp).
    Writer w;
    w.u32(static_cast<std::uint32_t>(std::count(round->expected.begin(), round->expected.end(), true)));
    for (std::size_t i = 0; i < daemons_.size(); ++i)
      if (round->expected[i]) w.u32(static_cast<std::uint32_t>(i)).u64(round->ids[i]);
    w.i32(PMIX_SUCCESS).str(all);
    daemons_[0].ch.send(MsgType::fence_relay, w.data());
    ++fences_tree_;
  } else {
    ++fences_direct_;
    for (std::size_t i = 0; i < daemons_.size(); ++i) {
      if (!round->expected[i] || daemons_[i].eof) continue;
      daemons_[i].ch.send(MsgType::fence_done, Writer().u64(round->ids[i]).i32(PMIX_SUCCESS).str(all).take());
    }
  }
  // Rounds of one key complete in order, so the finished one is the front.
  rounds.erase(rounds.begin() + (round - &rounds.front()));
  if (rounds.empty()) fences_.erase(key);
}

// Fence tree set-up: every daemon of a job with 3 or more nodes reports where
// it takes children; once all have, each learns its parent (node (i-1)/k)
// and joins it; when all N-1 joins are reported, fences go down the tree.
// Any failure leaves fences on the direct path (a note with PARLEY_LAUNCH_STATS).
void Head::on_tree_message(std::size_t d, MsgType t, Reader& r) {
  if (t == MsgType::tree_failed) {
    std::string why = r.str();
    // Normal near a short job's end (a parent whose ranks are done has
    // closed its listener), so only told when asked for.
    const char* st = std::getenv("PARLEY_LAUNCH_STATS");
    if (!tree_broken_ && phase_ == Phase::running && st && *st && *st != '0')
      std::fprintf(stderr, "parleyrun: note: fences go through parleyrun, not the daemon tree: %s\n", why.c_str());
    tree_broken_ = true;
    return;
  }
  if (t == MsgType::tree_child) {
    if (++tree_joined_ + 1 == daemons_.size()) tree_ready_ = true;
    return;
  }
  // tree_listen
  std::string addrs = r.str();
  std::uint32_t port = r.u32();
  if (r.failed()) return;
  if (tree_addrs_.empty()) {
    tree_addrs_.assign(daemons_.size(), std::string());
    tree_ports_.assign(daemons_.size(), 0);
    if (const char* f = std::getenv("PARLEY_FENCE_FANOUT"); f && *f) tree_fanout_ = static_cast<std::uint32_t>(std::strtoul(f, nullptr, 10));
  }
  if (d >= daemons_.size() || tree_ports_[d] != 0) return;
  tree_addrs_[d] = addrs;
  tree_ports_[d] = port;
  if (++tree_listening_ < daemons_.size() || tree_sent_ || tree_fanout_ == 0) return;
  tree_sent_ = true;
  std::string token;
  {
    std::random_device rd;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
    token = buf;
  }
  for (std::size_t i = 0; i < daemons_.size(); ++i) {
    std::size_t parent = i == 0 ? 0 : (i - 1) / tree_fanout_;
    daemons_[i].ch.send(MsgType::tree_setup, Writer()
                                                 .u32(tree_fanout_)
                                                 .u32(i != 0)
                                                 .u32(static_cast<std::uint32_t>(parent))
                                                 .str(tree_addrs_[parent])
                                                 .u32(tree_ports_[parent])
                                                 .str(token)
                                                 .take());
  }
}

void Head::on_publish(std::size_t d, Reader& r) {
  std::uint64_t id = r.u64();
  std::uint32_t rank = r.u32();
  std::uint32_t n = r.u32();
  std::vector<std::pair<std::string, std::string>> items;
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    std::string k = r.str();
    items.emplace_back(k, r.str());
  }
  pmix_status_t status = r.failed() ? PMIX_ERR_BAD_PARAM : PMIX_SUCCESS;
  for (const auto& it : items)
    if (names_.count(it.first)) status = PMIX_ERR_DUPLICATE_KEY;
  if (status == PMIX_SUCCESS)
    for (auto& it : items) names_[it.first] = Published{std::move(it.second), rank};
  daemons_[d].ch.send(MsgType::publish_done, Writer().u64(id).i32(status).take());
  if (status != PMIX_SUCCESS) return;
  // Lookups that were waiting for these names.
  std::vector<PendingLookup> still;
  for (auto& p : waiting_lookups_)
    if (!try_lookup(p.daemon, p.id, p.keys, false)) still.push_back(std::move(p));
  waiting_lookups_ = std::move(still);
}

bool Head::try_lookup(std::size_t d, std::uint64_t id, const std::vector<std::string>& keys, bool final) {
  std::size_t found = 0;
  for (const auto& k : keys) found += names_.count(k);
  if (found < keys.size() && !final) return false;
  Writer w;
  w.u64(id).i32(found == 0 ? PMIX_ERR_NOT_FOUND : PMIX_SUCCESS).u32(static_cast<std::uint32_t>(found));
  for (const auto& k : keys) {
    auto it = names_.find(k);
    if (it == names_.end()) continue;
    w.str(k).str(it->second.blob).str(plan_.nspace).u32(it->second.rank);
  }
  if (!daemons_[d].eof) daemons_[d].ch.send(MsgType::lookup_done, w.take());
  return true;
}

void Head::on_lookup(std::size_t d, Reader& r) {
  std::uint64_t id = r.u64();
  (void)r.u32();  // rank
  bool wait = r.u32() != 0;
  std::vector<std::string> keys = r.strs();
  if (r.failed()) return;
  if (!try_lookup(d, id, keys, !wait)) waiting_lookups_.push_back({d, id, std::move(keys)});
}

void Head::on_unpublish(std::size_t d, Reader& r) {
  std::uint64_t id = r.u64();
  std::uint32_t rank = r.u32();
  std::vector<std::string> keys = r.strs();
  std::size_t removed = 0;
  for (auto it = names_.begin(); it != names_.end();) {
    bool match = it->second.rank == rank &&
                 (keys.empty() || std::find(keys.begin(), keys.end(), it->first) != keys.end());
    if (match) {
      it = names_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  daemons_[d].ch.send(MsgType::publish_done,
                      Writer().u64(id).i32(removed || keys.empty() ? PMIX_SUCCESS : PMIX_ERR_NOT_FOUND).take());
}

}  // namespace parley::launcher
