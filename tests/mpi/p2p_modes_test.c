/* Send modes and request kinds beyond the basics: buffered sends (and a
 * too-small buffer), ready sends, matched probes, generalized requests,
 * element counts and status updates, and requests of sends that completed
 * inside the call. */
#include "p2p_common.h"

static int says(int code, const char *a, const char *b) {
  char text[MPI_MAX_ERROR_STRING];
  int len;
  MPI_Error_string(code, text, &len);
  return strstr(text, a) != NULL && (b == NULL || strstr(text, b) != NULL);
}

static void buffered(int rank, int size) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int v = rank, rc;
  /* No buffer attached: a clear error, nothing sent. */
  rc = MPI_Bsend(&v, 1, MPI_INT, next, 50, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER && says(rc, "MPI_Bsend", "MPI_Buffer_attach"), "bsend without buffer");

  enum { N = 20, LEN = 10000 }; /* rendezvous-sized: the copies stay until received */
  int bufsize = N * (LEN * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
  char *space = malloc((size_t)bufsize);
  CHECK(MPI_Buffer_attach(space, bufsize) == MPI_SUCCESS, "attach");
  rc = MPI_Buffer_attach(space, bufsize);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER, "second attach accepted");
  int *msg = malloc(LEN * sizeof(int));
  /* N buffered sends fit, even though nobody receives yet; the user's
   * buffer may be reused at once. */
  for (int i = 0; i < N; i++) {
    for (int k = 0; k < LEN; k++) msg[k] = rank * 1000000 + i * 10000 + k;
    rc = MPI_Bsend(msg, LEN, MPI_INT, next, 51, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "bsend %d failed", i);
  }
  /* One more does not fit: MPI_ERR_BUFFER naming the sizes. */
  rc = MPI_Bsend(msg, LEN, MPI_INT, next, 51, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER && says(rc, "MPI_Bsend", "too small"), "overfull buffer not reported");
  int *in = malloc(LEN * sizeof(int));
  for (int i = 0; i < N; i++) {
    MPI_Recv(in, LEN, MPI_INT, prev, 51, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int k = 0; k < LEN; k++) bad |= in[k] != prev * 1000000 + i * 10000 + k;
    CHECK(!bad, "buffered message %d corrupted", i);
  }
  /* Detach waits until every buffered message has gone; attach again. */
  void *back = NULL;
  int backsize = 0;
  MPI_Buffer_detach(&back, &backsize);
  CHECK(back == space && backsize == bufsize, "detach returned %p/%d", back, backsize);
  MPI_Buffer_attach(space, bufsize);
  /* Ibsend completes locally; Bsend_init restarts many times. */
  MPI_Request r;
  MPI_Ibsend(&v, 1, MPI_INT, next, 52, MPI_COMM_WORLD, &r);
  int flag = 0;
  MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
  CHECK(flag == 1, "Ibsend not complete after the copy");
  int got = -1;
  MPI_Recv(&got, 1, MPI_INT, prev, 52, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(got == prev, "ibsend payload %d", got);
  MPI_Bsend_init(&v, 1, MPI_INT, next, 53, MPI_COMM_WORLD, &r);
  for (int i = 0; i < 200; i++) {
    v = i;
    MPI_Start(&r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Recv(&got, 1, MPI_INT, prev, 53, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (got != i) CHECK(got == i, "persistent bsend %d gave %d", i, got);
  }
  MPI_Request_free(&r);
  MPI_Bsend(&v, 1, MPI_INT, next, 54, MPI_COMM_WORLD);
  MPI_Recv(&got, 1, MPI_INT, prev, 54, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  MPI_Buffer_detach(&back, &backsize);
  CHECK(back == space && backsize == bufsize, "detach returned %p/%d", back, backsize);
  free(space);
  free(msg);
  free(in);
}

static void ready(int rank, int size) {
  if (size < 2 || rank > 1) return;
  /* The receive is posted before the go-ahead, so the ready send is legal. */
  int v = 0, go = 0;
  if (rank == 1) {
    MPI_Request r;
    MPI_Irecv(&v, 1, MPI_INT, 0, 60, MPI_COMM_WORLD, &r);
    MPI_Send(&go, 1, MPI_INT, 0, 61, MPI_COMM_WORLD);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK(v == 77, "rsend payload %d", v);
  } else {
    MPI_Recv(&go, 1, MPI_INT, 1, 61, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    v = 77;
    MPI_Rsend(&v, 1, MPI_INT, 1, 60, MPI_COMM_WORLD);
  }
}

static void matched_probe(int rank, int size) {
  /* Every rank sends two messages of different lengths to rank 0, which
   * receives them through Mprobe/Mrecv and Improbe/Imrecv. */
  if (rank != 0) {
    int a[3] = {rank, rank, rank}, b[70000];
    for (int i = 0; i < 70000; i++) b[i] = rank + i;
    MPI_Send(a, 3, MPI_INT, 0, 70, MPI_COMM_WORLD);
    MPI_Send(b, 70000, MPI_INT, 0, 71, MPI_COMM_WORLD);
    return;
  }
  static int b[70000];
  for (int i = 1; i < size; i++) {
    MPI_Message m;
    MPI_Status st;
    MPI_Mprobe(MPI_ANY_SOURCE, 70, MPI_COMM_WORLD, &m, &st);
    int count = 0, a[3] = {0};
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == 3 && m != MPI_MESSAGE_NULL, "mprobe count %d", count);
    /* A plain probe can no longer see the taken message. */
    int flag = 1;
    MPI_Iprobe(st.MPI_SOURCE, 70, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 0, "matched message still visible to Iprobe");
    MPI_Mrecv(a, 3, MPI_INT, &m, &st);
    CHECK(m == MPI_MESSAGE_NULL && a[2] == st.MPI_SOURCE, "mrecv got %d from %d", a[2], st.MPI_SOURCE);
  }
  for (int i = 1; i < size; i++) {
    MPI_Message m;
    MPI_Status st;
    int flag = 0;
    while (!flag) MPI_Improbe(MPI_ANY_SOURCE, 71, MPI_COMM_WORLD, &flag, &m, &st);
    MPI_Request r;
    MPI_Imrecv(b, 70000, MPI_INT, &m, &r);
    MPI_Wait(&r, &st);
    int count = 0;
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == 70000 && b[69999] == st.MPI_SOURCE + 69999, "imrecv count %d last %d", count, b[69999]);
  }
  MPI_Message m;
  MPI_Status st;
  MPI_Mprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &m, &st);
  CHECK(m == MPI_MESSAGE_NO_PROC && st.MPI_SOURCE == MPI_PROC_NULL, "mprobe PROC_NULL");
  MPI_Mrecv(NULL, 0, MPI_INT, &m, &st);
  CHECK(m == MPI_MESSAGE_NULL && st.MPI_SOURCE == MPI_PROC_NULL, "mrecv NO_PROC");
  m = MPI_MESSAGE_NULL;
  int rc = MPI_Mrecv(b, 1, MPI_INT, &m, &st);
  CHECK(error_class_of(rc) == MPI_ERR_REQUEST && says(rc, "MPI_Mrecv", "message"), "mrecv of MPI_MESSAGE_NULL");
}

static int query_calls, free_calls, cancel_calls;
static int query_fn(void *state, MPI_Status *st) {
  query_calls++;
  MPI_Status_set_elements(st, MPI_DOUBLE, *(int *)state);
  MPI_Status_set_cancelled(st, 0);
  st->MPI_SOURCE = MPI_UNDEFINED;
  st->MPI_TAG = MPI_UNDEFINED;
  return MPI_SUCCESS;
}
static int free_fn(void *state) {
  (void)state;
  free_calls++;
  return MPI_SUCCESS;
}
static int cancel_fn(void *state, int complete) {
  (void)state;
  cancel_calls += complete ? 10 : 1;
  return MPI_SUCCESS;
}

static void generalized(void) {
  int n = 5;
  MPI_Request r;
  MPI_Status st;
  MPI_Grequest_start(query_fn, free_fn, cancel_fn, &n, &r);
  int flag = 1;
  MPI_Test(&r, &flag, &st);
  CHECK(flag == 0 && r != MPI_REQUEST_NULL, "grequest complete before MPI_Grequest_complete");
  MPI_Cancel(&r);
  CHECK(cancel_calls == 1, "cancel_fn calls %d", cancel_calls);
  MPI_Grequest_complete(r);
  MPI_Wait(&r, &st);
  int count = 0;
  MPI_Get_count(&st, MPI_DOUBLE, &count);
  CHECK(r == MPI_REQUEST_NULL && count == 5 && query_calls == 1 && free_calls == 1, "grequest: count %d query %d free %d",
        count, query_calls, free_calls);
  /* Freed by the user before completion: free_fn runs at completion. */
  MPI_Grequest_start(query_fn, free_fn, cancel_fn, &n, &r);
  MPI_Request keep = r;
  MPI_Request_free(&r);
  CHECK(free_calls == 1, "free_fn ran before completion");
  MPI_Grequest_complete(keep);
  CHECK(free_calls == 2, "free_fn did not run at completion");
}

static void elements(void) {
  MPI_Status st;
  MPI_Status_set_elements(&st, MPI_INT, 7);
  int n = 0;
  MPI_Get_count(&st, MPI_INT, &n);
  CHECK(n == 7, "count %d", n);
  MPI_Get_count(&st, MPI_DOUBLE, &n);
  CHECK(n == MPI_UNDEFINED, "28 bytes as doubles gave %d", n);
  MPI_Get_elements(&st, MPI_SHORT, &n);
  CHECK(n == 14, "elements as short %d", n);
  MPI_Count x = 0;
  MPI_Status_set_elements_x(&st, MPI_CHAR, (MPI_Count)5 << 32);
  MPI_Get_elements_x(&st, MPI_CHAR, &x);
  CHECK(x == (MPI_Count)5 << 32, "elements_x %lld", (long long)x);
  MPI_Get_count(&st, MPI_CHAR, &n);
  CHECK(n == MPI_UNDEFINED, "count beyond int range gave %d", n);
  MPI_Status_set_elements(&st, MPI_2INT, 3);
  MPI_Get_elements(&st, MPI_2INT, &n);
  CHECK(n == 3, "2INT elements %d", n);
  MPI_Get_count(&st, MPI_2INT, &n);
  CHECK(n == MPI_UNDEFINED, "1.5 2INT gave count %d", n);
  int c = 0;
  MPI_Status_set_cancelled(&st, 1);
  MPI_Test_cancelled(&st, &c);
  CHECK(c == 1, "set_cancelled");
  int rc = MPI_Status_set_elements(&st, MPI_INT, -1);
  CHECK(error_class_of(rc) == MPI_ERR_COUNT, "negative elements accepted");
}

/* Small standard sends to a rank on this node complete inside MPI_Isend
 * (Parley then hands out one shared completed request): every request
 * operation must still behave as for any completed send, and the data must
 * arrive in order, whatever mix of completion calls retires them. */
static void completed_sends(int rank, int size) {
  if (size < 2 || rank > 1) return;
  enum { N = 12 };
  int v[N];
  if (rank == 0) {
    MPI_Request r[N];
    for (int i = 0; i < N; ++i) {
      v[i] = 1000 + i;
      CHECK(MPI_Isend(&v[i], 1, MPI_INT, 1, 70, MPI_COMM_WORLD, &r[i]) == MPI_SUCCESS, "isend %d", i);
      CHECK(r[i] != MPI_REQUEST_NULL, "isend %d gave MPI_REQUEST_NULL", i);
    }
    int flag = 0;
    MPI_Status st;
    CHECK(MPI_Request_get_status(r[0], &flag, &st) == MPI_SUCCESS && flag, "get_status flag %d", flag);
    CHECK(r[0] != MPI_REQUEST_NULL, "get_status must not free the request");
    CHECK(MPI_Test(&r[0], &flag, &st) == MPI_SUCCESS && flag && r[0] == MPI_REQUEST_NULL, "test");
    CHECK(MPI_Cancel(&r[1]) == MPI_SUCCESS, "cancel of a completed send");
    CHECK(MPI_Wait(&r[1], &st) == MPI_SUCCESS && r[1] == MPI_REQUEST_NULL, "wait after cancel");
    int cancelled = 1;
    MPI_Test_cancelled(&st, &cancelled);
    CHECK(!cancelled, "a completed send reads as cancelled");
    CHECK(MPI_Request_free(&r[2]) == MPI_SUCCESS && r[2] == MPI_REQUEST_NULL, "request_free");
    int idx = -1;
    CHECK(MPI_Waitany(N, r, &idx, &st) == MPI_SUCCESS && idx == 3 && r[3] == MPI_REQUEST_NULL, "waitany %d", idx);
    int out = 0, ids[N];
    MPI_Status sts[N];
    CHECK(MPI_Testsome(N, r, &out, ids, sts) == MPI_SUCCESS && out == N - 4, "testsome %d", out);
    for (int i = 0; i < N; ++i) CHECK(r[i] == MPI_REQUEST_NULL, "request %d left after testsome", i);
    CHECK(MPI_Testall(N, r, &flag, sts) == MPI_SUCCESS && flag, "testall of nulls");
    /* A freed (null) handle is still refused where a request is required. */
    CHECK(error_class_of(MPI_Request_free(&r[0])) == MPI_ERR_REQUEST, "free of MPI_REQUEST_NULL");
    /* The data is unaffected by what the sender did with its requests. */
    MPI_Send(v, 0, MPI_INT, 1, 71, MPI_COMM_WORLD);
  } else {
    for (int i = 0; i < N; ++i) {
      MPI_Recv(&v[i], 1, MPI_INT, 0, 70, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      CHECK(v[i] == 1000 + i, "message %d carried %d", i, v[i]);
    }
    MPI_Recv(v, 0, MPI_INT, 0, 71, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  buffered(my_rank, size);
  ready(my_rank, size);
  matched_probe(my_rank, size);
  generalized();
  elements();
  completed_sends(my_rank, size);
  return finish("modes");
}
