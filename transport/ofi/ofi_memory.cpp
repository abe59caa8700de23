// Memory registration (fi_mr_reg) for rendezvous reads and FI_MR_LOCAL.
#include "transport/ofi/ofi_memory.hpp"

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>

#include <atomic>
#include <utility>

#include "transport/ofi/ofi_error.hpp"
#include "transport/ofi/ofi_fabric.hpp"

namespace parley::transport::ofi {

namespace {
// Keys we choose when the provider does not (no FI_MR_PROV_KEY): unique per
// process, which is all a domain asks of requested keys.
std::atomic<std::uint64_t> g_next_key{1};
}  // namespace

MemoryRegion::MemoryRegion(MemoryRegion&& other) noexcept
    : mr_(std::exchange(other.mr_, nullptr)), key_(other.key_), remote_base_(other.remote_base_) {}

MemoryRegion& MemoryRegion::operator=(MemoryRegion&& other) noexcept {
  if (this != &other) {
    close();
    mr_ = std::exchange(other.mr_, nullptr);
    key_ = other.key_;
    remote_base_ = other.remote_base_;
  }
  return *this;
}

MemoryRegion::~MemoryRegion() { close(); }

void MemoryRegion::close() {
  if (mr_ != nullptr) fi_close(&mr_->fid);
  mr_ = nullptr;
}

TransportStatus MemoryRegion::register_memory(const Fabric& fabric, const void* buf, std::size_t len,
                                              std::uint64_t access) {
  if (registered()) return TransportStatus::error(Code::invalid, "ofi: memory region already registered");
  if (!fabric.is_open()) return TransportStatus::error(Code::invalid, "ofi: fabric not open");
  std::uint64_t acs = 0;
  if ((access & remote_read) != 0) acs |= FI_REMOTE_READ;
  if ((access & local) != 0) acs |= FI_SEND | FI_RECV | FI_READ;
  const std::uint64_t requested = g_next_key.fetch_add(1, std::memory_order_relaxed);
  fid_mr* mr = nullptr;
  int ret = fi_mr_reg(fabric.domain(), buf, len, acs, 0, requested, 0, &mr, nullptr);
  if (ret != 0) return fi_failure("fi_mr_reg", ret);
  mr_ = mr;
  key_ = fi_mr_key(mr);
  if (key_ == FI_KEY_NOTAVAIL) {
    close();
    return TransportStatus::error(Code::invalid, "fi_mr_key: key not available (raw keys unsupported)");
  }
  remote_base_ = fabric.mr_virt_addr() ? reinterpret_cast<std::uint64_t>(buf) : 0;
  return TransportStatus::success();
}

void* MemoryRegion::desc() const { return mr_ != nullptr ? fi_mr_desc(mr_) : nullptr; }
std::uint64_t MemoryRegion::key() const { return key_; }

}  // namespace parley::transport::ofi
