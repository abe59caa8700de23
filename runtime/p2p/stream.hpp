// Moving the packed stream of a message buffer (contiguous or a derived
// datatype) without a whole-message copy: into a dense area (an eager cell,
// the unexpected copy), out of one, and buffer to buffer (self sends,
// through a small bounce area in pieces). Also the TypeRef an rts carries.
#pragma once

#include <cstddef>

#include "datatype/type.hpp"
#include "p2p/protocol.hpp"
#include "p2p/request.hpp"

namespace parley::p2p {

// Bytes of the bounce area copy_stream uses between two noncontiguous buffers.
inline constexpr std::size_t kBounceBytes = 16384;

// Writes the first `bytes` bytes of from's stream to dst.
void pack_stream(const Buffer& from, void* dst, std::size_t bytes);
// Writes `bytes` packed bytes from src as the first bytes of to's stream.
void unpack_stream(const void* src, std::size_t bytes, const Buffer& to);
// Copies the first `bytes` bytes of from's stream into to's stream.
void copy_stream(const Buffer& from, const Buffer& to, std::size_t bytes);

// Describes (count, type) — committed, noncontiguous — for an rts.
TypeRef type_ref(const dt::Type& type, std::int64_t count);

}  // namespace parley::p2p
