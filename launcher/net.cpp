// Head <-> daemon TCP: address choice, listen, connect (see net.hpp).
#include "net.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>

namespace parley::launcher {

namespace {

// 0 private / link-local, 1 loopback, 2 anything else (public).
int address_class(in_addr a) {
  std::uint32_t h = ntohl(a.s_addr);
  auto in = [h](std::uint32_t net, int bits) { return (h >> (32 - bits)) == (net >> (32 - bits)); };
  if (in(0x7f000000u, 8)) return 1;
  if (in(0x0a000000u, 8) || in(0xac100000u, 12) || in(0xc0a80000u, 16) || in(0x64400000u, 10) ||
      in(0xa9fe0000u, 16))
    return 0;
  return 2;
}

std::string to_text(in_addr a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// The local address the kernel would use to reach `host` (no packet is sent).
bool route_source(const std::string& host, in_addr& out) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return false;
  bool ok = false;
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    sockaddr_in dst{};
    std::memcpy(&dst, res->ai_addr, sizeof dst);
    dst.sin_port = htons(9);
    sockaddr_in src{};
    socklen_t len = sizeof src;
    if (::connect(s, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&src), &len) == 0 && src.sin_addr.s_addr != 0) {
      out = src.sin_addr;
      ok = true;
    }
    ::close(s);
  }
  ::freeaddrinfo(res);
  return ok;
}

}  // namespace

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t c = s.find(',', start);
    std::string item = s.substr(start, c == std::string::npos ? std::string::npos : c - start);
    if (!item.empty()) out.push_back(item);
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

std::vector<std::string> head_addresses(const std::string& host) {
  if (const char* a = std::getenv("PARLEY_HEAD_ADDRESS"); a && *a) return {a};
  std::vector<std::string> out;
  in_addr via{};
  if (route_source(host, via)) out.push_back(to_text(via));
  for (const auto& a : local_addresses())
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  return out;
}

std::vector<std::string> local_addresses() {
  std::vector<std::string> out;
  std::vector<std::pair<int, std::string>> local;
  ifaddrs* ifs = nullptr;
  if (::getifaddrs(&ifs) == 0) {
    for (ifaddrs* i = ifs; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP)) continue;
      in_addr a = reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr;
      local.emplace_back(address_class(a), to_text(a));
    }
    ::freeifaddrs(ifs);
  }
  std::stable_sort(local.begin(), local.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [cls, text] : local)
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  if (out.empty()) out.push_back("127.0.0.1");
  return out;
}

int listen_tcp(std::uint16_t& port, std::string& error, bool head) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (const char* h = std::getenv("PARLEY_HEAD_ADDRESS"); head && h && *h) {
    if (::inet_pton(AF_INET, h, &a.sin_addr) != 1) {
      error = std::string("PARLEY_HEAD_ADDRESS: '") + h + "' is not an IPv4 address";
      ::close(s);
      return -1;
    }
  }
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 128) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    error = std::string("cannot listen for the daemons: ") + std::strerror(errno);
    ::close(s);
    return -1;
  }
  port = ntohs(a.sin_port);
  return s;
}

int connect_any(const std::vector<std::string>& addrs, std::uint16_t port, int timeout_ms, std::string& error) {
  error.clear();
  for (const auto& text : addrs) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    std::string why;
    if (::inet_pton(AF_INET, text.c_str(), &a.sin_addr) != 1) {
      why = "not an IPv4 address";
    } else {
      int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (s < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
      }
      int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
      int err = rc == 0 ? 0 : errno;
      if (err == EINPROGRESS) {
        pollfd p{s, POLLOUT, 0};
        int n = ::poll(&p, 1, timeout_ms);
        socklen_t len = sizeof err;
        if (n == 0)
          err = ETIMEDOUT;
        else if (n < 0 || ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
          err = errno;
      }
      if (err == 0) {
        ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) & ~O_NONBLOCK);
        int one = 1;
        ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return s;
      }
      ::close(s);
      why = std::strerror(err);
    }
    if (!error.empty()) error += "; ";
    error += text + ":" + std::to_string(port) + ": " + why;
  }
  if (error.empty()) error = "no address to try";
  return -1;
}

}  // namespace parley::launcher
