// The libfabric provider, fabric and domain one process uses: chosen by
// capability (reliable datagram endpoints with FI_MSG, FI_RMA when offered),
// on one interface chosen so that a public address is never used unless
// asked. Endpoints (ofi_endpoint) are opened on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "transport/common/status.hpp"
#include "transport/ofi/ofi_config.hpp"

struct fi_info;
struct fid_fabric;
struct fid_domain;

namespace parley::transport::ofi {

// How an interface's address is classed when choosing one.
enum class AddrClass : std::uint8_t { loopback, fabric, private_net, link_local, public_net };

class Fabric {
 public:
  Fabric() = default;
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;
  Fabric(Fabric&& other) noexcept;
  Fabric& operator=(Fabric&& other) noexcept;
  ~Fabric();

  // Selects a provider and interface (see transport/README.md "## ofi") and
  // opens its fabric and domain. Blocking, called once at start-up.
  [[nodiscard]] TransportStatus open(const OfiConfig& config);
  void close();

  [[nodiscard]] bool is_open() const { return domain_ != nullptr; }
  // True when the provider offers fi_read from registered remote memory.
  [[nodiscard]] bool has_rma() const { return rma_; }
  [[nodiscard]] const OfiConfig& config() const { return config_; }
  [[nodiscard]] const fi_info* info() const { return info_; }
  [[nodiscard]] fid_domain* domain() const { return domain_; }
  // "tcp;ofi_rxm", and the domain (interface) name, e.g. "lo".
  [[nodiscard]] const char* provider_name() const;
  [[nodiscard]] const char* domain_name() const;
  // Provider limits the endpoint respects.
  [[nodiscard]] std::size_t inject_size() const;
  [[nodiscard]] std::size_t max_msg_size() const;
  [[nodiscard]] std::size_t iov_limit() const;
  [[nodiscard]] std::size_t rx_queue_size() const;
  // Bytes of remote CQ data a message may carry (0: none, or
  // PARLEY_OFI_CQ_DATA=0).
  [[nodiscard]] std::size_t cq_data_size() const;
  // Memory-registration rules of the domain (FI_MR_* bits).
  [[nodiscard]] bool mr_local() const;      // local buffers need a descriptor
  [[nodiscard]] bool mr_virt_addr() const;  // remote addresses are virtual addresses

 private:
  OfiConfig config_;
  fi_info* info_ = nullptr;  // the chosen entry (owned, fi_dupinfo'ed)
  fid_fabric* fabric_ = nullptr;
  fid_domain* domain_ = nullptr;
  bool rma_ = false;
};

// Classes a socket address (sockaddr_in/in6); non-IP formats are `fabric`.
[[nodiscard]] AddrClass classify_address(std::uint32_t addr_format, const void* addr, std::size_t len);

}  // namespace parley::transport::ofi
