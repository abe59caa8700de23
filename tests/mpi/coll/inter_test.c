/* Intercommunicator collectives against serial references: barrier, bcast,
 * gather(v), scatter(v), allgather(v), alltoall(v,w), reduce, allreduce
 * (a sum and a non-commutative user op), reduce_scatter(_block), with
 * MPI_ROOT / MPI_PROC_NULL, blocking, nonblocking and persistent, on two
 * intercommunicators made by MPI_Comm_split + MPI_Intercomm_create
 * (interleaved halves, and rank 0 against the rest); argument errors. */
#include "../p2p_common.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

typedef struct {
  MPI_Comm ic;
  int g;       /* my group: 0 or 1 */
  int r, L, R; /* my local rank, local size, remote size */
} Inter;

/* What remote rank q (of group rg) contributes as element i. */
static int val(int rg, int q, int i) { return rg * 100000 + (q + 1) * 1000 + i % 997; }

/* 2x2 matrices modulo 1009: inout = in x inout (in holds lower ranks). */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  int *a = in, *b = inout;
  for (int k = 0; k < *len; ++k, a += 4, b += 4) {
    int c0 = (a[0] * b[0] + a[1] * b[2]) % 1009, c1 = (a[0] * b[1] + a[1] * b[3]) % 1009;
    int c2 = (a[2] * b[0] + a[3] * b[2]) % 1009, c3 = (a[2] * b[1] + a[3] * b[3]) % 1009;
    b[0] = c0; b[1] = c1; b[2] = c2; b[3] = c3;
  }
}
static void mat_of(int g, int q, int i, int *m) {
  m[0] = q + 1 + g; m[1] = i % 5 + 1; m[2] = 1; m[3] = (q * 7 + i) % 3;
}

static const int kCounts[] = {0, 1, 300, 20000};
enum { NCOUNTS = sizeof kCounts / sizeof *kCounts };

static void test_bcast(const Inter *x) {
  for (int ci = 0; ci < NCOUNTS; ++ci) {
    const int count = kCounts[ci];
    int *buf = malloc(sizeof(int) * (count + 1));
    for (int rg = 0; rg < 2; ++rg) {
      const int rootsize = rg == x->g ? x->L : x->R;
      for (int root = 0; root < rootsize; root += rootsize > 1 ? rootsize - 1 : 1) {
        int arg;
        if (rg == x->g) arg = x->r == root ? MPI_ROOT : MPI_PROC_NULL;
        else arg = root;
        for (int i = 0; i < count; ++i) buf[i] = arg == MPI_ROOT ? val(rg, root, i) : -1;
        MPI_Bcast(buf, count, MPI_INT, arg, x->ic);
        for (int i = 0; i < count; ++i) {
          int want = arg == MPI_PROC_NULL ? -1 : val(rg, root, i);
          if (buf[i] != want) { CHECK(0, "bcast count %d root %d/%d [%d]=%d", count, rg, root, i, buf[i]); break; }
        }
      }
    }
    free(buf);
  }
}

static void test_gather_scatter(const Inter *x) {
  for (int ci = 0; ci < NCOUNTS; ++ci) {
    const int count = kCounts[ci];
    int *s = malloc(sizeof(int) * (count + 1));
    int *big = malloc(sizeof(int) * ((size_t)count * x->R + 1));
    int *rc = malloc(sizeof(int) * x->R), *dp = malloc(sizeof(int) * x->R);
    for (int rg = 0; rg < 2; ++rg) {
      const int root = 0;
      const int arg = rg == x->g ? (x->r == root ? MPI_ROOT : MPI_PROC_NULL) : root;
      /* Gather and gatherv (reversed blocks). */
      for (int v = 0; v < 2; ++v) {
        for (int i = 0; i < count; ++i) s[i] = val(x->g, x->r, i);
        for (int i = 0; i < count * x->R; ++i) big[i] = -1;
        for (int q = 0; q < x->R; ++q) rc[q] = count, dp[q] = (x->R - 1 - q) * count;
        if (v) MPI_Gatherv(s, count, MPI_INT, big, rc, dp, MPI_INT, arg, x->ic);
        else MPI_Gather(s, count, MPI_INT, big, count, MPI_INT, arg, x->ic);
        if (arg == MPI_ROOT)
          for (int q = 0; q < x->R; ++q)
            for (int i = 0; i < count; ++i) {
              int at = (v ? dp[q] : q * count) + i;
              if (big[at] != val(1 - x->g, q, i)) { CHECK(0, "gather%s q %d [%d]=%d", v ? "v" : "", q, i, big[at]); q = x->R; break; }
            }
      }
      /* Scatter and scatterv. */
      for (int v = 0; v < 2; ++v) {
        if (arg == MPI_ROOT)
          for (int q = 0; q < x->R; ++q)
            for (int i = 0; i < count; ++i) big[(v ? (x->R - 1 - q) : q) * count + i] = val(x->g, q, i) + 5;
        for (int i = 0; i < count; ++i) s[i] = -1;
        for (int q = 0; q < x->R; ++q) rc[q] = count, dp[q] = (x->R - 1 - q) * count;
        if (v) MPI_Scatterv(big, rc, dp, MPI_INT, s, count, MPI_INT, arg, x->ic);
        else MPI_Scatter(big, count, MPI_INT, s, count, MPI_INT, arg, x->ic);
        if (arg >= 0)
          for (int i = 0; i < count; ++i)
            if (s[i] != val(rg, x->r, i) + 5) { CHECK(0, "scatter%s [%d]=%d", v ? "v" : "", i, s[i]); break; }
      }
    }
    free(s); free(big); free(rc); free(dp);
  }
}

static void test_allgather_alltoall(const Inter *x) {
  for (int ci = 0; ci < NCOUNTS; ++ci) {
    const int count = kCounts[ci];
    int *s = malloc(sizeof(int) * ((size_t)(count + 3) * x->R + 3));
    int *r = malloc(sizeof(int) * ((size_t)(count + 3) * x->R + 3));
    int *sc = malloc(sizeof(int) * x->R), *sd = malloc(sizeof(int) * x->R);
    int *rc = malloc(sizeof(int) * x->R), *rd = malloc(sizeof(int) * x->R);
    MPI_Datatype *ty = malloc(sizeof(MPI_Datatype) * x->R);
    /* Allgather: block q from remote rank q. */
    for (int i = 0; i < count; ++i) s[i] = val(x->g, x->r, i);
    for (int i = 0; i < count * x->R; ++i) r[i] = -1;
    MPI_Allgather(s, count, MPI_INT, r, count, MPI_INT, x->ic);
    for (int q = 0; q < x->R; ++q)
      for (int i = 0; i < count; ++i)
        if (r[q * count + i] != val(1 - x->g, q, i)) { CHECK(0, "allgather q %d [%d]", q, i); q = x->R; break; }
    /* Allgatherv: remote rank q sends count + q % 3 items; reversed places. */
    const int mine = count + x->r % 3;
    for (int i = 0; i < mine; ++i) s[i] = val(x->g, x->r, i) + 1;
    int at = 0;
    for (int q = x->R - 1; q >= 0; --q) rc[q] = count + q % 3, rd[q] = at, at += rc[q];
    for (int i = 0; i < at; ++i) r[i] = -1;
    MPI_Allgatherv(s, mine, MPI_INT, r, rc, rd, MPI_INT, x->ic);
    for (int q = 0; q < x->R; ++q)
      for (int i = 0; i < rc[q]; ++i)
        if (r[rd[q] + i] != val(1 - x->g, q, i) + 1) { CHECK(0, "allgatherv q %d [%d]", q, i); q = x->R; break; }
    /* Alltoall: block q goes to remote rank q. */
    for (int q = 0; q < x->R; ++q)
      for (int i = 0; i < count; ++i) s[q * count + i] = val(x->g, x->r, i) + 10 * q;
    for (int i = 0; i < count * x->R; ++i) r[i] = -1;
    MPI_Alltoall(s, count, MPI_INT, r, count, MPI_INT, x->ic);
    for (int q = 0; q < x->R; ++q)
      for (int i = 0; i < count; ++i)
        if (r[q * count + i] != val(1 - x->g, q, i) + 10 * x->r) { CHECK(0, "alltoall q %d [%d]=%d", q, i, r[q * count + i]); q = x->R; break; }
    /* Alltoallv and alltoallw: (r + q) % 3 + count/2 items from r to q. */
    for (int w = 0; w < 2; ++w) {
      int sa = 0, ra = 0;
      for (int q = 0; q < x->R; ++q) {
        sc[q] = (x->r + q) % 3 + count / 2, sd[q] = sa, sa += sc[q];
        rc[q] = (q + x->r) % 3 + count / 2, rd[q] = ra, ra += rc[q];
        ty[q] = MPI_INT;
      }
      for (int q = 0; q < x->R; ++q)
        for (int i = 0; i < sc[q]; ++i) s[sd[q] + i] = val(x->g, x->r, i) + 10 * q + w;
      for (int i = 0; i < ra; ++i) r[i] = -1;
      if (w) {
        for (int q = 0; q < x->R; ++q) sd[q] *= (int)sizeof(int), rd[q] *= (int)sizeof(int);
        MPI_Alltoallw(s, sc, sd, ty, r, rc, rd, ty, x->ic);
        for (int q = 0; q < x->R; ++q) sd[q] /= (int)sizeof(int), rd[q] /= (int)sizeof(int);
      } else {
        MPI_Alltoallv(s, sc, sd, MPI_INT, r, rc, rd, MPI_INT, x->ic);
      }
      for (int q = 0; q < x->R; ++q)
        for (int i = 0; i < rc[q]; ++i)
          if (r[rd[q] + i] != val(1 - x->g, q, i) + 10 * x->r + w) { CHECK(0, "alltoall%s q %d [%d]", w ? "w" : "v", q, i); q = x->R; break; }
    }
    free(s); free(r); free(sc); free(sd); free(rc); free(rd); free(ty);
  }
}

static void test_reductions(const Inter *x, MPI_Op matop, MPI_Datatype mat) {
  for (int ci = 0; ci < NCOUNTS; ++ci) {
    const int count = kCounts[ci];
    int *s = malloc(sizeof(int) * (4 * (size_t)count + 1)), *r = malloc(sizeof(int) * (4 * (size_t)count + 1));
    /* Allreduce (sum): the remote group's values summed. */
    for (int i = 0; i < count; ++i) s[i] = val(x->g, x->r, i), r[i] = -1;
    MPI_Allreduce(s, r, count, MPI_INT, MPI_SUM, x->ic);
    for (int i = 0; i < count; ++i) {
      long want = 0;
      for (int q = 0; q < x->R; ++q) want += val(1 - x->g, q, i);
      if (r[i] != want) { CHECK(0, "allreduce count %d [%d]=%d want %ld", count, i, r[i], want); break; }
    }
    /* Reduce and allreduce with the non-commutative matrix product. */
    for (int rg = 0; rg < 2; ++rg) {
      const int root = rg == x->g ? x->L - 1 : x->R - 1;
      const int arg = rg == x->g ? (x->r == root ? MPI_ROOT : MPI_PROC_NULL) : root;
      for (int i = 0; i < count; ++i) mat_of(x->g, x->r, i, s + 4 * i);
      for (int i = 0; i < 4 * count; ++i) r[i] = -1;
      MPI_Reduce(s, r, count, mat, matop, arg, x->ic);
      if (arg == MPI_ROOT)
        for (int i = 0; i < count; ++i) {
          int acc[4], len = 1;
          mat_of(1 - x->g, x->R - 1, i, acc);
          for (int q = x->R - 2; q >= 0; --q) {
            int m[4];
            mat_of(1 - x->g, q, i, m);
            matmul(m, acc, &len, NULL);
          }
          if (memcmp(acc, r + 4 * i, sizeof acc) != 0) { CHECK(0, "reduce matop count %d [%d]", count, i); break; }
        }
    }
    /* Reduce_scatter_block and reduce_scatter: vectors of T = L*R*2 items
     * (the same in both groups); block of local rank r. */
    {
      const int T = x->L * x->R * 2;
      int *sv = malloc(sizeof(int) * T), *rv = malloc(sizeof(int) * T), *cnt = malloc(sizeof(int) * x->L);
      for (int i = 0; i < T; ++i) sv[i] = val(x->g, x->r, i + count);
      for (int v = 0; v < 2; ++v) {
        int first = 0;
        for (int q = 0; q < x->L; ++q) cnt[q] = 2 * x->R + (v ? (q == 0 ? x->L - 1 : -1) : 0);
        for (int q = 0; q < x->r; ++q) first += cnt[q];
        for (int i = 0; i < T; ++i) rv[i] = -1;
        if (v) MPI_Reduce_scatter(sv, rv, cnt, MPI_INT, MPI_SUM, x->ic);
        else MPI_Reduce_scatter_block(sv, rv, 2 * x->R, MPI_INT, MPI_SUM, x->ic);
        for (int i = 0; i < cnt[x->r]; ++i) {
          long want = 0;
          for (int q = 0; q < x->R; ++q) want += val(1 - x->g, q, first + i + count);
          if (rv[i] != want) { CHECK(0, "reduce_scatter%s [%d]=%d want %ld", v ? "" : "_block", i, rv[i], want); break; }
        }
      }
      free(sv); free(rv); free(cnt);
    }
    free(s); free(r);
  }
}

/* Several nonblocking ones at once, completed together; persistent ones
 * restarted. */
static void test_nonblocking(const Inter *x) {
  enum { C = 500 };
  int b[C], ars[C], arr[C], ag[C * 8], ags[C];
  MPI_Request req[4];
  const int arg = x->g == 0 ? (x->r == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
  for (int rep = 0; rep < 3; ++rep) {
    for (int i = 0; i < C; ++i) {
      b[i] = arg == MPI_ROOT ? val(0, 0, i) + rep : -1;
      ars[i] = val(x->g, x->r, i);
      ags[i] = val(x->g, x->r, i) + rep;
    }
    MPI_Ibarrier(x->ic, &req[0]);
    MPI_Ibcast(b, C, MPI_INT, arg, x->ic, &req[1]);
    MPI_Iallreduce(ars, arr, C, MPI_INT, MPI_MAX, x->ic, &req[2]);
    MPI_Iallgather(ags, C, MPI_INT, ag, C, MPI_INT, x->ic, &req[3]);
    MPI_Waitall(4, req, MPI_STATUSES_IGNORE);
    for (int i = 0; i < C; ++i) {
      if (arg != MPI_PROC_NULL) CHECK(b[i] == val(0, 0, i) + rep, "ibcast [%d]=%d", i, b[i]);
      CHECK(arr[i] == val(1 - x->g, x->R - 1, i), "iallreduce max [%d]=%d", i, arr[i]);
      for (int q = 0; q < x->R; ++q) CHECK(ag[q * C + i] == val(1 - x->g, q, i) + rep, "iallgather q %d [%d]", q, i);
    }
  }
  MPI_Request p;
  MPI_Allreduce_init(ars, arr, C, MPI_INT, MPI_SUM, x->ic, MPI_INFO_NULL, &p);
  for (int rep = 0; rep < 5; ++rep) {
    for (int i = 0; i < C; ++i) ars[i] = val(x->g, x->r, i) + rep, arr[i] = -1;
    MPI_Start(&p);
    MPI_Wait(&p, MPI_STATUS_IGNORE);
    long want = 0;
    for (int q = 0; q < x->R; ++q) want += val(1 - x->g, q, 7) + rep;
    CHECK(arr[7] == want, "persistent allreduce rep %d: %d want %ld", rep, arr[7], want);
  }
  MPI_Request_free(&p);
}

static void test_errors(const Inter *x) {
  MPI_Comm_set_errhandler(x->ic, MPI_ERRORS_RETURN);
  int a = 1, b = 0, cls = 0;
  int rc = MPI_Allreduce(MPI_IN_PLACE, &b, 1, MPI_INT, MPI_SUM, x->ic);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_BUFFER, "allreduce MPI_IN_PLACE on an intercommunicator: class %d", cls);
  rc = MPI_Bcast(&a, 1, MPI_INT, x->R + 5, x->ic);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_ROOT, "bcast bad root: class %d", cls);
  rc = MPI_Scan(&a, &b, 1, MPI_INT, MPI_SUM, x->ic);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_COMM, "scan on an intercommunicator: class %d", cls);
  /* Still usable. */
  MPI_Barrier(x->ic);
}

static void run(MPI_Comm world, int color, MPI_Op matop, MPI_Datatype mat) {
  int w, n;
  MPI_Comm_rank(world, &w);
  MPI_Comm_size(world, &n);
  MPI_Comm local;
  MPI_Comm_split(world, color, w, &local);
  /* The other group's leader: its lowest world rank. */
  int other = -1;
  int *colors = malloc(sizeof(int) * n);
  MPI_Allgather(&color, 1, MPI_INT, colors, 1, MPI_INT, world);
  for (int q = 0; q < n; ++q)
    if (colors[q] != color) { other = q; break; }
  free(colors);
  Inter x;
  MPI_Intercomm_create(local, 0, world, other, 77, &x.ic);
  x.g = color;
  MPI_Comm_rank(x.ic, &x.r);
  MPI_Comm_size(x.ic, &x.L);
  MPI_Comm_remote_size(x.ic, &x.R);
  MPI_Barrier(x.ic);
  test_bcast(&x);
  test_gather_scatter(&x);
  test_allgather_alltoall(&x);
  test_reductions(&x, matop, mat);
  test_nonblocking(&x);
  test_errors(&x);
  MPI_Comm_free(&x.ic);
  MPI_Comm_free(&local);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  int n;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  if (n >= 2) {
    MPI_Op matop;
    MPI_Op_create(matmul, 0, &matop);
    MPI_Datatype mat;
    MPI_Type_contiguous(4, MPI_INT, &mat);
    MPI_Type_commit(&mat);
    run(MPI_COMM_WORLD, my_rank % 2, matop, mat);  /* interleaved halves */
    run(MPI_COMM_WORLD, my_rank == 0, matop, mat); /* rank 0 against the rest */
    MPI_Type_free(&mat);
    MPI_Op_free(&matop);
  }
  return finish("inter-coll");
}
