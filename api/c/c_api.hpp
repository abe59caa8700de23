// What every C entry point shares: handle translation for the predefined
// objects, argument checks, and the single place where a failed status
// becomes the error handler's action (STYLE.md §5, §7).
#pragma once

#include <mpi.h>

#include "base/api_lock.hpp"
#include "base/status.hpp"
#include "comm/communicator.hpp"
#include "runtime.hpp"

namespace parley::c {

// Reports a failure through comm's error handler and returns the code the
// caller must return. The message is prefixed with the function's name.
int report(const char* function, MPI_Comm comm, const Status& status);

// The communicator behind a handle, or nullptr for MPI_COMM_NULL and
// anything that is not a live communicator.
Communicator* lookup_comm(MPI_Comm comm);

// MPI_COMM_WORLD and MPI_COMM_SELF, created by MPI_Init.
void create_predefined_comms();
void destroy_predefined_comms();

// Whether an error handler handle names one this library knows.
bool is_valid_errhandler(MPI_Errhandler handler);
// User error handlers (MPI_Comm_create_errhandler), errors.cpp.
MPI_Errhandler create_user_errhandler(MPI_Comm_errhandler_function* fn);
bool free_user_errhandler(MPI_Errhandler h);
bool call_user_errhandler(MPI_Errhandler h, MPI_Comm comm, int code);

// Most calls are only legal between MPI_Init and MPI_Finalize.
[[gnu::cold]] Status not_initialized();  // errors.cpp: "called before MPI_Init" / "after MPI_Finalize"
inline Status require_initialized() {
  if (Runtime::get().state() == Runtime::State::kInitialized) [[likely]] return Status::ok();
  return not_initialized();
}

inline Status null_arg(const char* name) { return Status(MPI_ERR_ARG, std::string(name) + " is a null pointer"); }

inline Status invalid_comm(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return Status(MPI_ERR_COMM, "communicator is MPI_COMM_NULL");
  return Status(MPI_ERR_COMM, "invalid communicator handle " + std::to_string(comm));
}

// No window exists yet (one-sided communication is not implemented): every
// window handle is invalid; the status says so.
Status invalid_win(MPI_Win win);

}  // namespace parley::c
