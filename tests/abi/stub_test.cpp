// Links the generated weak stubs (abi_stubs.cpp) and abi_symbols.cpp into a
// program and checks the mechanism: unimplemented functions reach the "not
// implemented" path, a strong PMPI_X replaces its stub, a user's MPI_X
// interposes, and the ABI symbols behave.
#define CATCH_CONFIG_MAIN
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_not_implemented.hpp"

using parley::abi_test::last_not_implemented;
using parley::abi_test::not_implemented_calls;

// A "real implementation" of one function, as api/c would provide it.
extern "C" int PMPI_Comm_size(MPI_Comm comm, int* size) {
  *size = comm == MPI_COMM_WORLD ? 42 : 1;
  return MPI_SUCCESS;
}

// A profiling tool's wrapper: counts calls, then goes on through PMPI_.
static int barrier_wrapper_calls = 0;
extern "C" int MPI_Barrier(MPI_Comm comm) {
  ++barrier_wrapper_calls;
  return PMPI_Barrier(comm);
}

TEST_CASE("An unimplemented int function reports through parley_not_implemented") {
  int before = not_implemented_calls;
  int value = 7;
  CHECK(MPI_Send(&value, 1, MPI_INT, 0, 0, MPI_COMM_WORLD) == MPI_ERR_UNSUPPORTED_OPERATION);
  CHECK(last_not_implemented == "MPI_Send");
  CHECK(PMPI_Allreduce_c(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) ==
        MPI_ERR_UNSUPPORTED_OPERATION);
  CHECK(last_not_implemented == "MPI_Allreduce_c");
  CHECK(MPI_File_close(nullptr) == MPI_ERR_UNSUPPORTED_OPERATION);
  CHECK(last_not_implemented == "MPI_File_close");
  CHECK(not_implemented_calls == before + 3);
}

TEST_CASE("A function that cannot return an error code ends the process") {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    (void)MPI_Wtime();  // no implementation linked: must not return
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == parley::abi_test::kFatalExitCode);
}

TEST_CASE("A strong PMPI_ definition replaces the weak stub, and MPI_ forwards to it") {
  int size = 0;
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size) == MPI_SUCCESS);
  CHECK(size == 42);
  CHECK(PMPI_Comm_size(MPI_COMM_SELF, &size) == MPI_SUCCESS);
  CHECK(size == 1);
}

TEST_CASE("A user's MPI_ wrapper interposes and reaches PMPI_") {
  int before = barrier_wrapper_calls;
  CHECK(MPI_Barrier(MPI_COMM_WORLD) == MPI_ERR_UNSUPPORTED_OPERATION);
  CHECK(barrier_wrapper_calls == before + 1);
  CHECK(last_not_implemented == "MPI_Barrier");
}

TEST_CASE("Variadic MPI_Pcontrol is accepted and does nothing") {
  CHECK(MPI_Pcontrol(0) == MPI_SUCCESS);
  CHECK(MPI_Pcontrol(1, "extra", 3) == MPI_SUCCESS);
}

TEST_CASE("Handle conversions are the identity, as macros and as exported functions") {
  CHECK(MPI_Comm_c2f(MPI_COMM_WORLD) == MPI_COMM_WORLD);
  CHECK((MPI_Comm_c2f)(MPI_COMM_SELF) == MPI_COMM_SELF);
  CHECK((MPI_Type_f2c)(MPI_Type_c2f(MPI_DOUBLE)) == MPI_DOUBLE);
  CHECK((PMPI_Op_c2f)(MPI_SUM) == MPI_SUM);
  CHECK((MPI_Session_f2c)(0) == 0);
}

TEST_CASE("MPI_DUP_FN copies the attribute value and sets the flag") {
  int payload = 5;
  void* out = nullptr;
  int flag = 0;
  CHECK(MPI_COMM_DUP_FN(MPI_COMM_WORLD, 1, nullptr, &payload, &out, &flag) == MPI_SUCCESS);
  CHECK(out == &payload);
  CHECK(flag == 1);
  CHECK(MPI_COMM_NULL_COPY_FN == nullptr);
}

TEST_CASE("Exported sentinels are distinct, non-null addresses") {
  CHECK(MPI_UNWEIGHTED != nullptr);
  CHECK(MPI_WEIGHTS_EMPTY != nullptr);
  CHECK(MPI_UNWEIGHTED != MPI_WEIGHTS_EMPTY);
  CHECK(MPI_F_STATUS_IGNORE != nullptr);
  CHECK(MPI_F_STATUSES_IGNORE != nullptr);
  CHECK(MPI_F_STATUS_IGNORE != MPI_F_STATUSES_IGNORE);
  CHECK(MPI_F08_STATUS_IGNORE != nullptr);
  CHECK(MPI_F08_STATUSES_IGNORE != nullptr);
  CHECK(MPI_T_PVAR_ALL_HANDLES != MPI_T_PVAR_HANDLE_NULL);
}
