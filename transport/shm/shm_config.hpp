// Tunables of the shared-memory transport, from defaults chosen by
// measurement (see transport/README.md) and PARLEY_SHM_* environment variables.
#pragma once

#include <cstddef>
#include <cstdint>

#include "transport/common/status.hpp"

namespace parley::transport::shm {

enum class CmaMode : std::uint8_t { automatic, off, on };

struct ShmConfig {
  // Allocation unit of a queue; a message takes one or more consecutive cells.
  std::uint32_t cell_size = 64;      // PARLEY_SHM_CELL_SIZE, power of two in [64, 65536]
  std::uint32_t ring_cells = 512;    // PARLEY_SHM_RING_CELLS, power of two in [4, 1<<20]; from_env: by node size
  // Copy-fallback pipeline: per ordered pair, `pipe_slots` bounce buffers.
  std::uint32_t pipe_chunk = 32768;  // PARLEY_SHM_PIPE_CHUNK, multiple of 64 in [4096, 16 MiB]
  std::uint32_t pipe_slots = 2;      // PARLEY_SHM_PIPE_SLOTS, in [2, 64]
  CmaMode cma = CmaMode::automatic;  // PARLEY_SHM_CMA = 0 | 1 | auto

  // Defaults overridden by the environment; fails on a malformed value.
  // Without PARLEY_SHM_RING_CELLS the ring size follows local_size (see
  // default_ring_cells); local_size 0 keeps the fixed default above.
  [[nodiscard]] static TransportStatus from_env(ShmConfig& out, std::uint32_t local_size = 0);
  [[nodiscard]] TransportStatus validate() const;

  // Ring bytes per ordered pair for a node of local_size ranks: kRingMost
  // while all rings of the node take at most kRingBudget, halved for larger
  // nodes down to kRingLeast. In cells of cell_size bytes. (A message must
  // fit in half a ring, which caps the eager limit: 32 KiB rings carry
  // eager messages up to 16 KiB less their headers.)
  static constexpr std::size_t kRingMost = std::size_t{32} << 10;
  static constexpr std::size_t kRingLeast = std::size_t{32} << 10;
  static constexpr std::size_t kRingBudget = std::size_t{64} << 20;
  [[nodiscard]] static std::uint32_t default_ring_cells(std::uint32_t local_size, std::uint32_t cell_size);
};

}  // namespace parley::transport::shm
