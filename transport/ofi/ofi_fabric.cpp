// Provider and interface selection, and the fabric/domain objects.
//
// fi_getinfo returns one entry per (provider, interface). We keep the entries
// of the provider libfabric ranks first (FI_PROVIDER / PARLEY_OFI_PROVIDER
// narrow that), then pick an interface: the one PARLEY_OFI_IFACE names (a
// domain name such as "lo" or an address such as "10.1.2.3"); otherwise by
// class, loopback first for Scope::node and a fabric or private network first
// for Scope::network. Link-local and public addresses are never chosen
// implicitly, so a job never listens on the internet unless asked
// (PARLEY_OFI_IFACE=any or naming that interface).
#include "transport/ofi/ofi_fabric.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_errno.h>

#include <cstring>
#include <utility>

#include "transport/ofi/ofi_error.hpp"

namespace parley::transport::ofi {

namespace {

constexpr std::uint32_t kApiVersion = FI_VERSION(1, 9);

bool ipv4_in(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
  return (a & mask) == (net & mask);
}

// Rank of a class for a scope (lower is better); -1 = never implicitly.
int class_rank(AddrClass c, Scope scope) {
  switch (c) {
    case AddrClass::loopback:
      return scope == Scope::node ? 0 : 3;
    case AddrClass::fabric:
      return scope == Scope::node ? 1 : 0;
    case AddrClass::private_net:
      return scope == Scope::node ? 2 : 1;
    case AddrClass::link_local:
    case AddrClass::public_net:
      return -1;
  }
  return -1;
}

// Textual IP of an entry's source address, "" for non-IP formats.
std::string address_text(const fi_info* fi) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (fi->src_addr == nullptr) return {};
  if (fi->addr_format == FI_SOCKADDR_IN && fi->src_addrlen >= sizeof(sockaddr_in)) {
    inet_ntop(AF_INET, &static_cast<const sockaddr_in*>(fi->src_addr)->sin_addr, buf, sizeof buf);
  } else if (fi->addr_format == FI_SOCKADDR_IN6 && fi->src_addrlen >= sizeof(sockaddr_in6)) {
    inet_ntop(AF_INET6, &static_cast<const sockaddr_in6*>(fi->src_addr)->sin6_addr, buf, sizeof buf);
  } else if (fi->addr_format == FI_SOCKADDR && fi->src_addrlen >= sizeof(sa_family_t)) {
    const auto* sa = static_cast<const sockaddr*>(fi->src_addr);
    if (sa->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    }
  }
  return buf;
}

bool names_entry(const fi_info* fi, const std::string& want) {
  if (fi->domain_attr != nullptr && fi->domain_attr->name != nullptr && want == fi->domain_attr->name) {
    return true;
  }
  if (fi->fabric_attr != nullptr && fi->fabric_attr->name != nullptr && want == fi->fabric_attr->name) {
    return true;
  }
  return !want.empty() && want == address_text(fi);
}

// Bytes of remote CQ data asked for: the sender's id and a caller envelope
// (Endpoint::try_send_bare).
constexpr std::size_t kCqDataBytes = 8;

fi_info* make_hints(const OfiConfig& config, bool with_rma, std::size_t inject, bool cq_data) {
  fi_info* hints = fi_allocinfo();
  if (hints == nullptr) return nullptr;
  hints->caps = FI_MSG | FI_SEND | FI_RECV;
  if (with_rma) hints->caps |= FI_RMA | FI_READ | FI_REMOTE_READ;
  // Every operation gets its own fi_context2, so context modes are fine.
  hints->mode = FI_CONTEXT | FI_CONTEXT2;
  hints->ep_attr->type = FI_EP_RDM;
  // MPI's non-overtaking order rests on send-after-send ordering.
  hints->tx_attr->msg_order = FI_ORDER_SAS;
  hints->rx_attr->msg_order = FI_ORDER_SAS;
  hints->tx_attr->inject_size = inject;  // 0: whatever the provider has
  hints->domain_attr->threading = FI_THREAD_DOMAIN;  // the engine serialises calls
  hints->domain_attr->av_type = FI_AV_TABLE;
  hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY;
  hints->domain_attr->resource_mgmt = FI_RM_ENABLED;
  if (cq_data) {
    hints->domain_attr->cq_data_size = kCqDataBytes;
    // Every message consumes a receive buffer anyway, CQ data or not.
    hints->mode |= FI_RX_CQ_DATA;
  }
  if (!config.provider.empty()) hints->fabric_attr->prov_name = strdup(config.provider.c_str());
  return hints;
}

}  // namespace

AddrClass classify_address(std::uint32_t addr_format, const void* addr, std::size_t len) {
  const sockaddr* sa = static_cast<const sockaddr*>(addr);
  int family = -1;
  if (addr_format == FI_SOCKADDR_IN) family = AF_INET;
  if (addr_format == FI_SOCKADDR_IN6) family = AF_INET6;
  if (addr_format == FI_SOCKADDR && addr != nullptr && len >= sizeof(sa_family_t)) family = sa->sa_family;
  if (addr == nullptr) return family == -1 ? AddrClass::fabric : AddrClass::public_net;
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    const std::uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr);
    if (ipv4_in(a, 0x7f000000u, 8)) return AddrClass::loopback;
    if (ipv4_in(a, 0xa9fe0000u, 16)) return AddrClass::link_local;
    // RFC 1918, shared CGN space, benchmarking and documentation ranges:
    // none of them is reachable from the internet.
    if (ipv4_in(a, 0x0a000000u, 8) || ipv4_in(a, 0xac100000u, 12) || ipv4_in(a, 0xc0a80000u, 16) ||
        ipv4_in(a, 0x64400000u, 10) || ipv4_in(a, 0xc6120000u, 15) || ipv4_in(a, 0xc0000200u, 24) ||
        ipv4_in(a, 0xc6336400u, 24) || ipv4_in(a, 0xcb007100u, 24)) {
      return AddrClass::private_net;
    }
    return AddrClass::public_net;
  }
  if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return AddrClass::loopback;
    if (IN6_IS_ADDR_LINKLOCAL(&a6)) return AddrClass::link_local;
    if ((a6.s6_addr[0] & 0xfe) == 0xfc) return AddrClass::private_net;  // fc00::/7
    return AddrClass::public_net;
  }
  return family == -1 ? AddrClass::fabric : AddrClass::public_net;
}

Fabric::Fabric(Fabric&& other) noexcept
    : config_(std::move(other.config_)),
      info_(std::exchange(other.info_, nullptr)),
      fabric_(std::exchange(other.fabric_, nullptr)),
      domain_(std::exchange(other.domain_, nullptr)),
      rma_(other.rma_) {}

Fabric& Fabric::operator=(Fabric&& other) noexcept {
  if (this != &other) {
    close();
    config_ = std::move(other.config_);
    info_ = std::exchange(other.info_, nullptr);
    fabric_ = std::exchange(other.fabric_, nullptr);
    domain_ = std::exchange(other.domain_, nullptr);
    rma_ = other.rma_;
  }
  return *this;
}

Fabric::~Fabric() { close(); }

void Fabric::close() {
  if (domain_ != nullptr) fi_close(&domain_->fid);
  if (fabric_ != nullptr) fi_close(&fabric_->fid);
  if (info_ != nullptr) fi_freeinfo(info_);
  domain_ = nullptr;
  fabric_ = nullptr;
  info_ = nullptr;
}

TransportStatus Fabric::open(const OfiConfig& config) {
  if (is_open()) return TransportStatus::error(Code::invalid, "ofi fabric: already open");
  TransportStatus st = config.validate();
  if (!st.ok()) return st;
  config_ = config;

  // With FI_RMA first (rendezvous by fi_read), without it as the fallback.
  fi_info* list = nullptr;
  bool with_rma = config.want_rma;
  int ret = -FI_ENODATA;
  // Each with the inject size asked for first, then without; each of those
  // with remote CQ data first, then without.
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (int inj = 0; inj < 2 && ret != 0; ++inj) {
      if (inj == 1 && config.inject_size == 0) break;
      for (int cqd = 0; cqd < 2 && ret != 0; ++cqd) {
        if (cqd == 0 && !config.want_cq_data) continue;
        fi_info* hints = make_hints(config, with_rma, inj == 0 ? config.inject_size : 0, cqd == 0);
        if (hints == nullptr) return TransportStatus::error(Code::no_space, "fi_allocinfo: out of memory");
        ret = fi_getinfo(kApiVersion, nullptr, nullptr, 0, hints, &list);
        fi_freeinfo(hints);
      }
    }
    if (ret == 0 || !with_rma) break;
    with_rma = false;
  }
  if (ret != 0) {
    return fi_failure("fi_getinfo (FI_EP_RDM, FI_MSG, send-after-send order)", ret, kNoPeer,
                      config.provider.empty() ? "no provider offers it; see fi_info"
                                              : "PARLEY_OFI_PROVIDER names no usable provider");
  }

  // Entries of the provider libfabric ranks first only.
  const char* prov = list->fabric_attr->prov_name;
  const fi_info* best = nullptr;
  int best_rank = 1 << 30;
  const bool any = config.iface == "any";
  for (const fi_info* fi = list; fi != nullptr; fi = fi->next) {
    if (std::strcmp(fi->fabric_attr->prov_name, prov) != 0) continue;
    int rank;
    if (!config.iface.empty() && !any) {
      if (!names_entry(fi, config.iface)) continue;
      rank = 0;
    } else {
      AddrClass c = classify_address(fi->addr_format, fi->src_addr, fi->src_addrlen);
      rank = class_rank(c, config.scope);
      if (rank < 0 && any) rank = 10 + static_cast<int>(c);
      if (rank < 0) continue;
    }
    // IPv4 before IPv6 within a class: fewer surprises with scopes.
    rank = rank * 2 + (fi->addr_format == FI_SOCKADDR_IN6 ? 1 : 0);
    if (rank < best_rank) {
      best_rank = rank;
      best = fi;
    }
  }
  if (best == nullptr) {
    fi_freeinfo(list);
    return TransportStatus::error(
        Code::invalid,
        config.iface.empty() || any
            ? "ofi: no loopback, fabric or private interface (set PARLEY_OFI_IFACE to an interface "
              "or address, or 'any' to allow a public one)"
            : "ofi: PARLEY_OFI_IFACE names no interface of the provider (see fi_info -v)");
  }
  info_ = fi_dupinfo(best);
  fi_freeinfo(list);
  if (info_ == nullptr) return TransportStatus::error(Code::no_space, "fi_dupinfo: out of memory");
  rma_ = (info_->caps & FI_RMA) != 0 && (info_->caps & FI_READ) != 0 && config.want_rma;

  ret = fi_fabric(info_->fabric_attr, &fabric_, nullptr);
  if (ret != 0) {
    fabric_ = nullptr;
    st = fi_failure("fi_fabric", ret);
    close();
    return st;
  }
  ret = fi_domain(fabric_, info_, &domain_, nullptr);
  if (ret != 0) {
    domain_ = nullptr;
    st = fi_failure("fi_domain", ret);
    close();
    return st;
  }
  return TransportStatus::success();
}

const char* Fabric::provider_name() const { return info_ != nullptr ? info_->fabric_attr->prov_name : ""; }
const char* Fabric::domain_name() const {
  return info_ != nullptr && info_->domain_attr->name != nullptr ? info_->domain_attr->name : "";
}
std::size_t Fabric::inject_size() const { return info_ != nullptr ? info_->tx_attr->inject_size : 0; }
std::size_t Fabric::max_msg_size() const { return info_ != nullptr ? info_->ep_attr->max_msg_size : 0; }
std::size_t Fabric::iov_limit() const {
  if (info_ == nullptr) return 1;
  std::size_t n = info_->tx_attr->iov_limit;
  if (info_->tx_attr->rma_iov_limit != 0 && info_->tx_attr->rma_iov_limit < n) {
    n = info_->tx_attr->rma_iov_limit;
  }
  return n == 0 ? 1 : n;
}
std::size_t Fabric::cq_data_size() const {
  return info_ != nullptr && config_.want_cq_data ? info_->domain_attr->cq_data_size : 0;
}
std::size_t Fabric::rx_queue_size() const { return info_ != nullptr ? info_->rx_attr->size : 0; }
bool Fabric::mr_local() const { return info_ != nullptr && (info_->domain_attr->mr_mode & FI_MR_LOCAL) != 0; }
bool Fabric::mr_virt_addr() const {
  return info_ != nullptr && (info_->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
}

}  // namespace parley::transport::ofi
