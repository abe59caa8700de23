// Errhandler: views of ERRORS_RETURN / ERRORS_ARE_FATAL (/ ERRORS_ABORT), owned user handlers.
#pragma once

#include <mpi.h>

#include "parley/handle.hpp"

namespace parley {

namespace detail {
struct ErrhandlerTraits {
  using handle_type = MPI_Errhandler;
  static handle_type null() noexcept { return MPI_ERRHANDLER_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Errhandler_free(h); }
};
inline bool is_predefined_errhandler(MPI_Errhandler h) noexcept {
#ifdef MPI_ERRORS_ABORT
  if (h == MPI_ERRORS_ABORT) return true;
#endif
  return h == MPI_ERRORS_RETURN || h == MPI_ERRORS_ARE_FATAL || h == MPI_ERRHANDLER_NULL;
}
}  // namespace detail

class Errhandler : public detail::Handle<detail::ErrhandlerTraits> {
 public:
  using Handle::Handle;
};

inline const Errhandler ERRHANDLER_NULL{};
inline const Errhandler ERRORS_RETURN{MPI_ERRORS_RETURN};
inline const Errhandler ERRORS_ARE_FATAL{MPI_ERRORS_ARE_FATAL};
#ifdef MPI_ERRORS_ABORT
inline const Errhandler ERRORS_ABORT{MPI_ERRORS_ABORT};
#endif

}  // namespace parley
