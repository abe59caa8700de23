// Reading the ofi transport's settings from the environment.
#include "transport/ofi/ofi_config.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace parley::transport::ofi {

namespace {

// Parses an unsigned number with an optional k/m/g suffix; false if malformed.
bool parse_size(const char* s, std::size_t* out) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || s[0] == '-') return false;
  switch (*end) {
    case 'k':
    case 'K':
      v <<= 10;
      ++end;
      break;
    case 'm':
    case 'M':
      v <<= 20;
      ++end;
      break;
    case 'g':
    case 'G':
      v <<= 30;
      ++end;
      break;
    default:
      break;
  }
  if (*end != '\0') return false;
  *out = static_cast<std::size_t>(v);
  return true;
}

template <class T>
bool env_size(const char* name, T* field) {
  const char* s = std::getenv(name);
  if (s == nullptr || *s == '\0') return true;
  std::size_t v = 0;
  if (!parse_size(s, &v)) return false;
  *field = static_cast<T>(v);
  return true;
}

}  // namespace

TransportStatus OfiConfig::from_env(OfiConfig* out) {
  OfiConfig c;
  if (const char* s = std::getenv("PARLEY_OFI_PROVIDER"); s != nullptr) c.provider = s;
  if (const char* s = std::getenv("PARLEY_OFI_IFACE"); s != nullptr) c.iface = s;
  if (const char* s = std::getenv("PARLEY_OFI_SCOPE"); s != nullptr && *s != '\0') {
    if (std::strcmp(s, "node") == 0) {
      c.scope = Scope::node;
    } else if (std::strcmp(s, "network") == 0) {
      c.scope = Scope::network;
    } else {
      return TransportStatus::error(Code::invalid, "PARLEY_OFI_SCOPE must be 'node' or 'network'");
    }
  }
  if (const char* s = std::getenv("PARLEY_OFI_LEND"); s != nullptr && *s != '\0') {
    if (std::strcmp(s, "0") == 0 || std::strcmp(s, "off") == 0 || std::strcmp(s, "no") == 0) {
      c.lend_credit = false;
    } else if (std::strcmp(s, "1") == 0 || std::strcmp(s, "on") == 0 || std::strcmp(s, "yes") == 0) {
      c.lend_credit = true;
    } else {
      return TransportStatus::error(Code::invalid, "PARLEY_OFI_LEND must be 0 or 1");
    }
  }
  if (const char* s = std::getenv("PARLEY_OFI_RMA"); s != nullptr && *s != '\0') {
    c.want_rma = !(std::strcmp(s, "0") == 0 || std::strcmp(s, "off") == 0 || std::strcmp(s, "no") == 0);
  }
  if (const char* s = std::getenv("PARLEY_OFI_CQ_DATA"); s != nullptr && *s != '\0') {
    if (std::strcmp(s, "0") == 0 || std::strcmp(s, "off") == 0 || std::strcmp(s, "no") == 0) {
      c.want_cq_data = false;
    } else if (std::strcmp(s, "1") == 0 || std::strcmp(s, "on") == 0 || std::strcmp(s, "yes") == 0) {
      c.want_cq_data = true;
    } else {
      return TransportStatus::error(Code::invalid, "PARLEY_OFI_CQ_DATA must be 0 or 1");
    }
  }
  if (!env_size("PARLEY_OFI_EAGER", &c.eager_size)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_EAGER: not a size");
  }
  if (!env_size("PARLEY_OFI_RX_BUFFERS", &c.rx_buffers)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_RX_BUFFERS: not a number");
  }
  if (!env_size("PARLEY_OFI_TX_BUFFERS", &c.tx_buffers)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_TX_BUFFERS: not a number");
  }
  if (!env_size("PARLEY_OFI_CREDITS", &c.credits)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_CREDITS: not a number");
  }
  if (!env_size("PARLEY_OFI_FRAG_MAX", &c.frag_max)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_FRAG_MAX: not a size");
  }
  if (!env_size("PARLEY_OFI_INJECT", &c.inject_size)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_INJECT: not a size");
  }
  if (!env_size("PARLEY_OFI_READ_OPS", &c.read_ops)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_READ_OPS: not a number");
  }
  if (!env_size("PARLEY_OFI_READ_CHUNK", &c.read_chunk)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_READ_CHUNK: not a size");
  }
  if (!env_size("PARLEY_OFI_UNEXPECTED_MAX", &c.unexpected_max)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_UNEXPECTED_MAX: not a size");
  }
  if (!env_size("PARLEY_OFI_CONNECT_TIMEOUT_MS", &c.connect_timeout_ms)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_CONNECT_TIMEOUT_MS: not a number");
  }
  if (!env_size("PARLEY_OFI_PEER_TIMEOUT_MS", &c.peer_timeout_ms)) {
    return TransportStatus::error(Code::invalid, "PARLEY_OFI_PEER_TIMEOUT_MS: not a number");
  }
  TransportStatus st = c.validate();
  if (!st.ok()) return st;
  *out = std::move(c);
  return TransportStatus::success();
}

TransportStatus OfiConfig::validate() const {
  if (eager_size < 256 || eager_size > (16u << 20)) {
    return TransportStatus::error(Code::invalid,
                                  "ofi: eager size must be 256 B .. 16 MiB (PARLEY_OFI_EAGER)");
  }
  if (rx_buffers < 2 || rx_buffers > 65536) {
    return TransportStatus::error(Code::invalid,
                                  "ofi: receive buffers must be 2..65536 (PARLEY_OFI_RX_BUFFERS)");
  }
  if (tx_buffers < 1 || tx_buffers > 65536) {
    return TransportStatus::error(Code::invalid,
                                  "ofi: send buffers must be 1..65536 (PARLEY_OFI_TX_BUFFERS)");
  }
  if (credits < 2 || credits > 65535) {
    return TransportStatus::error(Code::invalid, "ofi: credits must be 2..65535 (PARLEY_OFI_CREDITS)");
  }
  if (frag_max > (64u << 20)) {
    return TransportStatus::error(Code::invalid, "ofi: fragmented eager limit must be <= 64 MiB (PARLEY_OFI_FRAG_MAX)");
  }
  if (inject_size > 65536) {
    return TransportStatus::error(Code::invalid, "ofi: inject size must be <= 64 KiB (PARLEY_OFI_INJECT)");
  }
  if (read_ops < 1 || read_ops > 65536) {
    return TransportStatus::error(Code::invalid, "ofi: read ops must be 1..65536 (PARLEY_OFI_READ_OPS)");
  }
  if (read_chunk < 4096) {
    return TransportStatus::error(Code::invalid, "ofi: read chunk must be >= 4 KiB (PARLEY_OFI_READ_CHUNK)");
  }
  if (connect_timeout_ms == 0) {
    return TransportStatus::error(Code::invalid,
                                  "ofi: connect timeout must be > 0 (PARLEY_OFI_CONNECT_TIMEOUT_MS)");
  }
  return TransportStatus::success();
}

}  // namespace parley::transport::ofi
