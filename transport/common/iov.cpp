// IovCursor: gather/scatter/batching over iovec lists (see iov.hpp).
#include "transport/common/iov.hpp"

#include <algorithm>
#include <cstring>

namespace parley::transport {

std::size_t iov_total(IovSpan iov) {
  std::size_t n = 0;
  for (const iovec& v : iov) n += v.iov_len;
  return n;
}

std::size_t IovCursor::gather(void* dst, std::size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t copied = 0;
  while (copied < n && !done()) {
    const iovec& v = iov_[index_];
    std::size_t take = std::min(n - copied, v.iov_len - offset_);
    std::memcpy(out + copied, static_cast<const unsigned char*>(v.iov_base) + offset_, take);
    copied += take;
    offset_ += take;
    skip_empty();
  }
  return copied;
}

std::size_t IovCursor::scatter(const void* src, std::size_t n) {
  const auto* in = static_cast<const unsigned char*>(src);
  std::size_t copied = 0;
  while (copied < n && !done()) {
    const iovec& v = iov_[index_];
    std::size_t take = std::min(n - copied, v.iov_len - offset_);
    std::memcpy(static_cast<unsigned char*>(v.iov_base) + offset_, in + copied, take);
    copied += take;
    offset_ += take;
    skip_empty();
  }
  return copied;
}

void IovCursor::advance(std::size_t n) {
  while (n > 0 && !done()) {
    std::size_t take = std::min(n, iov_[index_].iov_len - offset_);
    offset_ += take;
    n -= take;
    skip_empty();
  }
}

std::size_t IovCursor::peek_batch(iovec* out, std::size_t max_entries, std::size_t max_bytes,
                                  std::size_t* bytes) const {
  std::size_t entries = 0;
  std::size_t total = 0;
  std::size_t idx = index_;
  std::size_t off = offset_;
  while (entries < max_entries && total < max_bytes && idx < iov_.size()) {
    const iovec& v = iov_[idx];
    std::size_t take = std::min(max_bytes - total, v.iov_len - off);
    if (take > 0) {
      out[entries].iov_base = static_cast<unsigned char*>(v.iov_base) + off;
      out[entries].iov_len = take;
      ++entries;
      total += take;
    }
    ++idx;
    off = 0;
  }
  *bytes = total;
  return entries;
}

}  // namespace parley::transport
