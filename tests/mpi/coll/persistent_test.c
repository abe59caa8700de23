/* Persistent collectives (MPI-4.0): each request is started 1000 times with
 * fresh data, several in flight at once, completed with Wait/Waitall/Test,
 * then freed. The schedule is built at init and run at every start, so the
 * data a start reads must be that start's: noncontiguous
 * types (packed at every start), MPI_IN_PLACE, a non-commutative op;
 * requests on a communicator with a shared-memory team (whose small steps
 * take their step number at every start), a blocking collective between
 * starts (the tag sequence stays in step), the types and op freed between
 * init and the first start, and a request freed while it runs. */
#include "../p2p_common.h"

/* 2x2 matrices mod 1009, a b = a * b (non-commutative). */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  int *a = (int *)in, *b = (int *)inout;
  for (int i = 0; i < *len; i++, a += 4, b += 4) {
    int r0 = (a[0] * b[0] + a[1] * b[2]) % 1009, r1 = (a[0] * b[1] + a[1] * b[3]) % 1009;
    int r2 = (a[2] * b[0] + a[3] * b[2]) % 1009, r3 = (a[2] * b[1] + a[3] * b[3]) % 1009;
    b[0] = r0, b[1] = r1, b[2] = r2, b[3] = r3;
  }
}

static void mat_of(int rank, int it, int *m) {
  m[0] = (rank + it) % 7 + 1, m[1] = rank % 3, m[2] = it % 5, m[3] = 1;
}

/* The four original requests on comm, started iters times. */
static int basic(MPI_Comm comm, int size, int iters) {
  int value = 0, sum = 0, root_val = 0, gathered[64] = {0};
  MPI_Request r[4];
  MPI_Allreduce_init(&value, &sum, 1, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, &r[0]);
  MPI_Bcast_init(&root_val, 1, MPI_INT, size - 1, comm, MPI_INFO_NULL, &r[1]);
  MPI_Barrier_init(comm, MPI_INFO_NULL, &r[2]);
  MPI_Allgather_init(&value, 1, MPI_INT, gathered, 1, MPI_INT, comm, MPI_INFO_NULL, &r[3]);
  int bad = 0;
  for (int it = 0; it < iters; it++) {
    value = my_rank + it;
    if (my_rank == size - 1) root_val = 7 * it;
    MPI_Startall(4, r);
    if (it % 2 == 0) {
      MPI_Waitall(4, r, MPI_STATUSES_IGNORE);
    } else {
      int flag = 0;
      while (!flag) MPI_Testall(4, r, &flag, MPI_STATUSES_IGNORE);
    }
    int want = size * it + size * (size - 1) / 2;
    if (sum != want || root_val != 7 * it) bad++;
    for (int k = 0; k < size && k < 64; k++) bad += gathered[k] != k + it;
  }
  CHECK(r[0] != MPI_REQUEST_NULL, "persistent request became MPI_REQUEST_NULL");
  for (int k = 0; k < 4; k++) MPI_Request_free(&r[k]);
  CHECK(r[0] == MPI_REQUEST_NULL && r[3] == MPI_REQUEST_NULL, "free did not null the handles");
  return bad;
}

/* Noncontiguous types, in place, a user op and the matrix product. */
static int staged(MPI_Comm comm, int size, int iters) {
  enum { N = 300 };  /* ints in the vector type's buffer: every other one */
  MPI_Datatype vec;
  MPI_Type_vector(N / 2, 1, 2, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  MPI_Datatype mat; /* one 2x2 matrix */
  MPI_Type_contiguous(4, MPI_INT, &mat);
  MPI_Type_commit(&mat);
  MPI_Op prod;
  MPI_Op_create(matmul, 0, &prod);
  static int vin[N], vout[N], inplace[N], mats[4 * 3], matres[4 * 3];
  int *a2a_r = malloc(sizeof(int) * 2 * (size_t)size);
  int *ag = malloc(sizeof(int) * N * (size_t)size);
  MPI_Request r[5];
  MPI_Allreduce_init(vin, vout, 1, vec, MPI_SUM, comm, MPI_INFO_NULL, &r[0]);
  MPI_Allreduce_init(MPI_IN_PLACE, inplace, 1, vec, MPI_MAX, comm, MPI_INFO_NULL, &r[1]);
  MPI_Allreduce_init(mats, matres, 3, mat, prod, comm, MPI_INFO_NULL, &r[2]);
  MPI_Alltoall_init(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a2a_r, 2, MPI_INT, comm, MPI_INFO_NULL, &r[3]);
  MPI_Allgather_init(vin, 1, vec, ag, N / 2, MPI_INT, comm, MPI_INFO_NULL, &r[4]);
  int bad = 0;
  for (int it = 0; it < iters; it++) {
    for (int i = 0; i < N; i++) {
      vin[i] = (i % 2 == 0) ? my_rank * 1000 + i + it : -1;
      vout[i] = -7;
      inplace[i] = (i % 2 == 0) ? (my_rank + it) % size * 10 + i : -5;
    }
    for (int m = 0; m < 3; m++) mat_of(my_rank, it + m, mats + 4 * m);
    for (int q = 0; q < size; q++) a2a_r[2 * q] = my_rank * 100 + q + it, a2a_r[2 * q + 1] = it;
    MPI_Startall(5, r);
    if (it % 7 == 3) MPI_Barrier(comm); /* a blocking collective while they run */
    MPI_Waitall(5, r, MPI_STATUSES_IGNORE);
    for (int i = 0; i < N; i++) {
      if (i % 2 == 0) {
        int want = size * (i + it) + 1000 * size * (size - 1) / 2, most = 0;
        for (int q = 0; q < size; q++) {
          int v = (q + it) % size * 10 + i;
          if (v > most) most = v;
        }
        bad += vout[i] != want;
        bad += inplace[i] != most;
      } else {
        bad += vout[i] != -7;
        bad += inplace[i] != -5;
      }
    }
    for (int m = 0; m < 3; m++) {
      int acc[4], t[4];
      mat_of(size - 1, it + m, acc);
      for (int q = size - 2; q >= 0; q--) {
        int one = 1;
        mat_of(q, it + m, t);
        matmul(t, acc, &one, NULL);
      }
      for (int k = 0; k < 4; k++) bad += matres[4 * m + k] != acc[k];
    }
    for (int q = 0; q < size; q++) bad += a2a_r[2 * q] != q * 100 + my_rank + it || a2a_r[2 * q + 1] != it;
    for (int q = 0; q < size; q++)
      for (int i = 0; i < N / 2; i++) bad += ag[q * (N / 2) + i] != q * 1000 + 2 * i + it;
  }
  for (int k = 0; k < 5; k++) MPI_Request_free(&r[k]);
  MPI_Type_free(&vec);
  MPI_Type_free(&mat);
  MPI_Op_free(&prod);
  free(a2a_r), free(ag);
  return bad;
}

/* The datatypes and the op freed between MPI_X_init and the first MPI_Start
 * (legal MPI: the request holds what it needs from its init on): a vector
 * type through allreduce, bcast and allgather, a user op (the
 * non-commutative matrix product) on a contiguous type. */
static int freed_at_init(MPI_Comm comm, int size, int iters) {
  enum { N = 64 };
  MPI_Datatype vec, mat;
  MPI_Type_vector(N / 2, 1, 2, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  MPI_Type_contiguous(4, MPI_INT, &mat);
  MPI_Type_commit(&mat);
  MPI_Op prod;
  MPI_Op_create(matmul, 0, &prod);
  static int vin[N], vout[N], bc[N], mats[8], matres[8];
  int *ag = malloc(sizeof(int) * N * (size_t)size);
  MPI_Request r[4];
  MPI_Allreduce_init(vin, vout, 1, vec, MPI_SUM, comm, MPI_INFO_NULL, &r[0]);
  MPI_Allreduce_init(mats, matres, 2, mat, prod, comm, MPI_INFO_NULL, &r[1]);
  MPI_Bcast_init(bc, 1, vec, size - 1, comm, MPI_INFO_NULL, &r[2]);
  MPI_Allgather_init(vin, 1, vec, ag, N / 2, MPI_INT, comm, MPI_INFO_NULL, &r[3]);
  MPI_Type_free(&vec);
  MPI_Type_free(&mat);
  MPI_Op_free(&prod);
  int bad = 0;
  for (int it = 0; it < iters; it++) {
    for (int i = 0; i < N; i++) {
      vin[i] = i % 2 == 0 ? my_rank * 100 + i + it : -1;
      vout[i] = -7;
      bc[i] = my_rank == size - 1 ? (i % 2 == 0 ? 3 * i + it : -2) : -9;
    }
    for (int m = 0; m < 2; m++) mat_of(my_rank, it + m, mats + 4 * m);
    MPI_Startall(4, r);
    MPI_Waitall(4, r, MPI_STATUSES_IGNORE);
    for (int i = 0; i < N; i++) {
      if (i % 2 == 0) {
        bad += vout[i] != size * (i + it) + 100 * size * (size - 1) / 2;
        bad += bc[i] != 3 * i + it;
      } else {
        bad += vout[i] != -7;
        bad += bc[i] != (my_rank == size - 1 ? -2 : -9);
      }
    }
    for (int m = 0; m < 2; m++) {
      int acc[4], t[4], one = 1;
      mat_of(size - 1, it + m, acc);
      for (int q = size - 2; q >= 0; q--) {
        mat_of(q, it + m, t);
        matmul(t, acc, &one, NULL);
      }
      for (int k = 0; k < 4; k++) bad += matres[4 * m + k] != acc[k];
    }
    for (int q = 0; q < size; q++)
      for (int i = 0; i < N / 2; i++) bad += ag[q * (N / 2) + i] != q * 100 + 2 * i + it;
  }
  for (int k = 0; k < 4; k++) MPI_Request_free(&r[k]);
  free(ag);
  /* An argument error is the init's (it builds the schedule), named so. */
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int v = 0, cls = MPI_SUCCESS;
  MPI_Request bad_req;
  int rc = MPI_Allreduce_init(&v, &v, -1, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, &bad_req);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_COUNT, "MPI_Allreduce_init with count -1 returned class %d", cls);
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  CHECK(strstr(msg, "MPI_Allreduce_init") != NULL, "the error does not name MPI_Allreduce_init: %s", msg);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL);
  return bad;
}

/* A persistent allreduce running together with a nonblocking one, started
 * many times: under PARLEY_COLL_TAG_WRAP=8 (the coll-persistent-wrap tests)
 * the tag sequence comes round every 8 collectives, and a schedule that
 * kept its first tag would share it with every eighth Iallreduce while
 * both run (at 4 ranks, two rounds each: messages of the one meet receives
 * of the other). Every start takes a fresh tag instead. */
static int beside_nonblocking(MPI_Comm comm, int size, int iters) {
  enum { N = 8 };
  int a[N], sa[N], b[N], sb[N], bad = 0;
  MPI_Request p, x[2];
  MPI_Allreduce_init(a, sa, N, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, &p);
  for (int it = 0; it < iters; it++) {
    for (int i = 0; i < N; i++) a[i] = my_rank + i + it, b[i] = 3 * my_rank - i + it;
    x[0] = p;
    MPI_Start(&x[0]);
    MPI_Iallreduce(b, sb, N, MPI_INT, MPI_SUM, comm, &x[1]);
    if (it % 3 == 0) MPI_Barrier(comm); /* the sequence moves by one more */
    MPI_Waitall(2, x, MPI_STATUSES_IGNORE);
    for (int i = 0; i < N; i++) {
      bad += sa[i] != size * (i + it) + size * (size - 1) / 2;
      bad += sb[i] != size * (it - i) + 3 * size * (size - 1) / 2;
    }
  }
  MPI_Request_free(&p);
  return bad;
}

/* A request freed while it may still run: it completes on its own. */
static int freed_running(MPI_Comm comm, int size) {
  int v = my_rank, s = 0;
  MPI_Request r;
  MPI_Allreduce_init(&v, &s, 1, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, &r);
  MPI_Start(&r);
  MPI_Wait(&r, MPI_STATUS_IGNORE);
  int bad = s != size * (size - 1) / 2;
  MPI_Start(&r);
  MPI_Request_free(&r);
  MPI_Barrier(comm); /* completes it everywhere (and keeps the tags in step) */
  int t = 0;
  MPI_Allreduce(&v, &t, 1, MPI_INT, MPI_SUM, comm);
  return bad + (t != size * (size - 1) / 2);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int bad = basic(MPI_COMM_WORLD, size, 1000);
  CHECK(bad == 0, "%d wrong results over 1000 restarts", bad);
  bad = staged(MPI_COMM_WORLD, size, 200);
  CHECK(bad == 0, "%d wrong results over 200 restarts of the staged requests", bad);
  /* A communicator whose team exists before the requests are made (a
   * blocking collective made it): the small ones run as team steps. */
  MPI_Comm dup;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  MPI_Barrier(dup);
  bad = basic(dup, size, 100); /* oversubscribed, 1000 took 25 s at 3 ranks */
  CHECK(bad == 0, "%d wrong results over 100 restarts on a communicator with a team", bad);
  bad = staged(dup, size, 100);
  CHECK(bad == 0, "%d wrong results over 100 staged restarts on a communicator with a team", bad);
  bad = beside_nonblocking(MPI_COMM_WORLD, size, 200) + beside_nonblocking(dup, size, 50);
  CHECK(bad == 0, "%d wrong results with a persistent and a nonblocking allreduce together", bad);
  bad = freed_at_init(MPI_COMM_WORLD, size, 20) + freed_at_init(dup, size, 20);
  CHECK(bad == 0, "%d wrong results with the types and op freed after init", bad);
  bad = freed_running(dup, size) + freed_running(MPI_COMM_WORLD, size);
  CHECK(bad == 0, "a request freed while running gave %d wrong results", bad);
  MPI_Comm_free(&dup);
  /* Started again after its communicator was freed: a clear error through
   * MPI_COMM_WORLD's handler, not a run over freed memory. */
  {
    MPI_Comm tmp;
    MPI_Comm_dup(MPI_COMM_WORLD, &tmp);
    int v = 1, s = 0;
    MPI_Request r;
    MPI_Allreduce_init(&v, &s, 1, MPI_INT, MPI_SUM, tmp, MPI_INFO_NULL, &r);
    MPI_Start(&r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK(s == size, "allreduce before the free: %d", s);
    MPI_Comm_free(&tmp);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rc = MPI_Start(&r), cls = MPI_SUCCESS;
    MPI_Error_class(rc, &cls);
    /* A single rank's reduction is no schedule kept (nothing to restart). */
    CHECK(size == 1 || cls == MPI_ERR_COMM, "MPI_Start after MPI_Comm_free returned class %d", cls);
    if (rc == MPI_SUCCESS) MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Request_free(&r);
  }
  return finish("persistent-coll");
}
