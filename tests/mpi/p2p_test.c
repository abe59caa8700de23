/* Point-to-point semantics across every rank pair: sizes through the eager
 * and rendezvous protocols, wildcards and statuses, MPI_PROC_NULL,
 * truncation, probes, sendrecv, synchronous sends, persistent requests,
 * the wait/test families, cancel, and self-messages. */
#include "p2p_common.h"

static const size_t sizes[] = {0, 1, 7, 64, 1000, 4096, 16000, 16384, 20000, 65536, 1 << 20, 4 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void exchange_all_sizes(int rank, int size) {
  /* Each rank sends to rank+k and receives from rank-k, for every k. */
  size_t max = sizes[NSIZES - 1];
  unsigned char *sbuf = malloc(max), *rbuf = malloc(max);
  for (int k = 0; k < size; k++) {
    int to = (rank + k) % size, from = (rank - k + size) % size;
    for (size_t s = 0; s < NSIZES; s++) {
      size_t n = sizes[s];
      for (size_t i = 0; i < n; i++) sbuf[i] = pattern(i, rank + (int)s);
      memset(rbuf, 0xee, n);
      MPI_Request rr, sr;
      MPI_Status st;
      MPI_Irecv(rbuf, (int)n, MPI_BYTE, from, (int)s, MPI_COMM_WORLD, &rr);
      MPI_Isend(sbuf, (int)n, MPI_BYTE, to, (int)s, MPI_COMM_WORLD, &sr);
      MPI_Wait(&sr, MPI_STATUS_IGNORE);
      MPI_Wait(&rr, &st);
      int count = -1;
      MPI_Get_count(&st, MPI_BYTE, &count);
      CHECK(count == (int)n && st.MPI_SOURCE == from && st.MPI_TAG == (int)s, "size %zu from %d: count %d src %d tag %d",
            n, from, count, st.MPI_SOURCE, st.MPI_TAG);
      size_t bad = n;
      for (size_t i = 0; i < n; i++)
        if (rbuf[i] != pattern(i, from + (int)s)) { bad = i; break; }
      CHECK(bad == n, "size %zu from %d: byte %zu differs", n, from, bad);
    }
  }
  free(sbuf);
  free(rbuf);
}

static void wildcards_and_status(int rank, int size) {
  /* Everyone sends its rank to 0 with tag = rank; 0 receives with wildcards. */
  if (rank == 0) {
    int seen = 0;
    for (int i = 1; i < size; i++) {
      int v = -1;
      MPI_Status st;
      MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
      CHECK(v == st.MPI_SOURCE && st.MPI_TAG == v, "value %d source %d tag %d", v, st.MPI_SOURCE, st.MPI_TAG);
      seen |= 1 << v;
    }
    CHECK(size == 1 || seen == ((1 << size) - 2), "seen mask %x", seen);
    /* Release the others only now: their later messages to rank 0 must not
     * meet this phase's ANY_TAG receives. */
    for (int i = 1; i < size; i++) MPI_Send(&seen, 1, MPI_INT, i, 1000, MPI_COMM_WORLD);
  } else {
    int go;
    MPI_Send(&rank, 1, MPI_INT, 0, rank, MPI_COMM_WORLD);
    MPI_Recv(&go, 1, MPI_INT, 0, 1000, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
}

static void proc_null(void) {
  int v = 5;
  MPI_Status st;
  CHECK(MPI_Send(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD) == MPI_SUCCESS, "send to PROC_NULL");
  CHECK(MPI_Recv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st) == MPI_SUCCESS, "recv from PROC_NULL");
  int count = -1;
  MPI_Get_count(&st, MPI_INT, &count);
  CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG && count == 0 && v == 5, "PROC_NULL status");
}

static void self_messages(int rank) {
  /* Small and large messages to oneself, received after being sent. */
  size_t n = 1 << 20;
  unsigned char *a = malloc(n), *b = malloc(n);
  for (size_t i = 0; i < n; i++) a[i] = pattern(i, 3);
  MPI_Request r;
  MPI_Isend(a, (int)n, MPI_BYTE, rank, 9, MPI_COMM_WORLD, &r);
  int small = 42, got = 0;
  MPI_Send(&small, 1, MPI_INT, rank, 8, MPI_COMM_WORLD);
  MPI_Recv(&got, 1, MPI_INT, rank, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  MPI_Recv(b, (int)n, MPI_BYTE, rank, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  MPI_Wait(&r, MPI_STATUS_IGNORE);
  CHECK(got == 42 && memcmp(a, b, n) == 0, "self message");
  free(a);
  free(b);
}

static void truncation(int rank, int size) {
  if (size < 2) return;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int peer = rank ^ 1;
  if (peer >= size) return;
  for (int big = 0; big < 2; big++) {
    int n = big ? 100000 : 8;
    int *buf = calloc((size_t)n, sizeof(int));
    if (rank % 2 == 0) {
      MPI_Send(buf, n, MPI_INT, peer, 77, MPI_COMM_WORLD);
    } else {
      MPI_Status st;
      int rc = MPI_Recv(buf, n / 2, MPI_INT, peer, 77, MPI_COMM_WORLD, &st);
      CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE, "truncation class %d (n=%d)", error_class_of(rc), n);
    }
    free(buf);
  }
  /* The pair still works afterwards. */
  int v = rank, w = -1;
  MPI_Sendrecv(&v, 1, MPI_INT, peer, 78, &w, 1, MPI_INT, peer, 78, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(w == peer, "sendrecv after truncation got %d", w);
}

static void probes(int rank, int size) {
  if (size < 2) return;
  if (rank == 1) {
    double d[3] = {1, 2, 3};
    MPI_Send(d, 3, MPI_DOUBLE, 0, 5, MPI_COMM_WORLD);
  } else if (rank == 0) {
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, 5, MPI_COMM_WORLD, &st);
    int count = 0;
    MPI_Get_count(&st, MPI_DOUBLE, &count);
    CHECK(st.MPI_SOURCE == 1 && count == 3, "probe source %d count %d", st.MPI_SOURCE, count);
    int flag = 0;
    MPI_Iprobe(1, 5, MPI_COMM_WORLD, &flag, &st);
    CHECK(flag == 1, "iprobe after probe");
    double d[3];
    MPI_Recv(d, 3, MPI_DOUBLE, 1, 5, MPI_COMM_WORLD, &st);
    CHECK(d[2] == 3, "probed message content");
    MPI_Iprobe(1, 5, MPI_COMM_WORLD, &flag, &st);
    CHECK(flag == 0, "iprobe after receive still sees a message");
  }
}

static void sendrecv_ring(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int v = rank, w = -1;
  MPI_Sendrecv(&v, 1, MPI_INT, next, 3, &w, 1, MPI_INT, prev, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(w == prev, "sendrecv got %d", w);
  int x = rank;
  MPI_Sendrecv_replace(&x, 1, MPI_INT, next, 4, prev, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(x == prev, "sendrecv_replace got %d", x);
}

static void synchronous(int rank, int size) {
  if (size < 2) return;
  /* An Issend cannot complete before the receive matches it: the receiver
   * only posts after the sender reports, through a second message, that its
   * Issend is still pending. */
  if (rank == 0) {
    int v = 1, flag = 1;
    MPI_Request r;
    MPI_Issend(&v, 1, MPI_INT, 1, 11, MPI_COMM_WORLD, &r);
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    int pending = !flag;
    MPI_Send(&pending, 1, MPI_INT, 1, 12, MPI_COMM_WORLD);
    if (!flag) MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK(pending == 1, "Issend completed before its receive was posted");
  } else if (rank == 1) {
    int pending = 0, v = 0;
    MPI_Recv(&pending, 1, MPI_INT, 0, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(&v, 1, MPI_INT, 0, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(v == 1, "ssend payload");
  }
}

static void persistent(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int out = 0, in = -1;
  MPI_Request reqs[2];
  MPI_Recv_init(&in, 1, MPI_INT, prev, 21, MPI_COMM_WORLD, &reqs[0]);
  MPI_Send_init(&out, 1, MPI_INT, next, 21, MPI_COMM_WORLD, &reqs[1]);
  int ok = 1;
  for (int i = 0; i < 10000; i++) {
    out = i;
    MPI_Startall(2, reqs);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    if (in != i) ok = 0;
  }
  CHECK(ok, "persistent exchange lost an iteration");
  CHECK(reqs[0] != MPI_REQUEST_NULL, "persistent request became NULL after completion");
  MPI_Request_free(&reqs[0]);
  MPI_Request_free(&reqs[1]);
  CHECK(reqs[0] == MPI_REQUEST_NULL && reqs[1] == MPI_REQUEST_NULL, "Request_free did not null the handles");
}

static void wait_test_families(int rank, int size) {
  enum { N = 6 };
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int out[N], in[N];
  MPI_Request r[2 * N];
  for (int i = 0; i < N; i++) {
    out[i] = rank * 100 + i;
    MPI_Irecv(&in[i], 1, MPI_INT, prev, 30 + i, MPI_COMM_WORLD, &r[i]);
  }
  for (int i = 0; i < N; i++) MPI_Isend(&out[i], 1, MPI_INT, next, 30 + i, MPI_COMM_WORLD, &r[N + i]);
  /* Waitsome until everything is done; every index reported once. */
  int done = 0, seen[2 * N] = {0};
  while (done < 2 * N) {
    int outcount = 0, idx[2 * N];
    MPI_Waitsome(2 * N, r, &outcount, idx, MPI_STATUSES_IGNORE);
    if (outcount == MPI_UNDEFINED) break;
    for (int k = 0; k < outcount; k++) {
      CHECK(!seen[idx[k]], "index %d reported twice", idx[k]);
      seen[idx[k]] = 1;
    }
    done += outcount;
  }
  CHECK(done == 2 * N, "Waitsome completed %d of %d", done, 2 * N);
  for (int i = 0; i < N; i++) CHECK(in[i] == prev * 100 + i, "in[%d] = %d", i, in[i]);
  int outcount = 0, idx[1];
  MPI_Waitsome(2 * N, r, &outcount, idx, MPI_STATUSES_IGNORE);
  CHECK(outcount == MPI_UNDEFINED, "Waitsome on all-null requests gave %d", outcount);

  /* Testany / Waitany / Testall. */
  MPI_Request a[2];
  int x = rank, y = -1;
  MPI_Irecv(&y, 1, MPI_INT, prev, 40, MPI_COMM_WORLD, &a[0]);
  MPI_Isend(&x, 1, MPI_INT, next, 40, MPI_COMM_WORLD, &a[1]);
  int flag = 0;
  while (!flag) MPI_Testall(2, a, &flag, MPI_STATUSES_IGNORE);
  CHECK(y == prev && a[0] == MPI_REQUEST_NULL && a[1] == MPI_REQUEST_NULL, "Testall");
  MPI_Irecv(&y, 1, MPI_INT, prev, 41, MPI_COMM_WORLD, &a[0]);
  MPI_Isend(&x, 1, MPI_INT, next, 41, MPI_COMM_WORLD, &a[1]);
  int index = -1, completed = 0;
  while (completed < 2) {
    flag = 0;
    MPI_Testany(2, a, &index, &flag, MPI_STATUS_IGNORE);
    if (flag && index != MPI_UNDEFINED) completed++;
  }
  MPI_Waitany(2, a, &index, MPI_STATUS_IGNORE);
  CHECK(index == MPI_UNDEFINED, "Waitany on null requests gave %d", index);
}

static void cancel_receive(int rank) {
  int v;
  MPI_Request r;
  MPI_Status st;
  MPI_Irecv(&v, 1, MPI_INT, rank, 999, MPI_COMM_WORLD, &r);
  MPI_Cancel(&r);
  MPI_Wait(&r, &st);
  int cancelled = 0;
  MPI_Test_cancelled(&st, &cancelled);
  CHECK(cancelled == 1, "receive was not cancelled");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  exchange_all_sizes(my_rank, size);
  wildcards_and_status(my_rank, size);
  proc_null();
  self_messages(my_rank);
  probes(my_rank, size);
  sendrecv_ring(my_rank, size);
  synchronous(my_rank, size);
  persistent(my_rank, size);
  wait_test_families(my_rank, size);
  cancel_receive(my_rank);
  truncation(my_rank, size);
  return finish("p2p");
}
