// Communicator constructors over the internal collectives and the
// context-id pool.
#include "comm/comm_create.hpp"

#include <mpi.h>

#include <algorithm>
#include <string>

#include "comm/context_pool.hpp"
#include "comm/internal_coll.hpp"
#include "runtime.hpp"

namespace parley::comm {
namespace {

int my_world() { return Runtime::get().job().rank; }

// Both sides of an intercommunicator agree on one context id: each side
// ANDs its masks, the two leaders (local rank 0) swap and AND theirs.
Result<std::uint32_t> agree_on_inter(Communicator& inter) {
  Participants local = Participants::all_of(inter.local_view(), kTagContextId);
  Communicator* via = &inter.coll_view();
  return ContextPool::get().agree_inter(local, inter.rank() == 0, [&](ContextPool::Mask& m) {
    ContextPool::Mask theirs{};
    if (Status st = sendrecv_bytes(via, 0, kTagInter, m.data(), sizeof(m), theirs.data(), sizeof(theirs)); !st)
      return st;
    for (std::size_t i = 0; i < m.size(); ++i) m[i] &= theirs[i];
    return Status::ok();
  });
}

CommPtr make_intra(std::shared_ptr<const Group> g, std::uint32_t ctx, const Communicator& parent) {
  int rank = g->rank_of(my_world());
  return std::make_unique<Communicator>(rank, std::move(g), ctx, std::string(), parent.errhandler());
}

Status not_inter(const Communicator& c, const char* what) {
  if (!c.is_inter()) return Status::ok();
  return Status(MPI_ERR_COMM, std::string(what) + " of an intercommunicator is not supported yet");
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
  if (Status st = not_inter(parent, "MPI_Comm_split"); !st) return st;
  struct Entry {
    int color, key;
  };
  const int n = parent.local_size();
  std::vector<Entry> all(static_cast<std::size_t>(n));
  Entry mine{color, key};
  if (Status st = allgather(Participants::all_of(parent, kTagGather), &mine, sizeof(mine), all.data()); !st) return st;
  // One agreement over all of parent: the id is then free in every colour.
  auto ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  if (!ctx.is_ok()) return ctx.status();
  if (color == undefined) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  std::vector<int> members;
  for (int r = 0; r < n; ++r)
    if (all[static_cast<std::size_t>(r)].color == color) members.push_back(r);
  std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
    return all[static_cast<std::size_t>(a)].key < all[static_cast<std::size_t>(b)].key;
  });
  auto g = std::make_shared<Group>();
  for (int r : members) g->append(parent.group()->world_rank(r));
  return make_intra(std::move(g), ctx.value(), parent);
}

Result<CommPtr> create(Communicator& parent, std::shared_ptr<const Group> group) {
  if (Status st = not_inter(parent, "MPI_Comm_create"); !st) return st;
  auto ctx = ContextPool::get().agree(Participants::all_of(parent, kTagContextId));
  if (!ctx.is_ok()) return ctx.status();
  if (!group->contains(my_world())) {
    ContextPool::get().release(ctx.value());
    return CommPtr();
  }
  return make_intra(std::move(group), ctx.value(), parent);
}

Result<CommPtr> create_group(Communicator& parent, std::shared_ptr<const Group> group, int tag) {
  if (Status st = not_inter(parent, "MPI_Comm_create_group"); !st) return st;
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
  if (Status st = not_inter(local_comm, "MPI_Intercomm_create on local_comm"); !st) return st;
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
  auto ctx = ContextPool::get().agree_inter(ctxp, leader, [&](ContextPool::Mask& m) {
    ContextPool::Mask other{};
    if (Status st = sendrecv_bytes(&peer->coll_view(), remote_leader, tag, m.data(), sizeof(m), other.data(),
                                   sizeof(other));
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
