// Scatter/gather lists shared by the transports: a position inside an iovec
// array that can gather from it, scatter into it, and cut batches for
// syscalls, so callers never stage user data in a temporary buffer.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>

namespace parley::transport {

using IovSpan = std::span<const iovec>;

// Sum of the lengths of an iovec list.
[[nodiscard]] std::size_t iov_total(IovSpan iov);

// A read/write position inside an iovec list. Zero-length entries are skipped.
class IovCursor {
 public:
  IovCursor() = default;
  explicit IovCursor(IovSpan iov) : iov_(iov) { skip_empty(); }

  [[nodiscard]] bool done() const { return index_ >= iov_.size(); }

  // Copy up to n bytes from the list into dst; returns the bytes copied.
  std::size_t gather(void* dst, std::size_t n);
  // Copy up to n bytes from src into the list; returns the bytes copied.
  std::size_t scatter(const void* src, std::size_t n);
  // Move forward n bytes (n never exceeds what is left).
  void advance(std::size_t n);
  // Describe the next bytes as at most max_entries iovecs and max_bytes bytes,
  // without moving; returns the number of entries and sets *bytes.
  std::size_t peek_batch(iovec* out, std::size_t max_entries, std::size_t max_bytes,
                         std::size_t* bytes) const;

 private:
  void skip_empty() {
    while (index_ < iov_.size() && iov_[index_].iov_len == offset_) {
      ++index_;
      offset_ = 0;
    }
  }

  IovSpan iov_;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
};

}  // namespace parley::transport
