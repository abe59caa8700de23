// The "external32" data representation (MPI-3.1 section 13.5.2): big-endian,
// IEEE formats, the sizes of Table 13.2 (MPI_LONG is 4 bytes, long double is
// binary128). Used by MPI_Pack_external and friends.
#pragma once

#include <cstddef>
#include <cstdint>

#include "datatype/status.hpp"
#include "datatype/type.hpp"

namespace parley::dt {

// Bytes (count, type) take in external32.
inline int64_t external32_size(const Type& type, int64_t count) { return count * type.external32_size(); }

// Converts (count, type) at src into external32 at dst, which has room for
// dst_size bytes. Whole messages only (no partial progress). Fails with
// kErrTruncate when dst is too small; returns the bytes written.
Result<size_t> pack_external32(const void* src, int64_t count, const Type& type, void* dst, size_t dst_size);

// Converts external32 data (src_size bytes available) into (count, type) at
// dst. Fails with kErrTruncate when src holds less than the type needs;
// returns the bytes read. Values too wide for the native type are truncated.
Result<size_t> unpack_external32(const void* src, size_t src_size, void* dst, int64_t count,
                                 const Type& type);

}  // namespace parley::dt
