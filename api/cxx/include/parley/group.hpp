// Group: ordered sets of processes; local operations only (no communication).
#pragma once

#include <mpi.h>

#include <array>
#include <vector>

#include "parley/env.hpp"
#include "parley/handle.hpp"

namespace parley {

namespace detail {
struct GroupTraits {
  using handle_type = MPI_Group;
  static handle_type null() noexcept { return MPI_GROUP_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Group_free(h); }
};
}  // namespace detail

class Group : public detail::Handle<detail::GroupTraits> {
 public:
  using Handle::Handle;

  int Get_size() const {
    detail::ensure_init();
    int n = 0;
    check(MPI_Group_size(handle(), &n));
    return n;
  }
  // This process's rank in the group, or UNDEFINED.
  int Get_rank() const {
    detail::ensure_init();
    int r = 0;
    check(MPI_Group_rank(handle(), &r));
    return r;
  }
  static std::vector<int> Translate_ranks(const Group& group1, const std::vector<int>& ranks,
                                          const Group& group2) {
    detail::ensure_init();
    std::vector<int> out(ranks.size());
    check(MPI_Group_translate_ranks(group1.handle(), static_cast<int>(ranks.size()), ranks.data(),
                                    group2.handle(), out.data()));
    return out;
  }
  // IDENT, SIMILAR or UNEQUAL.
  static int Compare(const Group& group1, const Group& group2) {
    detail::ensure_init();
    int result = 0;
    check(MPI_Group_compare(group1.handle(), group2.handle(), &result));
    return result;
  }
  static Group Union(const Group& group1, const Group& group2) {
    return make([&](MPI_Group* g) { return MPI_Group_union(group1.handle(), group2.handle(), g); });
  }
  static Group Intersection(const Group& group1, const Group& group2) {
    return make([&](MPI_Group* g) { return MPI_Group_intersection(group1.handle(), group2.handle(), g); });
  }
  static Group Difference(const Group& group1, const Group& group2) {
    return make([&](MPI_Group* g) { return MPI_Group_difference(group1.handle(), group2.handle(), g); });
  }
  Group Incl(const std::vector<int>& ranks) const {
    return make([&](MPI_Group* g) {
      return MPI_Group_incl(handle(), static_cast<int>(ranks.size()), ranks.data(), g);
    });
  }
  Group Excl(const std::vector<int>& ranks) const {
    return make([&](MPI_Group* g) {
      return MPI_Group_excl(handle(), static_cast<int>(ranks.size()), ranks.data(), g);
    });
  }
  // Ranges are {first, last, stride} triplets.
  Group Range_incl(const std::vector<std::array<int, 3>>& ranges) const {
    return make([&](MPI_Group* g) {
      return MPI_Group_range_incl(handle(), static_cast<int>(ranges.size()), ranges_of(ranges), g);
    });
  }
  Group Range_excl(const std::vector<std::array<int, 3>>& ranges) const {
    return make([&](MPI_Group* g) {
      return MPI_Group_range_excl(handle(), static_cast<int>(ranges.size()), ranges_of(ranges), g);
    });
  }
  // A new group with the same members (mpi4py's Group.Dup).
  Group Dup() const {
    return make([&](MPI_Group* g) { return MPI_Group_union(handle(), MPI_GROUP_EMPTY, g); });
  }

 private:
  static int (*ranges_of(const std::vector<std::array<int, 3>>& r))[3] {
    // std::array<int, 3> is layout-compatible with int[3] and holds nothing else.
    static_assert(sizeof(std::array<int, 3>) == 3 * sizeof(int));
    return reinterpret_cast<int(*)[3]>(const_cast<std::array<int, 3>*>(r.data()));
  }
  template <class F>
  static Group make(F&& construct) {
    detail::ensure_init();
    MPI_Group g = MPI_GROUP_NULL;
    check(construct(&g));
    // MPI_GROUP_EMPTY may come back from a constructor; it is predefined, so it stays a view.
    if (g == MPI_GROUP_EMPTY) return Group(g);
    return Group(g, adopt);
  }
};

inline const Group GROUP_NULL{};
inline const Group GROUP_EMPTY{MPI_GROUP_EMPTY};

}  // namespace parley
