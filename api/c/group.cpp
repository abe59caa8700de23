// Process groups on the C ABI (MPI-3.1 §6.3): the group handle table and
// every MPI_Group_* call, over runtime/group.
#include <mpi.h>

#include <vector>

#include "comm_handles.hpp"

using parley::Group;
using parley::Status;
using parley::c::report;
using GroupPtr = std::shared_ptr<const Group>;

namespace parley::c {
namespace {

constexpr int kUserGroupBase = static_cast<int>(0x88000000u);
constexpr int kIndexMask = 0x03ffffff;

struct GroupTable {
  std::vector<GroupPtr> slots;
  std::vector<int> free_slots;
};

GroupTable& table() {
  static GroupTable t;
  return t;
}

}  // namespace

std::shared_ptr<const Group> lookup_group(MPI_Group g) {
  if (g == MPI_GROUP_EMPTY) return Group::empty();
  if ((g & ~kIndexMask) != kUserGroupBase) return nullptr;
  auto idx = static_cast<std::size_t>(g & kIndexMask);
  return idx < table().slots.size() ? table().slots[idx] : nullptr;
}

MPI_Group register_group(std::shared_ptr<const Group> g) {
  GroupTable& t = table();
  int idx;
  if (!t.free_slots.empty()) {
    idx = t.free_slots.back();
    t.free_slots.pop_back();
  } else {
    idx = static_cast<int>(t.slots.size());
    t.slots.emplace_back();
  }
  t.slots[static_cast<std::size_t>(idx)] = std::move(g);
  return kUserGroupBase | idx;
}

void free_group(MPI_Group g) {
  if (g == MPI_GROUP_EMPTY) return;
  auto idx = static_cast<std::size_t>(g & kIndexMask);
  table().slots[idx].reset();
  table().free_slots.push_back(static_cast<int>(idx));
}

}  // namespace parley::c

namespace {

// Group calls may be made at any time between MPI_Init and MPI_Finalize;
// errors go to MPI_COMM_WORLD's handler (groups have none of their own).
template <class Fn>
int with_group(const char* fn, MPI_Group group, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  GroupPtr g = parley::c::lookup_group(group);
  if (!g) return report(fn, MPI_COMM_WORLD, parley::c::invalid_group(group));
  Status st = body(g);
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

template <class Fn>
int with_groups(const char* fn, MPI_Group group1, MPI_Group group2, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  GroupPtr a = parley::c::lookup_group(group1);
  if (!a) return report(fn, MPI_COMM_WORLD, parley::c::invalid_group(group1));
  GroupPtr b = parley::c::lookup_group(group2);
  if (!b) return report(fn, MPI_COMM_WORLD, parley::c::invalid_group(group2));
  Status st = body(*a, *b);
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

// Empty results are MPI_GROUP_EMPTY, as the standard's examples expect.
MPI_Group hand_out(GroupPtr g) { return g->size() == 0 ? MPI_GROUP_EMPTY : parley::c::register_group(std::move(g)); }

Status check_n(int n, const void* array, const char* name) {
  if (n < 0) return Status(MPI_ERR_ARG, "n must be non-negative (got " + std::to_string(n) + ")");
  if (n > 0 && array == nullptr) return parley::c::null_arg(name);
  return Status::ok();
}

int my_world() { return parley::Runtime::get().job().rank; }

}  // namespace

int PMPI_Group_size(MPI_Group group, int* size) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_size", group, [&](const GroupPtr& g) {
    if (size == nullptr) return parley::c::null_arg("size");
    *size = g->size();
    return Status::ok();
  });
}

int PMPI_Group_rank(MPI_Group group, int* rank) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_rank", group, [&](const GroupPtr& g) {
    if (rank == nullptr) return parley::c::null_arg("rank");
    int r = g->rank_of(my_world());
    *rank = r < 0 ? MPI_UNDEFINED : r;
    return Status::ok();
  });
}

int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2, int ranks2[]) {
  PARLEY_API_LOCK();
  return with_groups("MPI_Group_translate_ranks", group1, group2, [&](const Group& a, const Group& b) {
    if (Status st = check_n(n, ranks1, "ranks1"); !st) return st;
    if (n > 0 && ranks2 == nullptr) return parley::c::null_arg("ranks2");
    auto un = static_cast<std::size_t>(n);
    return Group::translate(a, std::span<const int>(ranks1, un), b, std::span<int>(ranks2, un), MPI_UNDEFINED,
                            MPI_PROC_NULL);
  });
}

int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int* result) {
  PARLEY_API_LOCK();
  return with_groups("MPI_Group_compare", group1, group2, [&](const Group& a, const Group& b) {
    if (result == nullptr) return parley::c::null_arg("result");
    *result = static_cast<int>(Group::compare(a, b));
    return Status::ok();
  });
}

int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_groups("MPI_Group_union", group1, group2, [&](const Group& a, const Group& b) {
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    *newgroup = hand_out(Group::set_union(a, b));
    return Status::ok();
  });
}

int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_groups("MPI_Group_intersection", group1, group2, [&](const Group& a, const Group& b) {
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    *newgroup = hand_out(Group::set_intersection(a, b));
    return Status::ok();
  });
}

int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_groups("MPI_Group_difference", group1, group2, [&](const Group& a, const Group& b) {
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    *newgroup = hand_out(Group::set_difference(a, b));
    return Status::ok();
  });
}

int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_incl", group, [&](const GroupPtr& g) {
    if (Status st = check_n(n, ranks, "ranks"); !st) return st;
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    auto r = g->incl(std::span<const int>(ranks, static_cast<std::size_t>(n)));
    if (!r.is_ok()) return r.status();
    *newgroup = hand_out(r.value());
    return Status::ok();
  });
}

int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_excl", group, [&](const GroupPtr& g) {
    if (Status st = check_n(n, ranks, "ranks"); !st) return st;
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    auto r = g->excl(std::span<const int>(ranks, static_cast<std::size_t>(n)));
    if (!r.is_ok()) return r.status();
    *newgroup = hand_out(r.value());
    return Status::ok();
  });
}

namespace {

std::vector<parley::RankTriple> triples_of(int n, int ranges[][3]) {
  std::vector<parley::RankTriple> t(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) t[static_cast<std::size_t>(i)] = {ranges[i][0], ranges[i][1], ranges[i][2]};
  return t;
}

}  // namespace

int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_range_incl", group, [&](const GroupPtr& g) {
    if (Status st = check_n(n, ranges, "ranges"); !st) return st;
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    auto r = g->range_incl(triples_of(n, ranges));
    if (!r.is_ok()) return r.status();
    *newgroup = hand_out(r.value());
    return Status::ok();
  });
}

int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group* newgroup) {
  PARLEY_API_LOCK();
  return with_group("MPI_Group_range_excl", group, [&](const GroupPtr& g) {
    if (Status st = check_n(n, ranges, "ranges"); !st) return st;
    if (newgroup == nullptr) return parley::c::null_arg("newgroup");
    auto r = g->range_excl(triples_of(n, ranges));
    if (!r.is_ok()) return r.status();
    *newgroup = hand_out(r.value());
    return Status::ok();
  });
}

int PMPI_Group_free(MPI_Group* group) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Group_free";
  if (group == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("group"));
  return with_group(fn, *group, [&](const GroupPtr&) {
    // MPI_GROUP_EMPTY may be freed (MPI-2.2 onwards); it stays valid.
    parley::c::free_group(*group);
    *group = MPI_GROUP_NULL;
    return Status::ok();
  });
}
