/* Noncontiguous point-to-point streamed through every protocol: vector,
 * indexed, struct, subarray, a vector of 1M one-int blocks, and pairs of
 * different-but-compatible type maps on the two sides, each at eager and
 * rendezvous sizes, with the receive posted first, racing, and unexpected;
 * truncation (MPI_ERR_TRUNCATE, status filled, the prefix delivered, nothing
 * written past the receive type) and MPI_Get_elements of partial receives.
 * Every receive buffer, holes included, is compared byte for byte with the
 * sender's data packed and unpacked locally with MPI_Pack/MPI_Unpack.
 * Run in a ring (1 rank: self; 2-3 ranks: shm eager, CMA or the copy
 * pipeline by environment). Finally checks that the engine made no
 * whole-message staging copy (parley_debug_staging_allocations). */
#include "p2p_common.h"
#include <stddef.h>
#include <stdint.h>

/* Parley's test hook; weak so the program still links elsewhere. */
extern unsigned long long parley_debug_staging_allocations(void) __attribute__((weak));

typedef struct {
  const char *name;
  MPI_Datatype send_type, recv_type;
  int send_count, recv_count;
  size_t send_span, recv_span; /* buffer bytes each side needs */
} Case;

static size_t span_of(MPI_Datatype t, int count) {
  MPI_Aint lb, extent, tlb, textent;
  MPI_Type_get_extent(t, &lb, &extent);
  MPI_Type_get_true_extent(t, &tlb, &textent);
  if (count == 0) return 1;
  return (size_t)(tlb + (MPI_Aint)(count - 1) * extent + textent) + 1;
}

static void fill(unsigned char *b, size_t n, int seed) {
  for (size_t i = 0; i < n; i++) b[i] = pattern(i, seed);
}

/* What a receive of c from `src` must leave in a buffer that held 0xEE. */
static unsigned char *expected(const Case *c, int src, int *packed_bytes) {
  unsigned char *sent = malloc(c->send_span);
  fill(sent, c->send_span, src);
  int psize = 0;
  MPI_Pack_size(c->send_count, c->send_type, MPI_COMM_SELF, &psize);
  unsigned char *packed = malloc((size_t)psize + 1);
  int pos = 0;
  MPI_Pack(sent, c->send_count, c->send_type, packed, psize, &pos, MPI_COMM_SELF);
  int rsize = 0;
  MPI_Pack_size(c->recv_count, c->recv_type, MPI_COMM_SELF, &rsize);
  unsigned char *want = malloc(c->recv_span);
  memset(want, 0xEE, c->recv_span);
  /* A truncated receive gets the prefix that fits (whole instances of the
   * receive type in every case here). */
  int tsize = 0;
  MPI_Type_size(c->recv_type, &tsize);
  int n = pos < rsize ? pos : rsize;
  int upos = 0;
  if (tsize > 0 && n % tsize == 0) {
    MPI_Unpack(packed, n, &upos, want, n / tsize, c->recv_type, MPI_COMM_SELF);
  } else {
    CHECK(0, "%s: test case ends inside a receive instance", c->name);
  }
  *packed_bytes = pos;
  free(sent);
  free(packed);
  return want;
}

/* order 0: receive posted first; 1: sendrecv (racing); 2: unexpected. */
static void run_case(const Case *c, int rank, int size, int order, int free_early) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  unsigned char *out = malloc(c->send_span), *in = malloc(c->recv_span);
  fill(out, c->send_span, rank);
  memset(in, 0xEE, c->recv_span);
  int sent_bytes = 0;
  unsigned char *want = expected(c, prev, &sent_bytes);
  int rsize = 0;
  MPI_Pack_size(c->recv_count, c->recv_type, MPI_COMM_SELF, &rsize);
  MPI_Datatype st_type = c->send_type, rt_type = c->recv_type;
  if (free_early) { /* the requests must keep their types alive */
    MPI_Type_dup(c->send_type, &st_type);
    MPI_Type_commit(&st_type);
    MPI_Type_dup(c->recv_type, &rt_type);
    MPI_Type_commit(&rt_type);
  }
  MPI_Status status;
  MPI_Request rq[2];
  int rc = MPI_SUCCESS;
  if (order == 0) {
    MPI_Irecv(in, c->recv_count, rt_type, prev, 11, MPI_COMM_WORLD, &rq[0]);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Isend(out, c->send_count, st_type, next, 11, MPI_COMM_WORLD, &rq[1]);
  } else if (order == 1) {
    MPI_Isend(out, c->send_count, st_type, next, 11, MPI_COMM_WORLD, &rq[1]);
    MPI_Irecv(in, c->recv_count, rt_type, prev, 11, MPI_COMM_WORLD, &rq[0]);
  } else {
    MPI_Isend(out, c->send_count, st_type, next, 11, MPI_COMM_WORLD, &rq[1]);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Irecv(in, c->recv_count, rt_type, prev, 11, MPI_COMM_WORLD, &rq[0]);
  }
  if (free_early) {
    MPI_Type_free(&st_type);
    MPI_Type_free(&rt_type);
  }
  rc = MPI_Wait(&rq[0], &status);
  MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
  const int truncated = sent_bytes > rsize;
  if (truncated) {
    /* (MPI_Wait leaves status.MPI_ERROR alone; the return code says it.) */
    CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE, "%s order %d: truncation not reported (rc %d)", c->name, order,
          rc);
  } else {
    CHECK(rc == MPI_SUCCESS, "%s order %d: rc %d", c->name, order, rc);
  }
  CHECK(status.MPI_SOURCE == prev && status.MPI_TAG == 11, "%s order %d: status source %d tag %d", c->name, order,
        status.MPI_SOURCE, status.MPI_TAG);
  int got = -1;
  MPI_Get_count(&status, MPI_BYTE, &got);
  int expect_bytes = truncated ? rsize : sent_bytes;
  CHECK(got == expect_bytes, "%s order %d: %d bytes received, expected %d", c->name, order, got, expect_bytes);
  size_t bad = (size_t)-1;
  for (size_t i = 0; i < c->recv_span && bad == (size_t)-1; i++)
    if (in[i] != want[i]) bad = i;
  CHECK(bad == (size_t)-1, "%s order %d: byte %zu of %zu is %02x, expected %02x", c->name, order, bad, c->recv_span,
        bad == (size_t)-1 ? 0 : in[bad], bad == (size_t)-1 ? 0 : want[bad]);
  free(out);
  free(in);
  free(want);
}

static void run_all(Case *c, int rank, int size) {
  c->send_span = span_of(c->send_type, c->send_count);
  c->recv_span = span_of(c->recv_type, c->recv_count);
  for (int order = 0; order < 3; order++) run_case(c, rank, size, order, order == 2);
}

static MPI_Datatype committed(MPI_Datatype t) {
  MPI_Type_commit(&t);
  return t;
}

static MPI_Datatype vector(int count, int blocklen, int stride, MPI_Datatype old) {
  MPI_Datatype t;
  MPI_Type_vector(count, blocklen, stride, old, &t);
  return committed(t);
}

/* n doubles as an indexed type of blocks of 1..7 doubles with gaps of 1..3. */
static MPI_Datatype indexed_doubles(int n) {
  int nb = 0, *lens = malloc(sizeof(int) * (size_t)n), *disps = malloc(sizeof(int) * (size_t)n);
  int at = 0;
  for (int left = n; left > 0; nb++) {
    int len = 1 + nb % 7;
    if (len > left) len = left;
    lens[nb] = len;
    disps[nb] = at;
    at += len + 1 + nb % 3;
    left -= len;
  }
  MPI_Datatype t;
  MPI_Type_indexed(nb, lens, disps, MPI_DOUBLE, &t);
  free(lens);
  free(disps);
  return committed(t);
}

struct particle {
  double x[3];
  int id;
  char tag;
};

static MPI_Datatype particle_type(void) {
  MPI_Datatype s, r;
  int lens[3] = {3, 1, 1};
  MPI_Aint disp[3] = {offsetof(struct particle, x), offsetof(struct particle, id), offsetof(struct particle, tag)};
  MPI_Datatype types[3] = {MPI_DOUBLE, MPI_INT, MPI_CHAR};
  MPI_Type_create_struct(3, lens, disp, types, &s);
  MPI_Type_create_resized(s, 0, sizeof(struct particle), &r);
  MPI_Type_free(&s);
  return committed(r);
}

/* The packed form of a particle: 3 doubles, an int, a char (29 bytes) as a
 * different type map: a struct of bytes at another spacing. */
static MPI_Datatype particle_as_bytes(void) {
  MPI_Datatype s, r;
  int lens[2] = {24, 5};
  MPI_Aint disp[2] = {0, 32};
  MPI_Datatype types[2] = {MPI_BYTE, MPI_BYTE};
  MPI_Type_create_struct(2, lens, disp, types, &s);
  MPI_Type_create_resized(s, 0, 40, &r);
  MPI_Type_free(&s);
  return committed(r);
}

static MPI_Datatype subarray3(int a, int b, int c, int sa, int sb, int sc) {
  int sizes[3] = {a, b, c}, sub[3] = {sa, sb, sc}, starts[3] = {1, 2, 3};
  MPI_Datatype t;
  MPI_Type_create_subarray(3, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &t);
  return committed(t);
}

static void same_type(const char *name, MPI_Datatype t, int count, int rank, int size) {
  Case c = {name, t, t, count, count, 0, 0};
  run_all(&c, rank, size);
}

static void streams(int rank, int size) {
  /* Per type: an eager size (a few KiB), a rendezvous size (~100 KiB - MiBs). */
  const int doubles[] = {300, 40000, 300000};
  for (int k = 0; k < 3; k++) {
    int n = doubles[k];
    MPI_Datatype v = vector(n, 1, 2, MPI_DOUBLE);
    same_type("vector-stride2", v, 1, rank, size);
    /* vector out, contiguous in; contiguous out, vector in */
    Case c1 = {"vector->contig", v, MPI_DOUBLE, 1, n, 0, 0};
    run_all(&c1, rank, size);
    Case c2 = {"contig->vector", MPI_DOUBLE, v, n, 1, 0, 0};
    run_all(&c2, rank, size);
    /* the same stream as a vector of pairs at stride 5 */
    MPI_Datatype pairs = vector(n / 2, 2, 5, MPI_DOUBLE);
    Case c3 = {"vector->vector-pairs", v, pairs, 1, 1, 0, 0};
    run_all(&c3, rank, size);
    MPI_Type_free(&pairs);
    MPI_Type_free(&v);

    if (n / 1024 > 0) { /* 8 KiB pieces: CMA iovecs by default */
      MPI_Datatype huge = vector(n / 1024, 1024, 1500, MPI_DOUBLE);
      same_type("vector-8KiB-blocks", huge, 1, rank, size);
      Case c = {"vector-8KiB-blocks->contig", huge, MPI_DOUBLE, 1, (n / 1024) * 1024, 0, 0};
      run_all(&c, rank, size);
      MPI_Type_free(&huge);
    }
    MPI_Datatype big = vector(n / 64, 64, 100, MPI_DOUBLE); /* 512-byte pieces */
    same_type("vector-512B-blocks", big, 1, rank, size);
    MPI_Datatype ix = indexed_doubles((n / 64) * 64);
    Case c4 = {"vector-blocks->indexed", big, ix, 1, 1, 0, 0};
    run_all(&c4, rank, size);
    same_type("indexed", ix, 2, rank, size);
    MPI_Type_free(&ix);
    MPI_Type_free(&big);
  }
  MPI_Datatype p = particle_type(), pb = particle_as_bytes();
  const int particles[] = {100, 20000};
  for (int k = 0; k < 2; k++) {
    same_type("struct", p, particles[k], rank, size);
    Case c = {"struct->bytes", p, pb, particles[k], particles[k], 0, 0};
    run_all(&c, rank, size);
  }
  MPI_Type_free(&p);
  MPI_Type_free(&pb);

  MPI_Datatype small = subarray3(8, 9, 10, 4, 5, 6), large = subarray3(40, 50, 60, 20, 30, 40);
  same_type("subarray-small", small, 2, rank, size);
  same_type("subarray-large", large, 1, rank, size);
  {
    /* the large face received as its packed doubles, then as a 2-D subarray */
    Case c = {"subarray->contig", large, MPI_DOUBLE, 1, 20 * 30 * 40, 0, 0};
    run_all(&c, rank, size);
    int sizes[2] = {700, 60}, sub[2] = {600, 40}, starts[2] = {7, 11};
    MPI_Datatype flat;
    MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_FORTRAN, MPI_DOUBLE, &flat);
    flat = committed(flat);
    Case c2 = {"subarray3->subarray2-fortran", large, flat, 1, 1, 0, 0};
    run_all(&c2, rank, size);
    MPI_Type_free(&flat);
  }
  MPI_Type_free(&small);
  MPI_Type_free(&large);

  /* 1M one-int blocks: bounded memory whatever the protocol. */
  {
    MPI_Datatype tiny = vector(1 << 20, 1, 2, MPI_INT);
    same_type("vector-1M-int-blocks", tiny, 1, rank, size);
    MPI_Datatype tiny3 = vector(1 << 19, 2, 3, MPI_INT);
    Case c = {"1M-int-blocks->pairs", tiny, tiny3, 1, 1, 0, 0};
    run_all(&c, rank, size);
    MPI_Type_free(&tiny3);
    MPI_Type_free(&tiny);
  }
}

static void truncation(int rank, int size) {
  /* The message holds more than the receive type: the prefix arrives and
   * nothing past the receive layout changes. Eager and rendezvous. */
  const int n[] = {500, 200000};
  for (int k = 0; k < 2; k++) {
    MPI_Datatype sv = vector(n[k], 1, 2, MPI_DOUBLE), rv = vector(n[k] / 4, 3, 5, MPI_DOUBLE);
    Case c = {"truncate-vector", sv, rv, 1, 1, 0, 0};
    run_all(&c, rank, size);
    Case c2 = {"truncate-contig->vector", MPI_DOUBLE, rv, n[k], 1, 0, 0};
    run_all(&c2, rank, size);
    MPI_Type_free(&sv);
    MPI_Type_free(&rv);
  }
}

static void partial_elements(int rank, int size) {
  /* A message shorter than the receive type: Get_count is MPI_UNDEFINED,
   * Get_elements counts basic elements (a struct's mixed members too). */
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  const int n[] = {100, 100000};
  for (int k = 0; k < 2; k++) {
    MPI_Datatype rv = vector(n[k], 1, 3, MPI_DOUBLE);
    int m = n[k] - 7;
    double *out = malloc(sizeof(double) * (size_t)m), *in = malloc(sizeof(double) * 3 * (size_t)n[k]);
    for (int i = 0; i < m; i++) out[i] = rank + i * 0.25;
    for (int i = 0; i < 3 * n[k]; i++) in[i] = -1;
    MPI_Status st;
    MPI_Sendrecv(out, m, MPI_DOUBLE, next, 12, in, 1, rv, prev, 12, MPI_COMM_WORLD, &st);
    int count = 0, elems = 0;
    MPI_Get_count(&st, rv, &count);
    MPI_Get_elements(&st, rv, &elems);
    CHECK(count == MPI_UNDEFINED && elems == m, "partial vector: count %d elements %d (want %d)", count, elems, m);
    int bad = -1;
    for (int i = 0; i < 3 * n[k] && bad < 0; i++) {
      double want = (i % 3 == 0 && i / 3 < m) ? prev + (i / 3) * 0.25 : -1;
      if (in[i] != want) bad = i;
    }
    CHECK(bad < 0, "partial vector: element %d", bad);
    free(out);
    free(in);
    MPI_Type_free(&rv);
  }
  /* 2.5 particles into a struct receive: 2 whole + 3 doubles + an int. */
  MPI_Datatype p = particle_type();
  struct particle out[3] = {{{1, 2, 3}, 4, 'a'}, {{5, 6, 7}, 8, 'b'}, {{9, 10, 11}, 12, 'c'}}, in[3];
  MPI_Status st;
  MPI_Sendrecv(out, 2 * 29 + 28, MPI_BYTE, next, 13, in, 3, p, prev, 13, MPI_COMM_WORLD, &st);
  int elems = 0;
  MPI_Get_elements(&st, p, &elems);
  CHECK(elems == 2 * 5 + 4, "partial struct: %d elements", elems);
  MPI_Type_free(&p);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  streams(my_rank, size);
  truncation(my_rank, size);
  partial_elements(my_rank, size);
  if (parley_debug_staging_allocations != NULL) {
    unsigned long long n = parley_debug_staging_allocations();
    const char *t = getenv("PARLEY_TRANSPORT");
    if (t == NULL || strcmp(t, "ofi") != 0)
      CHECK(n == 0, "%llu whole-message staging copies made for shm/self traffic", n);
  }
  return finish("p2p-dtstream");
}
