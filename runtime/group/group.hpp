// A process group: an ordered list of distinct world ranks, stored as
// strided ranges (first, stride, count) so that a group given by ranges
// costs memory per range, not per member. Groups are immutable; every set
// operation builds a new one.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.hpp"

namespace parley {

// The three integers of MPI_Group_range_incl: ranks first, first+stride, ...
// up to and including last (stride may be negative, never zero).
struct RankTriple {
  int first;
  int last;
  int stride;
};

class Group {
 public:
  // One strided run of world ranks: first, first+stride, ..., count members.
  struct Range {
    int first;
    int stride;
    int count;
  };

  // Results of compare(): the values of MPI_IDENT, MPI_SIMILAR, MPI_UNEQUAL.
  enum class Relation { ident = 0, similar = 2, unequal = 3 };

  Group() = default;

  // Ranks 0..n-1 in order (the group of MPI_COMM_WORLD).
  static std::shared_ptr<const Group> identity(int n);
  static std::shared_ptr<const Group> empty();
  // The members given explicitly, in that order; fails on a repeated rank.
  static Result<std::shared_ptr<const Group>> from_world_ranks(std::span<const int> world);

  int size() const { return size_; }
  // World rank of group rank r (0 <= r < size()).
  int world_rank(int r) const {
    // One range (a world-like or strided group) is the common case: inline.
    if (ranges_.size() == 1) [[likely]] return ranges_[0].first + r * ranges_[0].stride;
    return world_rank_ranged(r);
  }
  // Group rank of a world rank, or -1 if it is not a member.
  int rank_of(int world) const;
  bool contains(int world) const { return rank_of(world) >= 0; }

  std::size_t range_count() const { return ranges_.size(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  std::vector<int> to_vector() const;

  // Calls fn(world_rank) for each member in group order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Range& r : ranges_)
      for (int i = 0; i < r.count; ++i) fn(r.first + i * r.stride);
  }

  // --- the MPI group algebra (MPI-3.1 §6.3.2) ----------------------------
  Result<std::shared_ptr<const Group>> incl(std::span<const int> ranks) const;
  Result<std::shared_ptr<const Group>> excl(std::span<const int> ranks) const;
  Result<std::shared_ptr<const Group>> range_incl(std::span<const RankTriple> triples) const;
  Result<std::shared_ptr<const Group>> range_excl(std::span<const RankTriple> triples) const;
  static std::shared_ptr<const Group> set_union(const Group& a, const Group& b);
  static std::shared_ptr<const Group> set_intersection(const Group& a, const Group& b);
  static std::shared_ptr<const Group> set_difference(const Group& a, const Group& b);
  static Relation compare(const Group& a, const Group& b);
  // For each rank of a, its rank in b or `undefined` (MPI_UNDEFINED); ranks
  // equal to proc_null map to proc_null. Fails on an out-of-range rank.
  static Status translate(const Group& a, std::span<const int> ranks, const Group& b, std::span<int> out,
                          int undefined, int proc_null);

  // Appends one member, extending the last range when it continues it.
  void append(int world);
  // Appends a whole run (count members from first by stride).
  void append_run(int first, int stride, int count);

 private:
  int world_rank_ranged(int r) const;  // world_rank of a group of several ranges

  std::vector<Range> ranges_;
  std::vector<int> offsets_;  // offsets_[i]: group rank of ranges_[i].first
  int size_ = 0;
};

// Answers "is world rank w in group g" quickly for groups with many ranges
// (a sorted copy) and without copying for groups with few.
class MembershipIndex {
 public:
  explicit MembershipIndex(const Group& g);
  bool contains(int world) const;

 private:
  const Group& group_;
  std::vector<int> sorted_;  // used when the group has many ranges
};

}  // namespace parley
