// Communicator constructors over the internal collectives and the
// context-id pool.
#include "comm/comm_create.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <span>
#include <string>

#include "comm/context_pool.hpp"
#include "comm/internal_coll.hpp"
#include "comm/locality.hpp"
#include "runtime.hpp"

namespace parley::comm {
namespace {

int my_world() { return Runtime::get().job().rank; }

// Both sides of an intercommunicator agree on one context id: each side
// ANDs its masks, the two leaders (local rank 0) swap and AND theirs.
Result<std::uint32_t> agree_on_inter(Communicator& inter) {
  Participants local = Participants::all_of(inter.local_view(), kTagContextId);
  Communicator* via = &inter.coll_view();
  return ContextPool::get().agree_inter(local, inter.rank() == 0, [&](std::span<std::uint64_t> m) {
    std::vector<std::uint64_t> theirs(m.size());
    if (Status st = sendrecv_bytes(via, 0, kTagInter, m.data(), m.size_bytes(), theirs.data(), m.size_bytes()); !st)
      return st;
    for (std::size_t i = 0; i < m.size(); ++i) m[i] &= theirs[i];
    return Status::ok();
  });
}

// Every process of an intercommunicator learns one value of type T from
// each member of both sides: an allgather over its own side, the leaders
// swap their sides' arrays, and each leader broadcasts the other side's.
template <class T>
Status gather_both_sides(Communicator& inter, const T& mine, std::vector<T>& local, std::vector<T>& remote) {
  local.resize(static_cast<std::size_t>(inter.local_size()));
  remote.resize(static_cast<std::size_t>(inter.remote_size()));
  Participants side = Participants::all_of(inter.local_view(), kTagGather);
  if (Status st = allgather(side, &mine, sizeof(T), local.data()); !st) return st;
  if (inter.rank() == 0)
    if (Status st = sendrecv_bytes(&inter.coll_view(), 0, kTagGather, local.data(), local.size() * sizeof(T),
                                   remote.data(), remote.size() * sizeof(T));
        !st)
      return st;
  return bcast(side, remote.data(), remote.size() * sizeof(T), 0);
}

CommPtr make_intra(std::shared_ptr<const Group> g, std::uint32_t ctx, const Communicator& parent) {
  int rank = g->rank_of(my_world());
  return std::make_unique<Communicator>(rank, std::move(g), ctx, std::string(), parent.errhandler());
}

// The members of `side` (one side of an intercommunicator, `entries` in its
// rank order) whose colour is `color`, ordered by (key, rank), as a group.
template <class Entry>
std::shared_ptr<Group> members_of_color(const Group& side, const std::vector<Entry>& entries, int color) {
  std::vector<int> members;
  for (int r = 0; r < static_cast<int>(entries.size()); ++r)
    if (entries[static_cast<std::size_t>(r)].color == color) members.push_back(r);
  std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
    return entries[static_cast<std::size_t>(a)].key < entries[static_cast<std::size_t>(b)].key;
  });
  auto g = std::make_shared<Group>();
  for (int r : members) g->append(side.world_rank(r));
  return g;
}

struct ColorKey {
  int color, key;
};

// MPI_Comm_split of an intercommunicator (MPI-3.1 §6.4.2): each side is
// split by colour, and the processes of one colour on both sides form a new
// intercommunicator; a colour missing on the other side gives nullptr.
Result<CommPtr> split_inter(Communicator& parent, int color, int key, int undefined) {
  std::vector<ColorKey> local, remote;
  if (Status st = gather_both_sides(parent, ColorKey{color, key}, local, remote); !st) return st;
  // One agreement over both sides: the id is then free in every colour.
  auto ctx = agree_on_inter(parent);
  if (!ctx.is_ok()) return ctx.status();
  std::shared_ptr<Group> mine, theirs;
  if (color != undefined) {
    mine = members_of_color(*parent.group(), local, color);
    theirs = members_of_color(*parent.remote_group(), remote, color);
  }
  if (!mine || theirs->size() == 0) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  int rank = mine->rank_of(my_world());
  return std::make_unique<Communicator>(rank, std::move(mine), std::move(theirs), ctx.value(), std::string(),
                                        parent.errhandler());
}

// MPI_Comm_create of an intercommunicator: `group` is a subgroup of the
// local side (the same on all of it; the leader's is used); the leaders
// swap their sides' groups. Empty on either side, or not a member: nullptr.
Result<CommPtr> create_inter(Communicator& parent, std::shared_ptr<const Group> group) {
  Participants side = Participants::all_of(parent.local_view(), kTagBcast);
  std::vector<int> mine = group->to_vector();
  int n = static_cast<int>(mine.size()), their_n = 0;
  Communicator* across = &parent.coll_view();
  const bool leader = parent.rank() == 0;
  if (leader)
    if (Status st = sendrecv_bytes(across, 0, kTagGather, &n, sizeof(n), &their_n, sizeof(their_n)); !st) return st;
  if (Status st = bcast(side, &their_n, sizeof(their_n), 0); !st) return st;
  std::vector<int> theirs(static_cast<std::size_t>(their_n));
  if (leader)
    if (Status st = sendrecv_bytes(across, 0, kTagGather, mine.data(), mine.size() * sizeof(int), theirs.data(),
                                   theirs.size() * sizeof(int));
        !st)
      return st;
  if (Status st = bcast(side, theirs.data(), theirs.size() * sizeof(int), 0); !st) return st;
  auto ctx = agree_on_inter(parent);
  if (!ctx.is_ok()) return ctx.status();
  const int rank = group->rank_of(my_world());
  if (rank < 0 || theirs.empty()) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  auto remote = Group::from_world_ranks(theirs);
  if (!remote.is_ok()) {
    ContextPool::get().release(ctx.value());
    return remote.status();
  }
  return std::make_unique<Communicator>(rank, std::move(group), remote.value(), ctx.value(), std::string(),
                                        parent.errhandler());
}

}  // namespace

Result<CommPtr> dup(Communicator& parent) {
  if (parent.is_inter()) {
    auto ctx = agree_on_inter(parent);
    if (!ctx.is_ok()) return ctx.status();
    return std::make_unique<Communicator>(parent.rank(), parent.group(), parent.remote_group(), ctx.value(),
                                          std::string(), parent.errhandler());
  }
  auto ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  if (!ctx.is_ok()) return ctx.status();
  return std::make_unique<Communicator>(parent.rank(), parent.group(), ctx.value(), std::string(), parent.errhandler());
}

Result<CommPtr> split(Communicator& parent, int color, int key, int undefined) {
  if (parent.is_inter()) return split_inter(parent, color, key, undefined);
  const int n = parent.local_size();
  std::vector<ColorKey> all(static_cast<std::size_t>(n));
  ColorKey mine{color, key};
  if (Status st = allgather(Participants::all_of(parent, kTagGather), &mine, sizeof(mine), all.data()); !st) return st;
  // One agreement over all of parent: the id is then free in every colour.
  auto ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  if (!ctx.is_ok()) return ctx.status();
  if (color == undefined) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  return make_intra(members_of_color(*parent.group(), all, color), ctx.value(), parent);
}

namespace {

// What each process tells the others in MPI_Comm_split_type.
struct TypeEntry {
  int mode;    // SplitType
  int key;
  int node;    // lowest world rank on the node
  int guided;  // hw_guided: the instance, or < 0 for none
  std::array<int, kHwLevels.size()> levels;  // hw_unguided: the instance per level
};

constexpr std::int64_t kNoColor = INT64_MIN;
std::int64_t pair_color(int node, int instance) {
  return instance < 0 ? kNoColor : (static_cast<std::int64_t>(node) << 32 | static_cast<std::uint32_t>(instance));
}

// The colour of entry e at hardware level `level` (-1: the node).
std::int64_t level_color(const TypeEntry& e, int level) {
  return level < 0 ? pair_color(e.node, 0) : pair_color(e.node, e.levels[static_cast<std::size_t>(level)]);
}

// hw_unguided: the widest level (-1 the node, then kHwLevels) at which the
// unguided processes split parent's n processes into groups that are all
// strict subsets; kHwLevels.size() when none does.
int choose_level(const std::vector<TypeEntry>& all) {
  const auto n = all.size();
  for (int level = -1; level < static_cast<int>(kHwLevels.size()); ++level) {
    std::size_t defined = 0;
    bool two_colors = false;
    std::int64_t first = kNoColor;
    for (const TypeEntry& e : all) {
      if (e.mode != static_cast<int>(SplitType::hw_unguided)) continue;
      std::int64_t c = level_color(e, level);
      if (c == kNoColor) continue;
      if (defined++ == 0) first = c;
      else if (c != first) two_colors = true;
    }
    if (defined > 0 && (defined < n || two_colors)) return level;
  }
  return static_cast<int>(kHwLevels.size());
}

}  // namespace

Result<CommPtr> split_type(Communicator& parent, SplitType type, int key, const std::string& resource) {
  const auto& job = Runtime::get().job();
  TypeEntry mine{};
  mine.mode = static_cast<int>(type);
  mine.key = key;
  // The processes of one node share memory; name the node by its lowest
  // world rank, which every local peer computes alike from PMIx's
  // PMIX_LOCAL_PEERS (a missing list leaves each process a node of its own:
  // never a false claim of shared memory).
  mine.node = job.local_peers.empty() ? job.rank : job.local_peers.front();
  mine.guided = -1;
  mine.levels.fill(-1);
  if (type == SplitType::hw_guided) mine.guided = resource == "mpi_shared_memory" ? 0 : hw_instance(resource);
  if (type == SplitType::hw_unguided)
    for (std::size_t l = 0; l < kHwLevels.size(); ++l) mine.levels[l] = hw_instance(kHwLevels[l]);
  // Everyone's entry (both sides' for an intercommunicator, which then
  // splits each side by the same colours, as MPI_Comm_split does).
  std::vector<TypeEntry> all, remote;
  Result<std::uint32_t> ctx = std::uint32_t{0};
  if (parent.is_inter()) {
    if (Status st = gather_both_sides(parent, mine, all, remote); !st) return st;
    ctx = agree_on_inter(parent);
  } else {
    all.resize(static_cast<std::size_t>(parent.local_size()));
    if (Status st = allgather(Participants::all_of(parent, kTagGather), &mine, sizeof(mine), all.data()); !st)
      return st;
    ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  }
  if (!ctx.is_ok()) return ctx.status();
  // Everyone's colour, computed alike everywhere from the tables.
  int level = -1;
  if (type == SplitType::hw_unguided) {
    std::vector<TypeEntry> both = all;
    both.insert(both.end(), remote.begin(), remote.end());
    level = choose_level(both);
  }
  auto color_of = [&](const TypeEntry& e) -> std::int64_t {
    switch (static_cast<SplitType>(e.mode)) {
      case SplitType::shared: return pair_color(e.node, 0);
      case SplitType::hw_guided: return pair_color(e.node, e.guided);
      case SplitType::hw_unguided:
        return level < static_cast<int>(kHwLevels.size()) ? level_color(e, level) : kNoColor;
      default: return kNoColor;
    }
  };
  // The processes of `side` (entries in its rank order) with colour c.
  auto group_of = [&](const Group& side, const std::vector<TypeEntry>& entries, std::int64_t c) {
    std::vector<int> members;
    for (int r = 0; r < static_cast<int>(entries.size()); ++r)
      if (color_of(entries[static_cast<std::size_t>(r)]) == c) members.push_back(r);
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      return entries[static_cast<std::size_t>(a)].key < entries[static_cast<std::size_t>(b)].key;
    });
    auto g = std::make_shared<Group>();
    for (int r : members) g->append(side.world_rank(r));
    return g;
  };
  const std::int64_t my_color = color_of(mine);
  std::shared_ptr<Group> theirs;
  if (my_color != kNoColor && parent.is_inter()) theirs = group_of(*parent.remote_group(), remote, my_color);
  if (my_color == kNoColor || (theirs && theirs->size() == 0)) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  auto g = group_of(*parent.group(), all, my_color);
  CommPtr c;
  if (theirs) {
    int rank = g->rank_of(my_world());
    c = std::make_unique<Communicator>(rank, std::move(g), std::move(theirs), ctx.value(), std::string(),
                                       parent.errhandler());
  } else {
    c = make_intra(std::move(g), ctx.value(), parent);
  }
  std::string name = type == SplitType::hw_guided ? resource
                     : type == SplitType::hw_unguided && level >= 0
                         ? std::string(kHwLevels[static_cast<std::size_t>(level)])
                         : std::string("mpi_shared_memory");
  c->hints().emplace_back("mpi_hw_resource_type", std::move(name));
  return c;
}

Result<CommPtr> create(Communicator& parent, std::shared_ptr<const Group> group) {
  if (parent.is_inter()) return create_inter(parent, std::move(group));
  auto ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  if (!ctx.is_ok()) return ctx.status();
  if (!group->contains(my_world())) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  return make_intra(std::move(group), ctx.value(), parent);
}

Result<CommPtr> create_group(Communicator& parent, std::shared_ptr<const Group> group, int tag) {
  if (parent.is_inter())
    return Status(MPI_ERR_COMM, "comm is an intercommunicator (the standard defines this call on intracommunicators only)");
  Participants p;
  p.via = &parent.coll_view();
  p.n = group->size();
  p.me = group->rank_of(my_world());
  p.tag = tag;
  if (p.me < 0) return CommPtr();
  p.members.reserve(static_cast<std::size_t>(p.n));
  bool all_in = true;
  group->for_each([&](int w) {
    int r = parent.group()->rank_of(w);
    all_in = all_in && r >= 0;
    p.members.push_back(r);
  });
  if (!all_in) return Status(MPI_ERR_GROUP, "group is not a subgroup of the communicator's group");
  auto ctx = ContextPool::get().agree(p);
  if (!ctx.is_ok()) return ctx.status();
  return make_intra(std::move(group), ctx.value(), parent);
}

Result<CommPtr> intercomm_create(Communicator& local_comm, int local_leader, Communicator* peer, int remote_leader,
                                 int tag) {
  if (local_comm.is_inter()) return Status(MPI_ERR_COMM, "local_comm is an intercommunicator");
  Participants local = Participants::all_of(local_comm, kTagInter);
  const bool leader = local_comm.rank() == local_leader;
  // The leaders swap their groups' world ranks over peer_comm's collective
  // context, then each broadcasts the remote group to its side.
  std::vector<int> mine = local_comm.group()->to_vector();
  int remote_n = 0;
  if (leader) {
    Communicator* via = &peer->coll_view();
    int n = static_cast<int>(mine.size());
    if (Status st = sendrecv_bytes(via, remote_leader, tag, &n, sizeof(n), &remote_n, sizeof(remote_n)); !st) return st;
  }
  if (Status st = bcast(local, &remote_n, sizeof(remote_n), local_leader); !st) return st;
  std::vector<int> theirs(static_cast<std::size_t>(remote_n));
  if (leader) {
    Communicator* via = &peer->coll_view();
    if (Status st = sendrecv_bytes(via, remote_leader, tag, mine.data(), mine.size() * sizeof(int), theirs.data(),
                                   theirs.size() * sizeof(int));
        !st)
      return st;
  }
  if (Status st = bcast(local, theirs.data(), theirs.size() * sizeof(int), local_leader); !st) return st;
  auto remote = Group::from_world_ranks(theirs);
  if (!remote.is_ok()) return remote.status();
  for (int w : theirs)
    if (local_comm.group()->contains(w))
      return Status(MPI_ERR_COMM, "the local and remote groups overlap (world rank " + std::to_string(w) + ")");
  // Context id: both sides' masks, combined by the leaders.
  Participants ctxp = Participants::all_of(local_comm, kTagContextId);
  if (local_leader != 0) {
    // agree_inter broadcasts from member 0; reorder so the leader is member 0.
    ctxp.members.resize(static_cast<std::size_t>(ctxp.n));
    for (int i = 0; i < ctxp.n; ++i) ctxp.members[static_cast<std::size_t>(i)] = (i + local_leader) % ctxp.n;
    ctxp.me = (local_comm.rank() - local_leader + ctxp.n) % ctxp.n;
  }
  auto ctx = ContextPool::get().agree_inter(ctxp, leader, [&](std::span<std::uint64_t> m) {
    std::vector<std::uint64_t> other(m.size());
    if (Status st = sendrecv_bytes(&peer->coll_view(), remote_leader, tag, m.data(), m.size_bytes(), other.data(),
                                   m.size_bytes());
        !st)
      return st;
    for (std::size_t i = 0; i < m.size(); ++i) m[i] &= other[i];
    return Status::ok();
  });
  if (!ctx.is_ok()) return ctx.status();
  return std::make_unique<Communicator>(local_comm.rank(), local_comm.group(), remote.value(), ctx.value(),
                                        std::string(), local_comm.errhandler());
}

Result<CommPtr> intercomm_merge(Communicator& inter, bool high) {
  if (!inter.is_inter()) return Status(MPI_ERR_COMM, "communicator is not an intercommunicator");
  Participants local = Participants::all_of(inter.local_view(), kTagBcast);
  // The side's choice is its leader's; the leaders swap theirs.
  int flags[2] = {high ? 1 : 0, my_world()};
  if (Status st = bcast(local, flags, sizeof(flags), 0); !st) return st;
  int other[2] = {0, 0};
  if (inter.rank() == 0)
    if (Status st = sendrecv_bytes(&inter.coll_view(), 0, kTagInter, flags, sizeof(flags), other, sizeof(other)); !st)
      return st;
  if (Status st = bcast(local, other, sizeof(other), 0); !st) return st;
  // Equal choices: the side whose leader has the lower world rank goes first.
  bool we_first = flags[0] != other[0] ? flags[0] == 0 : flags[1] < other[1];
  const Group& lo = we_first ? *inter.group() : *inter.remote_group();
  const Group& hi = we_first ? *inter.remote_group() : *inter.group();
  auto g = std::make_shared<Group>(lo);
  hi.for_each([&](int w) { g->append(w); });
  auto ctx = agree_on_inter(inter);
  if (!ctx.is_ok()) return ctx.status();
  return make_intra(std::move(g), ctx.value(), inter);
}

void release(Communicator& c) { ContextPool::get().release(c.context_id()); }

}  // namespace parley::comm
