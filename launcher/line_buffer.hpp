// Assembles a rank's output stream into whole lines, so the head never has to
// split or interleave inside a line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace parley::launcher {

class LineBuffer {
 public:
  // A line longer than this is passed on in pieces rather than buffered forever.
  static constexpr std::size_t kMaxLine = 1 << 20;

  // Adds bytes; returns every complete line now available (possibly empty).
  [[nodiscard]] std::string append(std::string_view bytes) {
    partial_.append(bytes);
    std::size_t nl = partial_.rfind('\n');
    if (nl == std::string::npos) {
      if (partial_.size() < kMaxLine) return {};
      return std::exchange(partial_, std::string());
    }
    std::string lines = partial_.substr(0, nl + 1);
    partial_.erase(0, nl + 1);
    return lines;
  }
  // At EOF: whatever is left (an unterminated last line), possibly empty.
  [[nodiscard]] std::string finish() { return std::exchange(partial_, std::string()); }

 private:
  std::string partial_;
};

}  // namespace parley::launcher
