/* A user error class raised on MPI_ERRORS_ARE_FATAL ends the job with a
 * non-zero status (user classes lie above MPI_ERR_LASTCODE and must not
 * read as exit status 0) and the user's string. */
#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int cls, code;
  MPI_Add_error_class(&cls);
  MPI_Add_error_code(cls, &code);
  MPI_Add_error_string(code, "the widgets are gone");
  MPI_Comm_call_errhandler(MPI_COMM_WORLD, code);
  MPI_Finalize();
  return 0;
}
