// Library symbols that mpi.h's macros and externs make user binaries
// reference by name (the MPICH ABI fixes those names), plus the few MPI
// functions that are pure ABI plumbing: the C<->Fortran handle conversions
// (identity, since handles are ints) and MPI_Pcontrol (a no-op hook).
// Compiled into libmpi together with the generated abi_stubs.cpp.
#include <mpi.h>

namespace {

// Sentinel objects: only their addresses matter, the library compares
// pointers against them.
int unweighted_sentinel;
int weights_empty_sentinel;
char pvar_all_handles_sentinel;
MPI_Fint f_status_ignore[MPI_F_STATUS_SIZE];
MPI_Fint f_statuses_ignore[MPI_F_STATUS_SIZE];
MPI_F08_status f08_status_ignore;
MPI_F08_status f08_statuses_ignore[1];

}  // namespace

// extern "C" comes from the declarations in mpi.h.
int* const MPI_UNWEIGHTED = &unweighted_sentinel;
int* const MPI_WEIGHTS_EMPTY = &weights_empty_sentinel;
// The pvar handle struct stays incomplete here (the tool interface owns it);
// GCC folds this cast of an address into a relocation, so it is still
// initialised before any user constructor runs.
MPIR_T_pvar_handle_s* const MPI_T_PVAR_ALL_HANDLES =
    reinterpret_cast<MPIR_T_pvar_handle_s*>(&pvar_all_handles_sentinel);
MPI_Fint* MPI_F_STATUS_IGNORE = f_status_ignore;
MPI_Fint* MPI_F_STATUSES_IGNORE = f_statuses_ignore;
MPI_F08_status* MPI_F08_STATUS_IGNORE = &f08_status_ignore;
MPI_F08_status* MPI_F08_STATUSES_IGNORE = f08_statuses_ignore;

// MPI_DUP_FN and the MPI_{COMM,TYPE,WIN}_DUP_FN macros all expand to this
// symbol: the copy callback that shares the attribute value with the copy.
int MPIR_Dup_fn(MPI_Comm, int, void*, void* attribute_val_in, void* attribute_val_out, int* flag) {
  *static_cast<void**>(attribute_val_out) = attribute_val_in;
  *flag = 1;
  return MPI_SUCCESS;
}

// Profiling control has no effect in Parley; the standard allows that, and a
// program calling it must not stop because of it.
int PMPI_Pcontrol(const int, ...) { return MPI_SUCCESS; }

// Handle conversions. mpi.h defines these names as macros as well; the
// parentheses stop the macros from expanding here.
MPI_Fint (PMPI_Comm_c2f)(MPI_Comm comm) { return comm; }
MPI_Comm (PMPI_Comm_f2c)(MPI_Fint comm) { return comm; }
MPI_Fint (PMPI_Type_c2f)(MPI_Datatype datatype) { return datatype; }
MPI_Datatype (PMPI_Type_f2c)(MPI_Fint datatype) { return datatype; }
MPI_Fint (PMPI_Group_c2f)(MPI_Group group) { return group; }
MPI_Group (PMPI_Group_f2c)(MPI_Fint group) { return group; }
MPI_Fint (PMPI_Info_c2f)(MPI_Info info) { return info; }
MPI_Info (PMPI_Info_f2c)(MPI_Fint info) { return info; }
MPI_Fint (PMPI_Request_c2f)(MPI_Request request) { return request; }
MPI_Request (PMPI_Request_f2c)(MPI_Fint request) { return request; }
MPI_Fint (PMPI_Op_c2f)(MPI_Op op) { return op; }
MPI_Op (PMPI_Op_f2c)(MPI_Fint op) { return op; }
MPI_Fint (PMPI_Errhandler_c2f)(MPI_Errhandler errhandler) { return errhandler; }
MPI_Errhandler (PMPI_Errhandler_f2c)(MPI_Fint errhandler) { return errhandler; }
MPI_Fint (PMPI_Win_c2f)(MPI_Win win) { return win; }
MPI_Win (PMPI_Win_f2c)(MPI_Fint win) { return win; }
MPI_Fint (PMPI_Message_c2f)(MPI_Message message) { return message; }
MPI_Message (PMPI_Message_f2c)(MPI_Fint message) { return message; }
MPI_Fint (PMPI_Session_c2f)(MPI_Session session) { return session; }
MPI_Session (PMPI_Session_f2c)(MPI_Fint session) { return session; }
