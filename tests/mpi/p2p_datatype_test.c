/* Point-to-point with derived datatypes: a strided vector sent and received
 * as contiguous doubles (and the reverse) at eager and rendezvous sizes, a
 * struct, a contiguous derived type moved in place, a persistent send that
 * repacks at every start, a type freed while its request is in flight,
 * element counts of partial receives, and the uncommitted-type error. */
#include "p2p_common.h"
#include <stddef.h>

static void vectors(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  const int counts[] = {1, 10, 1000, 5000, 100000};
  for (int c = 0; c < 5; c++) {
    int n = counts[c];
    MPI_Datatype every_other;
    MPI_Type_vector(n, 1, 2, MPI_DOUBLE, &every_other);
    MPI_Type_commit(&every_other);
    double *strided = malloc(sizeof(double) * 2 * n), *flat = malloc(sizeof(double) * n);
    for (int i = 0; i < 2 * n; i++) strided[i] = rank * 1e7 + i;
    /* vector out, contiguous in */
    MPI_Sendrecv(strided, 1, every_other, next, 1, flat, n, MPI_DOUBLE, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int bad = -1;
    for (int i = 0; i < n && bad < 0; i++)
      if (flat[i] != prev * 1e7 + 2 * i) bad = i;
    CHECK(bad < 0, "vector->contiguous n=%d: element %d", n, bad);
    /* contiguous out, vector in: the holes stay untouched */
    for (int i = 0; i < n; i++) flat[i] = rank + 0.5 * i;
    for (int i = 0; i < 2 * n; i++) strided[i] = -1;
    MPI_Status st;
    MPI_Sendrecv(flat, n, MPI_DOUBLE, next, 2, strided, 1, every_other, prev, 2, MPI_COMM_WORLD, &st);
    bad = -1;
    for (int i = 0; i < n && bad < 0; i++)
      if (strided[2 * i] != prev + 0.5 * i || strided[2 * i + 1] != -1) bad = i;
    CHECK(bad < 0, "contiguous->vector n=%d: element %d", n, bad);
    int count = -1, elems = -1;
    MPI_Get_count(&st, every_other, &count);
    MPI_Get_elements(&st, every_other, &elems);
    CHECK(count == 1 && elems == n, "count %d elements %d (n=%d)", count, elems, n);
    MPI_Type_free(&every_other);
    free(strided);
    free(flat);
  }
}

struct particle {
  double x[3];
  int id;
  char tag;
};

static void structs(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  MPI_Datatype ptype;
  int lens[3] = {3, 1, 1};
  MPI_Aint disp[3] = {offsetof(struct particle, x), offsetof(struct particle, id), offsetof(struct particle, tag)};
  MPI_Datatype types[3] = {MPI_DOUBLE, MPI_INT, MPI_CHAR};
  MPI_Type_create_struct(3, lens, disp, types, &ptype);
  MPI_Datatype resized;
  MPI_Type_create_resized(ptype, 0, sizeof(struct particle), &resized);
  MPI_Type_commit(&resized);
  enum { N = 3000 };
  struct particle *out = calloc(N, sizeof *out), *in = calloc(N, sizeof *in);
  for (int i = 0; i < N; i++) {
    out[i].x[0] = i;
    out[i].x[2] = rank;
    out[i].id = rank * N + i;
    out[i].tag = (char)('a' + i % 26);
  }
  MPI_Sendrecv(out, N, resized, next, 3, in, N, resized, prev, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  int bad = -1;
  for (int i = 0; i < N && bad < 0; i++)
    if (in[i].x[0] != i || in[i].x[2] != prev || in[i].id != prev * N + i || in[i].tag != (char)('a' + i % 26)) bad = i;
  CHECK(bad < 0, "struct particle %d", bad);
  MPI_Type_free(&ptype);
  MPI_Type_free(&resized);
  free(out);
  free(in);
}

static void contiguous_derived(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  MPI_Datatype four;
  MPI_Type_contiguous(4, MPI_INT, &four);
  MPI_Type_commit(&four);
  int out[4000], in[4000];
  for (int i = 0; i < 4000; i++) out[i] = rank * 10000 + i;
  MPI_Sendrecv(out, 1000, four, next, 4, in, 4000, MPI_INT, prev, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(in[3999] == prev * 10000 + 3999 && in[0] == prev * 10000, "contiguous derived");
  MPI_Type_free(&four);
}

static void persistent_and_freed(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  MPI_Datatype cols;
  MPI_Type_vector(64, 1, 8, MPI_INT, &cols);
  MPI_Type_commit(&cols);
  int grid[512], got[64];
  MPI_Request r;
  MPI_Send_init(grid, 1, cols, next, 5, MPI_COMM_WORLD, &r);
  /* The request keeps the layout alive after the handle is freed. */
  MPI_Type_free(&cols);
  int ok = 1;
  for (int it = 0; it < 100; it++) {
    for (int i = 0; i < 512; i++) grid[i] = it * 1000 + i;
    MPI_Request rr;
    MPI_Irecv(got, 64, MPI_INT, prev, 5, MPI_COMM_WORLD, &rr);
    MPI_Start(&r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Wait(&rr, MPI_STATUS_IGNORE);
    for (int i = 0; i < 64; i++) ok &= got[i] == it * 1000 + 8 * i;
  }
  CHECK(ok, "persistent derived send did not repack at each start");
  MPI_Request_free(&r);
}

static void partial_and_errors(int rank, int size) {
  (void)size;
  /* A receive type of pairs, a message of 3 ints: 1 full pair + 1 element. */
  MPI_Datatype pair;
  MPI_Type_contiguous(2, MPI_INT, &pair);
  MPI_Type_commit(&pair);
  int v[3] = {1, 2, 3}, w[4] = {0};
  MPI_Status st;
  MPI_Sendrecv(v, 3, MPI_INT, rank, 6, w, 2, pair, rank, 6, MPI_COMM_WORLD, &st);
  int count = 0, elems = 0;
  MPI_Get_count(&st, pair, &count);
  MPI_Get_elements(&st, pair, &elems);
  CHECK(count == MPI_UNDEFINED && elems == 3 && w[2] == 3, "partial: count %d elements %d", count, elems);
  MPI_Type_free(&pair);

  MPI_Datatype loose;
  MPI_Type_vector(2, 1, 3, MPI_INT, &loose);
  int rc = MPI_Send(v, 1, loose, rank, 7, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE, "send with an uncommitted type accepted (rc %d)", rc);
  MPI_Type_free(&loose);
  rc = MPI_Send(v, 1, loose, rank, 7, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE, "send with a freed type accepted (rc %d)", rc);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  vectors(my_rank, size);
  structs(my_rank, size);
  contiguous_derived(my_rank, size);
  persistent_and_freed(my_rank, size);
  partial_and_errors(my_rank, size);
  return finish("p2p-datatype");
}
