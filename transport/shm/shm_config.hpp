// Tunables of the shared-memory transport, from defaults chosen by
// measurement (see transport/README.md) and PARLEY_SHM_* environment variables.
#pragma once

#include <cstdint>

#include "transport/common/status.hpp"

namespace parley::transport::shm {

enum class CmaMode : std::uint8_t { automatic, off, on };

struct ShmConfig {
  // Allocation unit of a queue; a message takes one or more consecutive cells.
  std::uint32_t cell_size = 64;      // PARLEY_SHM_CELL_SIZE, power of two in [64, 65536]
  std::uint32_t ring_cells = 512;    // PARLEY_SHM_RING_CELLS, power of two in [4, 1<<20]
  // Copy-fallback pipeline: per ordered pair, `pipe_slots` bounce buffers.
  std::uint32_t pipe_chunk = 32768;  // PARLEY_SHM_PIPE_CHUNK, multiple of 64 in [4096, 16 MiB]
  std::uint32_t pipe_slots = 2;      // PARLEY_SHM_PIPE_SLOTS, in [2, 64]
  CmaMode cma = CmaMode::automatic;  // PARLEY_SHM_CMA = 0 | 1 | auto

  // Defaults overridden by the environment; fails on a malformed value.
  [[nodiscard]] static TransportStatus from_env(ShmConfig& out);
  [[nodiscard]] TransportStatus validate() const;
};

}  // namespace parley::transport::shm
