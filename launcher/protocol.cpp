// Frame encoding and the non-blocking frame channel between head and daemons.
#include "protocol.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <utility>

namespace parley::launcher {

namespace {
constexpr std::size_t kHeader = 8;
constexpr std::uint32_t kMaxFrame = 1u << 30;  // a corrupt length must not allocate the world
}  // namespace

Writer& Writer::u32(std::uint32_t v) {
  buf_.append(reinterpret_cast<const char*>(&v), sizeof v);
  return *this;
}
Writer& Writer::i32(std::int32_t v) {
  buf_.append(reinterpret_cast<const char*>(&v), sizeof v);
  return *this;
}
Writer& Writer::u64(std::uint64_t v) {
  buf_.append(reinterpret_cast<const char*>(&v), sizeof v);
  return *this;
}
Writer& Writer::str(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  buf_.append(s);
  return *this;
}
Writer& Writer::strs(const std::vector<std::string>& v) {
  u32(static_cast<std::uint32_t>(v.size()));
  for (const auto& s : v) str(s);
  return *this;
}

bool Reader::take(void* out, std::size_t n) {
  if (failed_ || data_.size() - pos_ < n) {
    failed_ = true;
    std::memset(out, 0, n);
    return false;
  }
  std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  return true;
}
std::uint32_t Reader::u32() {
  std::uint32_t v;
  take(&v, sizeof v);
  return v;
}
std::int32_t Reader::i32() {
  std::int32_t v;
  take(&v, sizeof v);
  return v;
}
std::uint64_t Reader::u64() {
  std::uint64_t v;
  take(&v, sizeof v);
  return v;
}
std::string Reader::str() {
  std::uint32_t n = u32();
  if (failed_ || data_.size() - pos_ < n) {
    failed_ = true;
    return {};
  }
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}
std::vector<std::string> Reader::strs() {
  std::uint32_t n = u32();
  std::vector<std::string> v;
  for (std::uint32_t i = 0; i < n && !failed_; ++i) v.push_back(str());
  return v;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }
void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }

Channel::Channel(int read_fd, int write_fd) : rfd_(read_fd), wfd_(write_fd) {
  if (rfd_ >= 0) set_nonblocking(rfd_);
  if (wfd_ >= 0 && wfd_ != rfd_) set_nonblocking(wfd_);
}

Channel::Channel(Channel&& other) noexcept { *this = std::move(other); }

Channel& Channel::operator=(Channel&& other) noexcept {
  if (this != &other) {
    close_all();
    rfd_ = std::exchange(other.rfd_, -1);
    wfd_ = std::exchange(other.wfd_, -1);
    in_ = std::move(other.in_);
    out_ = std::move(other.out_);
    out_off_ = std::exchange(other.out_off_, 0);
  }
  return *this;
}

Channel::~Channel() { close_all(); }

void Channel::send(MsgType type, std::string_view payload) {
  if (wfd_ < 0) return;
  std::string frame;
  frame.reserve(kHeader + payload.size());
  auto len = static_cast<std::uint32_t>(payload.size());
  auto t = static_cast<std::uint32_t>(type);
  frame.append(reinterpret_cast<const char*>(&len), 4);
  frame.append(reinterpret_cast<const char*>(&t), 4);
  frame.append(payload);
  out_.push_back(std::move(frame));
  // Try right away: most frames are small and the pipe is usually empty, which
  // saves a trip through poll() on the latency-critical fence path.
  (void)flush();
}

bool Channel::flush() {
  while (!out_.empty()) {
    if (wfd_ < 0) return false;
    const std::string& f = out_.front();
    ssize_t n = ::write(wfd_, f.data() + out_off_, f.size() - out_off_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return true;
      out_.clear();
      out_off_ = 0;
      return false;
    }
    out_off_ += static_cast<std::size_t>(n);
    if (out_off_ == f.size()) {
      out_.pop_front();
      out_off_ = 0;
    }
  }
  return true;
}

bool Channel::flush_blocking() {
  while (!out_.empty()) {
    if (!flush()) return false;
    if (out_.empty()) break;
    pollfd p{wfd_, POLLOUT, 0};
    if (::poll(&p, 1, 1000) <= 0 || (p.revents & (POLLERR | POLLHUP))) return false;
  }
  return true;
}

bool Channel::receive(std::vector<Message>& out) {
  bool alive = true;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(rfd_, buf, sizeof buf);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    alive = false;  // EOF or error
    break;
  }
  std::size_t pos = 0;
  while (in_.size() - pos >= kHeader) {
    std::uint32_t len, t;
    std::memcpy(&len, in_.data() + pos, 4);
    std::memcpy(&t, in_.data() + pos + 4, 4);
    if (len > kMaxFrame) {
      alive = false;
      break;
    }
    if (in_.size() - pos - kHeader < len) break;
    out.push_back(Message{static_cast<MsgType>(t), in_.substr(pos + kHeader, len)});
    pos += kHeader + len;
  }
  in_.erase(0, pos);
  return alive;
}

void Channel::close_write() {
  if (wfd_ >= 0 && wfd_ != rfd_) ::close(wfd_);
  wfd_ = -1;
  out_.clear();
}

void Channel::close_all() {
  close_write();
  if (rfd_ >= 0) ::close(rfd_);
  rfd_ = -1;
}

}  // namespace parley::launcher
