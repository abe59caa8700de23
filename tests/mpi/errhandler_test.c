/* User error handlers: created, set, called with the communicator and the
 * code, inherited by a dup, called by MPI_Comm_call_errhandler, still valid
 * after MPI_Errhandler_free; user error classes, codes and strings. */
#include "p2p_common.h"

static int calls;
static MPI_Comm last_comm;
static int last_code;
static void handler(MPI_Comm *comm, int *code, ...) {
  calls++;
  last_comm = *comm;
  last_code = *code;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size, v = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  MPI_Errhandler eh;
  CHECK(MPI_Comm_create_errhandler(handler, &eh) == MPI_SUCCESS, "create");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
  MPI_Errhandler got;
  MPI_Comm_get_errhandler(MPI_COMM_WORLD, &got);
  CHECK(got == eh, "get_errhandler gave %x", (unsigned)got);

  int rc = MPI_Send(&v, 1, MPI_INT, size, 0, MPI_COMM_WORLD);
  CHECK(calls == 1 && last_comm == MPI_COMM_WORLD && rc == last_code && error_class_of(rc) == MPI_ERR_RANK,
        "handler calls %d code %d rc %d", calls, last_code, rc);

  /* A dup inherits the handler; errors on it name the dup. */
  MPI_Comm dup;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  MPI_Errhandler_free(&eh);
  CHECK(eh == MPI_ERRHANDLER_NULL, "free did not null the handle");
  rc = MPI_Send(&v, -1, MPI_INT, 0, 0, dup);
  CHECK(calls == 2 && last_comm == dup && error_class_of(rc) == MPI_ERR_COUNT, "dup: calls %d", calls);

  /* User error class, code and string, raised through call_errhandler. */
  int cls, code, len, c2;
  MPI_Add_error_class(&cls);
  MPI_Add_error_code(cls, &code);
  MPI_Add_error_string(code, "my library ran out of widgets");
  char text[MPI_MAX_ERROR_STRING];
  MPI_Error_string(code, text, &len);
  MPI_Error_class(code, &c2);
  CHECK(c2 == cls && strstr(text, "widgets") != NULL, "class %d/%d text '%s'", c2, cls, text);
  rc = MPI_Comm_call_errhandler(dup, code);
  CHECK(rc == MPI_SUCCESS && calls == 3 && last_code == code, "call_errhandler rc %d calls %d", rc, calls);

  /* Every predefined class has a string. */
  for (int k = 0; k <= MPI_ERR_LASTCODE && k < 80; k++) {
    if (MPI_Error_string(k, text, &len) == MPI_SUCCESS) CHECK(len > 0, "class %d has no text", k);
  }

  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  rc = MPI_Comm_set_errhandler(dup, (MPI_Errhandler)0x12345);
  CHECK(error_class_of(rc) == MPI_ERR_ARG, "bad handler accepted");
  /* A request's failure goes to its communicator's handler, not WORLD's. */
  int two[2] = {1, 2}, one = 0, before = calls;
  MPI_Request req;
  MPI_Irecv(&one, 1, MPI_INT, my_rank, 9, dup, &req);
  MPI_Send(two, 2, MPI_INT, my_rank, 9, dup);
  rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
  CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE && calls == before, "truncation in Wait: class %d, WORLD handler calls %d",
        error_class_of(rc), calls - before);
  MPI_Comm_free(&dup);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return finish("errhandler");
}
