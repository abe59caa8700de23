// Streaming a message buffer's packed bytes without a whole-message copy.
#include "p2p/stream.hpp"

#include <algorithm>
#include <cstring>

#include "datatype/pack.hpp"

namespace parley::p2p {

void pack_stream(const Buffer& from, void* dst, std::size_t bytes) {
  if (bytes == 0) return;
  if (from.type == nullptr) {
    std::memcpy(dst, from.base, bytes);
  } else {
    (void)dt::pack(from.user, from.count, *from.type, 0, dst, bytes);
  }
}

void unpack_stream(const void* src, std::size_t bytes, const Buffer& to) {
  if (bytes == 0) return;
  if (to.type == nullptr) {
    std::memcpy(to.base, src, bytes);
  } else {
    (void)dt::unpack(src, bytes, to.user, to.count, *to.type, 0);
  }
}

void copy_stream(const Buffer& from, const Buffer& to, std::size_t bytes) {
  if (bytes == 0) return;
  if (to.type == nullptr) return pack_stream(from, to.base, bytes);
  if (from.type == nullptr) return unpack_stream(from.base, bytes, to);
  // Both noncontiguous: pack a piece into the bounce area, unpack it, repeat.
  dt::Cursor out(*from.type, from.count);
  dt::Cursor in(*to.type, to.count);
  alignas(64) std::byte bounce[kBounceBytes];
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t n = out.pack(from.user, bounce, std::min(kBounceBytes, bytes - done));
    (void)in.unpack(bounce, to.user, n);
    done += n;
  }
}

TypeRef type_ref(const dt::Type& type, std::int64_t count) {
  const dt::Program& p = type.program();
  TypeRef t;
  t.nodes = reinterpret_cast<std::uint64_t>(p.nodes.data());
  t.blocks = reinterpret_cast<std::uint64_t>(p.blocks.data());
  t.n_nodes = static_cast<std::uint32_t>(p.nodes.size());
  t.n_blocks = static_cast<std::uint32_t>(p.blocks.size());
  t.root = p.root;
  t.depth = p.depth;
  t.count = count;
  t.extent = type.extent();
  t.size = type.size();
  t.runs = p.runs;
  return t;
}

}  // namespace parley::p2p
