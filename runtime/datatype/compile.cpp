// Commit-time compiler: turns a type's constructor tree into the flat loop
// program of program.hpp, simplifying as it goes (contiguous blocks of a
// leaf fold into one run, regular index lists become vectors, adjacent
// blocks merge, empty blocks vanish). Recursion happens here, once per
// commit, never in the walk.
#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "datatype/type.hpp"

namespace parley::dt {
namespace {

class Compiler {
 public:
  explicit Compiler(Program& p) : p_(p) {}

  uint32_t node(const Type& t) {
    if (auto it = memo_.find(&t); it != memo_.end()) return it->second;
    const uint32_t id = build(t);
    memo_.emplace(&t, id);
    return id;
  }

 private:
  uint32_t add(const Node& n) {
    p_.nodes.push_back(n);
    return static_cast<uint32_t>(p_.nodes.size() - 1);
  }

  uint32_t leaf(BasicKind k, int64_t count) {
    Node n;
    n.kind = NodeKind::Leaf;
    n.leaf_kind = k;
    n.count = count;
    n.size = count * kind_size(k);
    return add(n);
  }

  uint32_t empty() { return leaf(BasicKind::Byte, 0); }

  uint32_t build(const Type& t) {
    switch (t.shape_) {
      case Type::Shape::Basic:
        return basic(*t.basic_kind());
      case Type::Shape::Alias:
      case Type::Shape::Resized:
        return node(*t.child_);
      case Type::Shape::Blocks: {
        const Type& c = *t.child_;
        if (t.regular_) return vector(t.reg_count_, t.reg_len_, t.reg_stride_, c);
        std::vector<Piece> pieces;
        pieces.reserve(t.blocks_.size());
        for (const auto& b : t.blocks_) pieces.push_back({b.disp, b.len, &c});
        return blocks(pieces);
      }
      case Type::Shape::Struct: {
        std::vector<Piece> pieces;
        pieces.reserve(t.blocks_.size());
        for (size_t i = 0; i < t.blocks_.size(); ++i)
          pieces.push_back({t.blocks_[i].disp, t.blocks_[i].len, t.types_[i]});
        return blocks(pieces);
      }
    }
    return empty();
  }

  uint32_t basic(BasicKind k) {
    const KindInfo& info = kind_info(k);
    if (!is_pair(k)) return leaf(k, 1);
    if (info.first == info.second && info.second_offset == kind_size(info.first)) return leaf(info.first, 2);
    const uint32_t a = leaf(info.first, 1), b = leaf(info.second, 1);
    const auto first = static_cast<uint32_t>(p_.blocks.size());
    const int64_t sa = kind_size(info.first), sb = kind_size(info.second);
    p_.blocks.push_back({0, 1, sa, sa, 0, a, true});
    p_.blocks.push_back({info.second_offset, 1, sb, sb, sa, b, true});
    Node n;
    n.kind = NodeKind::Blocks;
    n.first_block = first;
    n.count = 2;
    n.size = sa + sb;
    return add(n);
  }

  uint32_t vector(int64_t count, int64_t len, int64_t stride, const Type& c, int64_t disp = 0) {
    if (count == 0 || len == 0 || c.size() == 0) return empty();
    return loop(count, len, stride, node(c), c.extent(), c.size(), disp);
  }

  // `count` blocks `stride` bytes apart starting at `disp`, each `len` copies
  // of node `child` `ce` bytes apart, reduced to the simplest equivalent node.
  uint32_t loop(int64_t count, int64_t len, int64_t stride, uint32_t child, int64_t ce, int64_t cs,
                int64_t disp) {
    const Node cn = p_.nodes[child];
    const bool dense = cn.kind == NodeKind::Leaf && ce == cs;
    if (dense) {
      // Abutting blocks of a dense leaf are one run.
      if (count == 1 || stride == len * ce) len *= count, count = 1, stride = 0;
      if (count == 1 && disp == 0) return leaf(cn.leaf_kind, cn.count * len);
    } else if (count == 1 || stride == len * ce) {
      // The copies' origins are one arithmetic sequence: count*len blocks of one copy.
      count *= len, stride = ce, len = 1;
    }
    if (len == 1 && cn.kind == NodeKind::Vector) {
      // Blocks of one child vector whose spacing the outer loop continues are
      // one loop (a subarray face: [a][b][w] -> [a][b][1] is one vector of
      // a*b elements); a shifted single copy is the child, shifted.
      if (count == 1 || cn.count == 1 || stride == cn.count * cn.stride) {
        Node n = cn;
        n.disp = disp + cn.disp;
        if (count > 1 && cn.count == 1)
          n.count = count, n.stride = stride;
        else
          n.count = cn.count * count;
        n.size = n.count * n.blocklen * n.child_size;
        if (n.disp == cn.disp && n.count == cn.count) return child;
        return add(n);
      }
    }
    if (count == 1 && len == 1 && disp == 0) return child;
    Node n;
    n.kind = NodeKind::Vector;
    n.child = child;
    n.count = count;
    n.blocklen = len;
    n.stride = stride;
    n.disp = disp;
    n.child_extent = ce;
    n.child_size = cs;
    // One copy of a leaf is one run whatever the leaf's extent (a resized
    // element, a subarray's innermost dimension).
    n.contig = cn.kind == NodeKind::Leaf && (dense || len == 1);
    n.size = count * len * cs;
    return add(n);
  }

  struct Piece {
    int64_t disp, len;
    const Type* type;
  };

  uint32_t blocks(std::vector<Piece>& pieces) {
    std::erase_if(pieces, [](const Piece& q) { return q.len == 0 || q.type->size() == 0; });
    if (pieces.empty()) return empty();
    // One child at a regular spacing with equal lengths: a vector.
    bool same = true;
    for (const Piece& q : pieces) same = same && q.type == pieces[0].type && q.len == pieces[0].len;
    if (same) {
      bool evenly = true;
      const int64_t step = pieces.size() > 1 ? pieces[1].disp - pieces[0].disp : 0;
      for (size_t i = 1; i < pieces.size() && evenly; ++i)
        evenly = pieces[i].disp - pieces[i - 1].disp == step;
      if (evenly)
        return vector(static_cast<int64_t>(pieces.size()), pieces[0].len, step, *pieces[0].type,
                      pieces[0].disp);
    }
    std::vector<BlockEntry> out;
    out.reserve(pieces.size());
    int64_t packed = 0;
    for (const Piece& q : pieces) {
      const uint32_t child = node(*q.type);
      const Node& cn = p_.nodes[child];
      const int64_t ce = q.type->extent(), cs = q.type->size();
      const bool contig = cn.kind == NodeKind::Leaf && (ce == cs || q.len == 1);
      // A contiguous block right after the previous one, same leaf kind: extend it.
      if (contig && !out.empty()) {
        BlockEntry& prev = out.back();
        const Node& pn = p_.nodes[prev.child];
        if (prev.contig && pn.leaf_kind == cn.leaf_kind && prev.disp + prev.len * prev.child_size == q.disp) {
          // Re-express both as runs of single elements of the kind.
          const int64_t es = kind_size(cn.leaf_kind);
          const uint32_t one = unit_leaf(cn.leaf_kind);
          prev.len = (prev.len * prev.child_size + q.len * cs) / es;
          prev.child = one;
          prev.child_extent = prev.child_size = es;
          packed += q.len * cs;
          continue;
        }
      }
      out.push_back({q.disp, q.len, ce, cs, packed, child, contig});
      packed += q.len * cs;
    }
    if (out.size() == 1)
      return loop(1, out[0].len, 0, out[0].child, out[0].child_extent, out[0].child_size, out[0].disp);
    Node n;
    n.kind = NodeKind::Blocks;
    n.first_block = static_cast<uint32_t>(p_.blocks.size());
    n.count = static_cast<int64_t>(out.size());
    n.size = packed;
    p_.blocks.insert(p_.blocks.end(), out.begin(), out.end());
    return add(n);
  }

  uint32_t unit_leaf(BasicKind k) {
    auto it = unit_.find(static_cast<int>(k));
    if (it != unit_.end()) return it->second;
    const uint32_t id = leaf(k, 1);
    unit_.emplace(static_cast<int>(k), id);
    return id;
  }

  Program& p_;
  std::unordered_map<const Type*, uint32_t> memo_;
  std::unordered_map<int, uint32_t> unit_;
};

}  // namespace

Status compile(const Type& t, Program& out) {
  out = Program{};
  Compiler c(out);
  out.root = c.node(t);
  // Children always precede their parents, so one forward pass finds depths
  // and piece counts.
  std::vector<int> depth(out.nodes.size(), 0);
  std::vector<int64_t> runs(out.nodes.size(), 1);
  constexpr int64_t kSat = INT64_MAX;
  auto mul = [](int64_t a, int64_t b) { return (b != 0 && a > kSat / b) ? kSat : a * b; };
  auto add = [](int64_t a, int64_t b) { return a > kSat - b ? kSat : a + b; };
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    const Node& n = out.nodes[i];
    if (n.kind == NodeKind::Vector) {
      depth[i] = 1 + depth[n.child];
      runs[i] = n.contig ? n.count : mul(n.count, mul(n.blocklen, runs[n.child]));
    } else if (n.kind == NodeKind::Blocks) {
      int d = 0;
      int64_t r = 0;
      for (int64_t b = 0; b < n.count; ++b) {
        const BlockEntry& e = out.blocks[n.first_block + b];
        d = std::max(d, depth[e.child]);
        if (e.len > 0 && e.child_size > 0) r = add(r, e.contig ? 1 : mul(e.len, runs[e.child]));
      }
      depth[i] = 1 + d;
      runs[i] = r;
    } else if (n.size == 0) {
      runs[i] = 0;
    }
  }
  out.runs = runs[out.root];
  out.depth = depth[out.root] + 1;  // + the cursor's frame for count
  if (out.depth > kMaxDepth)
    return error(kErrType, "datatype nests " + std::to_string(out.depth) + " levels deep (at most " +
                               std::to_string(kMaxDepth) + " supported)");
  return Status::ok();
}

}  // namespace parley::dt
