// The compiled, flat form of a datatype: an array of loop nodes that the
// cursor (pack.hpp) walks with an explicit stack, never by recursion.
//
// A node describes one instance of a (sub)type, relative to that instance's
// origin:
//   Leaf    `count` basic elements of one kind, contiguous, at offset 0.
//   Vector  `count` blocks at a constant byte `stride` from `disp`; each block holds
//           `blocklen` copies of node `child`, `child_extent` bytes apart.
//   Blocks  `count` blocks listed in Program::blocks (from `first_block`),
//           each with its own displacement, length, child and child extent
//           (indexed, hindexed, struct).
// A block whose child is a Leaf is walked in place (the walker never pushes a
// leaf); when additionally the child's extent equals its size the whole block
// is one contiguous run ("contig"), so a vector of doubles is one loop of
// fixed-size copies.
#pragma once

#include <cstdint>
#include <vector>

#include "datatype/basic_kind.hpp"

namespace parley::dt {

enum class NodeKind : uint8_t { Leaf, Vector, Blocks };

struct Node {
  NodeKind kind = NodeKind::Leaf;
  bool contig = false;                    // Vector: each block is one run of blocklen*child_size bytes
  BasicKind leaf_kind = BasicKind::Byte;  // Leaf
  uint32_t child = 0;                     // Vector
  uint32_t first_block = 0;               // Blocks
  int64_t count = 0;                      // Leaf: elements; Vector/Blocks: blocks
  int64_t blocklen = 0;                   // Vector
  int64_t stride = 0;                     // Vector
  int64_t disp = 0;                       // Vector: offset of block 0 from the instance's origin
  int64_t child_extent = 0;               // Vector
  int64_t child_size = 0;                 // Vector
  int64_t size = 0;                       // packed bytes of one instance of this node
};

struct BlockEntry {
  int64_t disp = 0;          // bytes from the node's origin
  int64_t len = 0;           // copies of the child
  int64_t child_extent = 0;  // bytes between consecutive copies
  int64_t child_size = 0;    // packed bytes of one copy
  int64_t packed_start = 0;  // packed offset of this block within the node
  uint32_t child = 0;        // node index
  bool contig = false;       // the block is one run of len*child_size bytes
};

struct Program {
  std::vector<Node> nodes;  // nodes[root] is the type; children anywhere
  std::vector<BlockEntry> blocks;
  uint32_t root = 0;
  int depth = 0;  // non-leaf nesting depth (the walker's stack need)
  // Contiguous pieces of one instance (an upper bound: adjacent pieces the
  // walk merges count twice), saturating at INT64_MAX. size / runs is the
  // mean piece a protocol would hand to an iovec (shm CMA picks by it).
  int64_t runs = 0;
};

// Deepest non-leaf nesting a program may have (after simplification).
inline constexpr int kMaxDepth = 24;

}  // namespace parley::dt
