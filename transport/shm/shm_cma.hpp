// Single-copy transfers between local ranks with Linux Cross-Memory Attach
// (process_vm_readv / process_vm_writev): scattered iovec lists on both
// sides, cut into IOV_MAX batches and resumed after partial transfers, plus a
// cheap probe telling whether the kernel lets us read a given peer.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>

#include "transport/common/iov.hpp"
#include "transport/common/status.hpp"
#include "transport/shm/shm_config.hpp"

namespace parley::transport::shm {

// Signature of process_vm_readv/writev; tests substitute a short-transferring one.
using VmCall = ssize_t (*)(pid_t, const iovec*, unsigned long, const iovec*, unsigned long,
                           unsigned long);

// Copies remote (in process pid) into local. The two lists must have the
// same total length. Blocking only for the copy itself (no waiting on the peer).
[[nodiscard]] TransportStatus cma_read(pid_t pid, IovSpan local, IovSpan remote);
// Copies local into remote (in process pid); same rules as cma_read.
[[nodiscard]] TransportStatus cma_write(pid_t pid, IovSpan local, IovSpan remote);
// The engine of both, with the syscall injectable for tests.
[[nodiscard]] TransportStatus cma_transfer(pid_t pid, IovSpan local, IovSpan remote,
                                           VmCall call);

// Whether CMA may be used at all: false when config says off (PARLEY_SHM_CMA=0)
// or the kernel lacks the syscall.
[[nodiscard]] bool cma_allowed(const ShmConfig& config);

// Reads 8 bytes at remote_addr in pid and compares them with expected: ok
// when CMA works towards that peer, not_permitted when ptrace policy (Yama,
// container seccomp, ...) refuses it. Costs one syscall.
[[nodiscard]] TransportStatus cma_probe(pid_t pid, std::uint64_t remote_addr,
                                        std::uint64_t expected);

// Human-readable reason CMA may be refused here (Yama ptrace_scope value), for
// the runtime's diagnostics; empty if nothing is known.
[[nodiscard]] const char* cma_policy_hint();

}  // namespace parley::transport::shm
