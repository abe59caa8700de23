/* MPI_THREAD_MULTIPLE: several threads per rank calling MPI at once.
 *
 *  1. ring traffic: every thread sends to the next rank and receives from
 *     the previous one on its own tag, eager and rendezvous sizes, blocking
 *     and nonblocking, with contents checked;
 *  2. a thread blocked in MPI_Recv from its own rank is released by another
 *     thread's send (the waiting thread must not keep the library locked);
 *  3. concurrent MPI_Comm_dup on two different parents, the copies kept
 *     alive, each used at once by an allreduce whose result would be wrong
 *     (or would hang) if two communicators shared a context id;
 *  4. concurrent collectives (allreduce, bcast, barrier) on different
 *     communicators;
 *  5. MPI_ANY_SOURCE receives in one thread while other threads send.
 * Prints "threads ok" on every rank that passed. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 3
#define ROUNDS 40
#define DUPS 60

static int rank, size;
static volatile int failed;

#define CHECK(cond, ...)                                    \
  do {                                                      \
    if (!(cond)) {                                          \
      fprintf(stderr, "rank %d: ", rank);                   \
      fprintf(stderr, __VA_ARGS__);                         \
      fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__);    \
      failed = 1;                                           \
    }                                                       \
  } while (0)

static void run_threads(void *(*fn)(void *)) {
  pthread_t t[NTHREADS];
  long id[NTHREADS];
  for (int i = 0; i < NTHREADS; ++i) {
    id[i] = i;
    pthread_create(&t[i], NULL, fn, &id[i]);
  }
  for (int i = 0; i < NTHREADS; ++i) pthread_join(t[i], NULL);
}

/* 1: ring traffic per thread. */
static void *ring(void *arg) {
  int t = (int)*(long *)arg;
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  const int sizes[] = {1, 100, 5000, 70000};
  for (int round = 0; round < ROUNDS; ++round) {
    int n = sizes[(round + t) % 4];
    int *out = malloc(sizeof(int) * (size_t)n), *in = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; ++i) out[i] = rank * 1000003 + t * 10007 + round * 31 + i;
    if (round % 2 == 0) {
      MPI_Sendrecv(out, n, MPI_INT, next, t, in, n, MPI_INT, prev, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Request r[2];
      MPI_Irecv(in, n, MPI_INT, prev, t, MPI_COMM_WORLD, &r[0]);
      MPI_Isend(out, n, MPI_INT, next, t, MPI_COMM_WORLD, &r[1]);
      MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
    }
    for (int i = 0; i < n; ++i)
      if (in[i] != prev * 1000003 + t * 10007 + round * 31 + i) {
        CHECK(0, "ring: thread %d round %d element %d is %d", t, round, i, in[i]);
        break;
      }
    free(out);
    free(in);
  }
  return NULL;
}

/* 2: a receive from ourselves, released by another thread. */
static int self_value;
static void *self_recv(void *arg) {
  (void)arg;
  MPI_Recv(&self_value, 1, MPI_INT, rank, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return NULL;
}

/* 3 and 4: per thread, a parent communicator of its own. */
static MPI_Comm parents[NTHREADS];
static void *dups(void *arg) {
  int t = (int)*(long *)arg;
  MPI_Comm copies[DUPS];
  for (int i = 0; i < DUPS; ++i) {
    MPI_Comm_dup(parents[t], &copies[i]);
    int mine = rank * NTHREADS + t + i * 7, sum = 0;
    MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, copies[i]);
    int expect = 0;
    for (int r = 0; r < size; ++r) expect += r * NTHREADS + t + i * 7;
    CHECK(sum == expect, "dup %d of thread %d: allreduce gave %d, expected %d", i, t, sum, expect);
  }
  for (int i = 0; i < DUPS; ++i) MPI_Comm_free(&copies[i]);
  return NULL;
}

static void *collectives(void *arg) {
  int t = (int)*(long *)arg;
  for (int i = 0; i < ROUNDS; ++i) {
    double v = rank + t + i, max = 0;
    MPI_Allreduce(&v, &max, 1, MPI_DOUBLE, MPI_MAX, parents[t]);
    CHECK(max == size - 1 + t + i, "allreduce on thread %d round %d: %g", t, i, max);
    int root = (i + t) % size, buf[64];
    for (int k = 0; k < 64; ++k) buf[k] = rank == root ? t * 100 + i + k : -1;
    MPI_Bcast(buf, 64, MPI_INT, root, parents[t]);
    CHECK(buf[63] == t * 100 + i + 63, "bcast on thread %d round %d: %d", t, i, buf[63]);
    MPI_Barrier(parents[t]);
  }
  return NULL;
}

/* 5: one thread receives from anyone; the others send to rank 0. */
static void *any_source(void *arg) {
  int t = (int)*(long *)arg;
  if (t == 0 && rank == 0) {
    long total = 0, expect = 0;
    int senders = size * (NTHREADS - 1);
    for (int k = 0; k < senders * ROUNDS; ++k) {
      int v;
      MPI_Status st;
      MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 7, MPI_COMM_WORLD, &st);
      CHECK(v / 1000 == st.MPI_SOURCE, "any-source: value %d from %d", v, st.MPI_SOURCE);
      total += v;
    }
    for (int r = 0; r < size; ++r)
      for (int s = 1; s < NTHREADS; ++s)
        for (int i = 0; i < ROUNDS; ++i) expect += r * 1000 + s * 100 + i;
    CHECK(total == expect, "any-source: total %ld, expected %ld", total, expect);
  } else if (t != 0) {
    for (int i = 0; i < ROUNDS; ++i) {
      int v = rank * 1000 + t * 100 + i;
      MPI_Send(&v, 1, MPI_INT, 0, 7, MPI_COMM_WORLD);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  int provided = -1;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d, asked for MPI_THREAD_MULTIPLE", provided);
  int queried = -1;
  MPI_Query_thread(&queried);
  CHECK(queried == MPI_THREAD_MULTIPLE, "MPI_Query_thread says %d", queried);

  run_threads(ring);

  pthread_t waiter;
  self_value = 0;
  pthread_create(&waiter, NULL, self_recv, NULL);
  int v = 4242;
  MPI_Send(&v, 1, MPI_INT, rank, 99, MPI_COMM_WORLD);
  pthread_join(waiter, NULL);
  CHECK(self_value == 4242, "self receive got %d", self_value);

  for (int t = 0; t < NTHREADS; ++t) MPI_Comm_dup(MPI_COMM_WORLD, &parents[t]);
  run_threads(dups);
  run_threads(collectives);
  run_threads(any_source);
  for (int t = 0; t < NTHREADS; ++t) MPI_Comm_free(&parents[t]);

  int ok = !failed, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  if (ok && all) printf("threads ok\n");
  MPI_Finalize();
  return ok && all ? 0 : 1;
}
