// external32 conversion, one basic element at a time, driven by the same
// walker as native pack (each run it yields is elements of one kind).
#include "datatype/external32.hpp"

#include <cstring>

#include "datatype/walk.hpp"

namespace parley::dt {
namespace {

inline void reverse_copy(unsigned char* out, const unsigned char* in, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = in[n - 1 - i];
}

// x86-64 long double is x87 80-bit extended in 16 bytes; external32 wants
// IEEE binary128.
inline bool is_x87(BasicKind k) {
  return k == BasicKind::LongDouble || k == BasicKind::CLongDoubleComplex ||
         k == BasicKind::CxxLongDoubleComplex;
}

void x87_to_ext(unsigned char* out, const unsigned char* in) {
  long double v;
  std::memcpy(&v, in, sizeof v);
  __float128 q = static_cast<__float128>(v);
  unsigned char b[16];
  std::memcpy(b, &q, 16);
  reverse_copy(out, b, 16);
}

void ext_to_x87(unsigned char* out, const unsigned char* in) {
  unsigned char b[16];
  reverse_copy(b, in, 16);
  __float128 q;
  std::memcpy(&q, b, 16);
  long double v = static_cast<long double>(q);
  std::memset(out, 0, 16);
  std::memcpy(out, &v, sizeof v < 16 ? sizeof v : 16);
}

// One element of kind k: native `in` -> external32 `out`.
void to_ext(BasicKind k, const KindInfo& info, unsigned char* out, const unsigned char* in) {
  const size_t n = info.size, e = info.ext32_size;
  if (is_x87(k)) {
    for (size_t part = 0; part < n / 16; ++part) x87_to_ext(out + 16 * part, in + 16 * part);
    return;
  }
  if (info.repr == Repr::Raw || n == 1) {
    std::memcpy(out, in, e);
    return;
  }
  if (info.repr == Repr::Complex) {
    reverse_copy(out, in, n / 2);
    reverse_copy(out + n / 2, in + n / 2, n / 2);
    return;
  }
  // Integers wider natively than in external32 (MPI_LONG): keep the low bytes.
  reverse_copy(out, in, e < n ? e : n);
}

void from_ext(BasicKind k, const KindInfo& info, unsigned char* out, const unsigned char* in) {
  const size_t n = info.size, e = info.ext32_size;
  if (is_x87(k)) {
    for (size_t part = 0; part < n / 16; ++part) ext_to_x87(out + 16 * part, in + 16 * part);
    return;
  }
  if (info.repr == Repr::Raw || n == 1) {
    std::memcpy(out, in, n);
    return;
  }
  if (info.repr == Repr::Complex) {
    reverse_copy(out, in, n / 2);
    reverse_copy(out + n / 2, in + n / 2, n / 2);
    return;
  }
  if (e < n) {  // widen: sign- or zero-extend
    reverse_copy(out, in, e);
    const bool negative = info.repr == Repr::SignedInt && (in[0] & 0x80) != 0;
    std::memset(out + e, negative ? 0xff : 0, n - e);
    return;
  }
  reverse_copy(out, in, n);
}

inline uintptr_t addr(const void* p, int64_t off) {
  return reinterpret_cast<uintptr_t>(p) + static_cast<uintptr_t>(off);
}

struct ToExternal {
  const void* src;
  unsigned char* dst;
  bool run(int64_t off, size_t len, BasicKind k) {
    const KindInfo& info = kind_info(k);
    const auto* in = reinterpret_cast<const unsigned char*>(addr(src, off));
    for (size_t i = 0; i < len; i += info.size, dst += info.ext32_size) to_ext(k, info, dst, in + i);
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t stride, int64_t k, BasicKind kind) {
    for (int64_t i = 0; i < k; ++i) run(off + i * stride, static_cast<size_t>(len), kind);
    return k;
  }
};

struct FromExternal {
  const unsigned char* src;
  void* dst;
  bool run(int64_t off, size_t len, BasicKind k) {
    const KindInfo& info = kind_info(k);
    auto* out = reinterpret_cast<unsigned char*>(addr(dst, off));
    for (size_t i = 0; i < len; i += info.size, src += info.ext32_size) from_ext(k, info, out + i, src);
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t stride, int64_t k, BasicKind kind) {
    for (int64_t i = 0; i < k; ++i) run(off + i * stride, static_cast<size_t>(len), kind);
    return k;
  }
};

}  // namespace

Result<size_t> pack_external32(const void* src, int64_t count, const Type& type, void* dst, size_t dst_size) {
  const auto need = static_cast<size_t>(external32_size(type, count));
  if (need > dst_size)
    return error(kErrTruncate, "output buffer has room for " + std::to_string(dst_size) + " bytes but " +
                                   std::to_string(need) + " are needed");
  Cursor c(type, count);
  ToExternal s{src, static_cast<unsigned char*>(dst)};
  c.walk(c.total(), s);
  return need;
}

Result<size_t> unpack_external32(const void* src, size_t src_size, void* dst, int64_t count,
                                 const Type& type) {
  const auto need = static_cast<size_t>(external32_size(type, count));
  if (need > src_size)
    return error(kErrTruncate, "input holds " + std::to_string(src_size) + " bytes but " +
                                   std::to_string(need) + " are needed");
  Cursor c(type, count);
  FromExternal s{static_cast<const unsigned char*>(src), dst};
  c.walk(c.total(), s);
  return need;
}

}  // namespace parley::dt
