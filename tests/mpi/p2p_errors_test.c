/* Every bad argument of the point-to-point calls comes back, under
 * MPI_ERRORS_RETURN, with the right error class and a message naming the
 * function; nothing crashes and the peer is not left waiting. */
#include "p2p_common.h"

static int says(int code, const char *a, const char *b) {
  char text[MPI_MAX_ERROR_STRING];
  int len;
  MPI_Error_string(code, text, &len);
  return strstr(text, a) != NULL && (b == NULL || strstr(text, b) != NULL);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size, v = 0, rc;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

  rc = MPI_Send(&v, 1, MPI_INT, size, 0, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_RANK && says(rc, "MPI_Send", "rank"), "bad rank");
  rc = MPI_Recv(&v, 1, MPI_INT, -7, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(error_class_of(rc) == MPI_ERR_RANK && says(rc, "MPI_Recv", "source"), "bad source");
  rc = MPI_Send(&v, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_COUNT && says(rc, "MPI_Send", "count"), "negative count");
  rc = MPI_Send(&v, 1, MPI_INT, 0, -5, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TAG && says(rc, "MPI_Send", "tag"), "bad tag");
  rc = MPI_Recv(&v, 1, MPI_INT, 0, -5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(error_class_of(rc) == MPI_ERR_TAG, "bad receive tag");
  rc = MPI_Send(&v, 1, MPI_INT, 0, 0, MPI_COMM_NULL);
  CHECK(error_class_of(rc) == MPI_ERR_COMM && says(rc, "MPI_Send", "MPI_COMM_NULL"), "null communicator");
  rc = MPI_Send(&v, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Send", "datatype"), "null datatype");
  rc = MPI_Send(NULL, 4, MPI_INT, 0, 0, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER && says(rc, "MPI_Send", "buffer"), "null buffer");
  MPI_Request req;
  rc = MPI_Isend(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, NULL);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Isend", "request"), "null request pointer");

  /* A freed request's old handle is no longer valid. */
  MPI_Recv_init(&v, 1, MPI_INT, my_rank, 5, MPI_COMM_WORLD, &req);
  MPI_Request stale = req;
  MPI_Request_free(&req);
  rc = MPI_Wait(&stale, MPI_STATUS_IGNORE);
  CHECK(error_class_of(rc) == MPI_ERR_REQUEST && says(rc, "MPI_Wait", "request"), "freed request");
  rc = MPI_Start(&req);
  CHECK(error_class_of(rc) == MPI_ERR_REQUEST, "start of MPI_REQUEST_NULL");

  /* After all those errors the communicator still works. */
  int next = (my_rank + 1) % size, prev = (my_rank + size - 1) % size, got = -1;
  MPI_Sendrecv(&my_rank, 1, MPI_INT, next, 1, &got, 1, MPI_INT, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(got == prev, "ring after errors got %d", got);
  return finish("errors");
}
