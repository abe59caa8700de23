// ShmConfig: environment parsing and validation.
#include "transport/shm/shm_config.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace parley::transport::shm {
namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Reads an unsigned integer (with optional k/m suffix) from the environment.
// Leaves *out alone when the variable is unset.
TransportStatus env_u32(const char* name, std::uint32_t* out) {
  const char* s = std::getenv(name);
  if (s == nullptr || *s == '\0') return TransportStatus::success();
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s) {
    return TransportStatus::error(Code::invalid, "PARLEY_SHM_*: not a number");
  }
  if (*end == 'k' || *end == 'K') {
    v <<= 10;
    ++end;
  } else if (*end == 'm' || *end == 'M') {
    v <<= 20;
    ++end;
  }
  if (*end != '\0' || v > 0xffffffffull) {
    return TransportStatus::error(Code::invalid, "PARLEY_SHM_*: malformed or too large value");
  }
  *out = static_cast<std::uint32_t>(v);
  return TransportStatus::success();
}

}  // namespace

TransportStatus ShmConfig::from_env(ShmConfig& out) {
  ShmConfig c;
  if (auto st = env_u32("PARLEY_SHM_CELL_SIZE", &c.cell_size); !st.ok()) return st;
  if (auto st = env_u32("PARLEY_SHM_RING_CELLS", &c.ring_cells); !st.ok()) return st;
  if (auto st = env_u32("PARLEY_SHM_PIPE_CHUNK", &c.pipe_chunk); !st.ok()) return st;
  if (auto st = env_u32("PARLEY_SHM_PIPE_SLOTS", &c.pipe_slots); !st.ok()) return st;
  if (const char* s = std::getenv("PARLEY_SHM_CMA"); s != nullptr && *s != '\0') {
    if (std::strcmp(s, "0") == 0 || std::strcmp(s, "off") == 0 || std::strcmp(s, "no") == 0) {
      c.cma = CmaMode::off;
    } else if (std::strcmp(s, "1") == 0 || std::strcmp(s, "on") == 0 ||
               std::strcmp(s, "yes") == 0) {
      c.cma = CmaMode::on;
    } else if (std::strcmp(s, "auto") == 0) {
      c.cma = CmaMode::automatic;
    } else {
      return TransportStatus::error(Code::invalid, "PARLEY_SHM_CMA must be 0, 1 or auto");
    }
  }
  if (auto st = c.validate(); !st.ok()) return st;
  out = c;
  return TransportStatus::success();
}

TransportStatus ShmConfig::validate() const {
  if (!is_pow2(cell_size) || cell_size < 64 || cell_size > 65536) {
    return TransportStatus::error(Code::invalid,
                                  "PARLEY_SHM_CELL_SIZE must be a power of two in [64, 65536]");
  }
  if (!is_pow2(ring_cells) || ring_cells < 4 || ring_cells > (1u << 20)) {
    return TransportStatus::error(Code::invalid,
                                  "PARLEY_SHM_RING_CELLS must be a power of two in [4, 1048576]");
  }
  if (pipe_chunk % 64 != 0 || pipe_chunk < 4096 || pipe_chunk > (16u << 20)) {
    return TransportStatus::error(
        Code::invalid, "PARLEY_SHM_PIPE_CHUNK must be a multiple of 64 in [4096, 16 MiB]");
  }
  if (pipe_slots < 2 || pipe_slots > 64) {
    return TransportStatus::error(Code::invalid, "PARLEY_SHM_PIPE_SLOTS must be in [2, 64]");
  }
  return TransportStatus::success();
}

}  // namespace parley::transport::shm
