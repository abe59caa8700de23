// Group representation and algebra. Every constructor goes through append()
// so that equal member sequences always get the same ranges.
#include "group/group.hpp"

#include <mpi.h>

#include <algorithm>
#include <string>

namespace parley {
namespace {

// Beyond this many ranges a membership test copies and sorts the members
// instead of scanning the ranges.
constexpr std::size_t kScanRanges = 16;

bool in_range(const Group::Range& r, int w) {
  long d = static_cast<long>(w) - r.first;
  if (d % r.stride != 0) return false;
  long i = d / r.stride;
  return i >= 0 && i < r.count;
}

Status bad_rank(const char* what, int rank, int size) {
  return Status(MPI_ERR_RANK, std::string(what) + " " + std::to_string(rank) + " is not a rank of the group (size " +
                                  std::to_string(size) + ")");
}

// The group ranks a triple names, or an error (MPI-3.1 §6.3.2: every
// computed rank must be valid; a stride of zero is erroneous).
Status check_triple(const RankTriple& t, int size) {
  if (t.stride == 0) return Status(MPI_ERR_ARG, "range stride is 0");
  if (t.first < 0 || t.first >= size) return bad_rank("range first", t.first, size);
  if (t.last < 0 || t.last >= size) return bad_rank("range last", t.last, size);
  if ((t.stride > 0 && t.first > t.last) || (t.stride < 0 && t.first < t.last))
    return Status(MPI_ERR_ARG, "range (" + std::to_string(t.first) + ", " + std::to_string(t.last) + ", " +
                                   std::to_string(t.stride) + ") is empty: stride points away from last");
  return Status::ok();
}

int triple_count(const RankTriple& t) { return (t.last - t.first) / t.stride + 1; }

}  // namespace

std::shared_ptr<const Group> Group::identity(int n) {
  auto g = std::make_shared<Group>();
  g->append_run(0, 1, n);
  return g;
}

std::shared_ptr<const Group> Group::empty() {
  static const auto e = std::make_shared<const Group>();
  return e;
}

Result<std::shared_ptr<const Group>> Group::from_world_ranks(std::span<const int> world) {
  std::vector<int> sorted(world.begin(), world.end());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return Status(MPI_ERR_RANK, "a process appears twice in the group");
  auto g = std::make_shared<Group>();
  for (int w : world) g->append(w);
  return std::shared_ptr<const Group>(std::move(g));
}

void Group::append(int world) {
  if (!ranges_.empty()) {
    Range& last = ranges_.back();
    if (last.count == 1 && offsets_.back() == size_ - 1 && world != last.first) {
      last.stride = world - last.first;
      last.count = 2;
      ++size_;
      return;
    }
    if (last.count >= 2 && world == last.first + last.count * last.stride) {
      ++last.count;
      ++size_;
      return;
    }
  }
  ranges_.push_back({world, 1, 1});
  offsets_.push_back(size_);
  ++size_;
}

void Group::append_run(int first, int stride, int count) {
  // Members go one at a time (merging exactly as append() would) until the
  // last range runs with this stride; the rest then extends it at once.
  // That takes at most three members.
  for (int done = 0; done < count;) {
    append(first + done * stride);
    ++done;
    Range& last = ranges_.back();
    if (last.count >= 2 && last.stride == stride) {
      last.count += count - done;
      size_ += count - done;
      return;
    }
  }
}

int Group::world_rank_ranged(int r) const {
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), r);
  std::size_t i = static_cast<std::size_t>(it - offsets_.begin()) - 1;
  return ranges_[i].first + (r - offsets_[i]) * ranges_[i].stride;
}

int Group::rank_of(int world) const {
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    const Range& r = ranges_[i];
    if (in_range(r, world)) return offsets_[i] + (world - r.first) / r.stride;
  }
  return -1;
}

std::vector<int> Group::to_vector() const {
  std::vector<int> v;
  v.reserve(static_cast<std::size_t>(size_));
  for_each([&](int w) { v.push_back(w); });
  return v;
}

MembershipIndex::MembershipIndex(const Group& g) : group_(g) {
  if (g.range_count() > kScanRanges) {
    sorted_ = g.to_vector();
    std::sort(sorted_.begin(), sorted_.end());
  }
}

bool MembershipIndex::contains(int world) const {
  if (group_.range_count() > kScanRanges) return std::binary_search(sorted_.begin(), sorted_.end(), world);
  for (const auto& r : group_.ranges())
    if (in_range(r, world)) return true;
  return false;
}

Result<std::shared_ptr<const Group>> Group::incl(std::span<const int> ranks) const {
  std::vector<char> seen(static_cast<std::size_t>(size_), 0);
  auto g = std::make_shared<Group>();
  for (int r : ranks) {
    if (r < 0 || r >= size_) return bad_rank("rank", r, size_);
    if (seen[static_cast<std::size_t>(r)]) return Status(MPI_ERR_RANK, "rank " + std::to_string(r) + " listed twice");
    seen[static_cast<std::size_t>(r)] = 1;
    g->append(world_rank(r));
  }
  return std::shared_ptr<const Group>(std::move(g));
}

Result<std::shared_ptr<const Group>> Group::excl(std::span<const int> ranks) const {
  std::vector<char> drop(static_cast<std::size_t>(size_), 0);
  for (int r : ranks) {
    if (r < 0 || r >= size_) return bad_rank("rank", r, size_);
    if (drop[static_cast<std::size_t>(r)]) return Status(MPI_ERR_RANK, "rank " + std::to_string(r) + " listed twice");
    drop[static_cast<std::size_t>(r)] = 1;
  }
  auto g = std::make_shared<Group>();
  for (int r = 0; r < size_; ++r)
    if (!drop[static_cast<std::size_t>(r)]) g->append(world_rank(r));
  return std::shared_ptr<const Group>(std::move(g));
}

Result<std::shared_ptr<const Group>> Group::range_incl(std::span<const RankTriple> triples) const {
  // Distinctness: the triples' ranks must not overlap. Checking needs the
  // ranks, but only as (first, stride, count) runs; pairs of triples are
  // compared by membership of the shorter in the longer.
  for (const auto& t : triples)
    if (Status st = check_triple(t, size_); !st) return st;
  for (std::size_t i = 0; i < triples.size(); ++i) {
    for (std::size_t j = i + 1; j < triples.size(); ++j) {
      const RankTriple& a = triples[i];
      const RankTriple& b = triples[j];
      Range rb{b.first, b.stride, triple_count(b)};
      int lo_a = std::min(a.first, a.last), hi_a = std::max(a.first, a.last);
      int lo_b = std::min(b.first, b.last), hi_b = std::max(b.first, b.last);
      if (hi_a < lo_b || hi_b < lo_a) continue;
      for (int k = 0, n = triple_count(a); k < n; ++k)
        if (in_range(rb, a.first + k * a.stride))
          return Status(MPI_ERR_RANK, "rank " + std::to_string(a.first + k * a.stride) + " named by two ranges");
    }
  }
  auto g = std::make_shared<Group>();
  for (const auto& t : triples) {
    int n = triple_count(t);
    int k = 0;
    while (k < n) {
      // The run of this triple that stays inside one of our ranges maps to
      // one strided run of world ranks.
      int r = t.first + k * t.stride;
      std::size_t idx = static_cast<std::size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), r) - offsets_.begin()) - 1;
      const Range& src = ranges_[idx];
      int lo = offsets_[idx], hi = offsets_[idx] + src.count - 1;
      int steps = t.stride > 0 ? (hi - r) / t.stride : (r - lo) / -t.stride;
      int len = std::min(n - k, steps + 1);
      g->append_run(src.first + (r - lo) * src.stride, t.stride * src.stride, len);
      k += len;
    }
  }
  return std::shared_ptr<const Group>(std::move(g));
}

Result<std::shared_ptr<const Group>> Group::range_excl(std::span<const RankTriple> triples) const {
  std::vector<Range> drop;
  for (const auto& t : triples) {
    if (Status st = check_triple(t, size_); !st) return st;
    drop.push_back({t.first, t.stride, triple_count(t)});
  }
  auto g = std::make_shared<Group>();
  for (int r = 0; r < size_; ++r) {
    bool dropped = false;
    for (const auto& d : drop)
      if (in_range(d, r)) {
        dropped = true;
        break;
      }
    if (!dropped) g->append(world_rank(r));
  }
  return std::shared_ptr<const Group>(std::move(g));
}

std::shared_ptr<const Group> Group::set_union(const Group& a, const Group& b) {
  auto g = std::make_shared<Group>(a);
  MembershipIndex in_a(a);
  b.for_each([&](int w) {
    if (!in_a.contains(w)) g->append(w);
  });
  return g;
}

std::shared_ptr<const Group> Group::set_intersection(const Group& a, const Group& b) {
  auto g = std::make_shared<Group>();
  MembershipIndex in_b(b);
  a.for_each([&](int w) {
    if (in_b.contains(w)) g->append(w);
  });
  return g;
}

std::shared_ptr<const Group> Group::set_difference(const Group& a, const Group& b) {
  auto g = std::make_shared<Group>();
  MembershipIndex in_b(b);
  a.for_each([&](int w) {
    if (!in_b.contains(w)) g->append(w);
  });
  return g;
}

Group::Relation Group::compare(const Group& a, const Group& b) {
  if (a.size() != b.size()) return Relation::unequal;
  // append() is canonical: equal sequences have equal ranges.
  bool same = a.ranges_.size() == b.ranges_.size() &&
              std::equal(a.ranges_.begin(), a.ranges_.end(), b.ranges_.begin(), [](const Range& x, const Range& y) {
                return x.first == y.first && x.count == y.count && (x.count == 1 || x.stride == y.stride);
              });
  if (same) return Relation::ident;
  MembershipIndex in_b(b);
  bool all = true;
  a.for_each([&](int w) { all = all && in_b.contains(w); });
  return all ? Relation::similar : Relation::unequal;
}

Status Group::translate(const Group& a, std::span<const int> ranks, const Group& b, std::span<int> out, int undefined,
                        int proc_null) {
  for (int r : ranks)
    if (r != proc_null && (r < 0 || r >= a.size())) return bad_rank("rank", r, a.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (ranks[i] == proc_null) {
      out[i] = proc_null;
      continue;
    }
    int t = b.rank_of(a.world_rank(ranks[i]));
    out[i] = t < 0 ? undefined : t;
  }
  return Status::ok();
}

}  // namespace parley
