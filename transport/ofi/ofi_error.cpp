// Interned error messages for the ofi transport (TransportStatus::what must
// point to storage nobody frees) and the mapping of libfabric error numbers.
#include "transport/ofi/ofi_error.hpp"

#include <rdma/fi_errno.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_set>

namespace parley::transport::ofi {

namespace {

// Errors are rare and their texts repeat (same call, same errno), so a
// bounded set of strings is enough; std::unordered_set never moves elements.
constexpr std::size_t kMaxMessages = 4096;

std::mutex& table_mutex() {
  static std::mutex m;
  return m;
}

std::unordered_set<std::string>& table() {
  static auto* t = new std::unordered_set<std::string>();  // never destroyed: pointers outlive exit
  return *t;
}

}  // namespace

const char* intern_message(const char* text) {
  std::lock_guard<std::mutex> lock(table_mutex());
  auto& t = table();
  auto it = t.find(text);
  if (it != t.end()) return it->c_str();
  if (t.size() >= kMaxMessages) return "ofi: libfabric error (message table full)";
  return t.emplace(text).first->c_str();
}

Code code_for_fi_errno(int err) {
  switch (err) {
    case FI_EAGAIN:
      return Code::would_block;
    case FI_ECONNREFUSED:
    case FI_ECONNRESET:
    case FI_ECONNABORTED:
    case FI_ENOTCONN:
    case FI_EHOSTUNREACH:
    case FI_ESHUTDOWN:
    case EPIPE:
    case FI_ENETDOWN:
    case FI_ENETUNREACH:
    case FI_EHOSTDOWN:
      return Code::peer_gone;
    case FI_EINVAL:
    case FI_EBADFLAGS:
    case FI_EADDRNOTAVAIL:
    case FI_EOPNOTSUPP:
    case FI_ENOSYS:
    case FI_ENODATA:
      return Code::invalid;
    case FI_EMSGSIZE:
    case FI_ETOOSMALL:
    case FI_ETRUNC:
      return Code::too_large;
    case FI_EACCES:
    case FI_EPERM:
      return Code::not_permitted;
    case FI_ENOMEM:
    case FI_ENOSPC:
      return Code::no_space;
    default:
      return Code::system_error;
  }
}

TransportStatus fi_failure(const char* call, long ret, std::uint32_t peer, const char* detail) {
  const int err = static_cast<int>(ret < 0 ? -ret : ret);
  char buf[512];
  int n;
  if (peer != kNoPeer) {
    n = std::snprintf(buf, sizeof buf, "%s (peer %u): %s", call, peer, fi_strerror(err));
  } else {
    n = std::snprintf(buf, sizeof buf, "%s: %s", call, fi_strerror(err));
  }
  if (detail != nullptr && detail[0] != '\0' && n > 0 && static_cast<std::size_t>(n) < sizeof buf) {
    std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " (%s)", detail);
  }
  return TransportStatus::error(code_for_fi_errno(err), intern_message(buf), err);
}

}  // namespace parley::transport::ofi
