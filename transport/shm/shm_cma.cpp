// CMA transfers: batching to IOV_MAX, partial-transfer resumption, probe.
#include "transport/shm/shm_cma.hpp"

#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace parley::transport::shm {
namespace {

#ifndef IOV_MAX
constexpr std::size_t kIovMax = 1024;
#else
constexpr std::size_t kIovMax = IOV_MAX;
#endif
// The kernel caps one call near 2 GiB (MAX_RW_COUNT); stay well below.
constexpr std::size_t kMaxBatchBytes = std::size_t{1} << 30;

TransportStatus vm_error(int e) {
  switch (e) {
    case EPERM:
    case EACCES:
      return TransportStatus::error(Code::not_permitted,
                                    "CMA refused by the kernel (ptrace policy); "
                                    "set PARLEY_SHM_CMA=0 to use the copy pipeline",
                                    e);
    case ESRCH:
      return TransportStatus::error(Code::peer_gone, "CMA: peer process no longer exists", e);
    case EFAULT:
      return TransportStatus::error(Code::invalid, "CMA: bad address in an iovec list", e);
    case ENOSYS:
      return TransportStatus::error(Code::not_permitted, "CMA: kernel lacks process_vm_readv", e);
    default:
      return TransportStatus::error(Code::system_error, "CMA: process_vm_readv/writev failed", e);
  }
}

}  // namespace

TransportStatus cma_transfer(pid_t pid, IovSpan local, IovSpan remote, VmCall call) {
  const std::size_t total = iov_total(local);
  if (total != iov_total(remote)) {
    return TransportStatus::error(Code::invalid, "CMA: local and remote lengths differ");
  }
  IovCursor lc(local);
  IovCursor rc(remote);
  iovec lv[kIovMax];
  iovec rv[kIovMax];
  std::size_t left = total;
  while (left > 0) {
    std::size_t lbytes = 0;
    std::size_t rbytes = 0;
    std::size_t ln = lc.peek_batch(lv, kIovMax, kMaxBatchBytes, &lbytes);
    std::size_t rn = rc.peek_batch(rv, kIovMax, lbytes, &rbytes);
    if (rbytes < lbytes) {
      // The remote side ran out of entries first: trim the local batch to match.
      ln = lc.peek_batch(lv, kIovMax, rbytes, &lbytes);
    }
    ssize_t n = call(pid, lv, ln, rv, rn, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return vm_error(errno);
    }
    if (n == 0) {
      // The kernel moved nothing without an error: the first remote page is
      // unreadable (partial failure). Retrying would spin forever.
      return TransportStatus::error(Code::invalid, "CMA: no progress (unmapped remote memory?)",
                                    EFAULT);
    }
    // A short count means the kernel stopped early (fault or signal on a
    // later entry); resume exactly where it stopped.
    lc.advance(static_cast<std::size_t>(n));
    rc.advance(static_cast<std::size_t>(n));
    left -= static_cast<std::size_t>(n);
  }
  return TransportStatus::success();
}

namespace {

ssize_t sys_readv(pid_t pid, const iovec* l, unsigned long ln, const iovec* r, unsigned long rn,
                  unsigned long flags) {
  return process_vm_readv(pid, l, ln, r, rn, flags);
}
ssize_t sys_writev(pid_t pid, const iovec* l, unsigned long ln, const iovec* r, unsigned long rn,
                   unsigned long flags) {
  return process_vm_writev(pid, l, ln, r, rn, flags);
}

}  // namespace

TransportStatus cma_read(pid_t pid, IovSpan local, IovSpan remote) {
  return cma_transfer(pid, local, remote, &sys_readv);
}

TransportStatus cma_write(pid_t pid, IovSpan local, IovSpan remote) {
  return cma_transfer(pid, local, remote, &sys_writev);
}

bool cma_allowed(const ShmConfig& config) {
  if (config.cma == CmaMode::off) return false;
#ifdef SYS_process_vm_readv
  return true;
#else
  return false;
#endif
}

TransportStatus cma_probe(pid_t pid, std::uint64_t remote_addr, std::uint64_t expected) {
  std::uint64_t got = 0;
  iovec l{&got, sizeof(got)};
  iovec r{reinterpret_cast<void*>(remote_addr), sizeof(got)};
  ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);
  if (n < 0) return vm_error(errno);
  if (n != static_cast<ssize_t>(sizeof(got)) || got != expected) {
    return TransportStatus::error(Code::invalid, "CMA probe read the wrong value");
  }
  return TransportStatus::success();
}

const char* cma_policy_hint() {
  static char hint[96] = "";
  if (FILE* f = std::fopen("/proc/sys/kernel/yama/ptrace_scope", "r")) {
    int scope = -1;
    if (std::fscanf(f, "%d", &scope) == 1 && scope > 0) {
      std::snprintf(hint, sizeof(hint), "kernel.yama.ptrace_scope=%d restricts CMA", scope);
    }
    std::fclose(f);
  }
  return hint;
}

}  // namespace parley::transport::shm
