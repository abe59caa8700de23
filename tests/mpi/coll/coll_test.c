/* Collectives against serial references: every collective, several ops
 * and datatypes (derived ones too), zero counts, MPI_IN_PLACE, a
 * non-commutative user op in canonical order, on WORLD and on a split with
 * reversed ranks. The algorithm under test is forced by PARLEY_COLL_*. */
#include <stdint.h>

#include "../p2p_common.h"

static int val(int rank, int i) { return (rank + 1) * 1000 + (i % 997); }

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
static void mat_of(int rank, int i, int *m) {
  m[0] = rank + 1; m[1] = i % 5 + 1; m[2] = 1; m[3] = (rank * 7 + i) % 3;
}
static void mat_ref(int lo, int hi, int i, int *out) { /* product of ranks lo..hi-1 */
  out[0] = 1; out[1] = 0; out[2] = 0; out[3] = 1;
  for (int r = lo; r < hi; ++r) {
    int m[4], len = 1;
    mat_of(r, i, m);
    /* out = out x m : matmul computes inout = in x inout */
    matmul(out, m, &len, NULL);
    memcpy(out, m, sizeof m);
  }
}

/* Element-wise sum over user op with a vector (noncontiguous) datatype. */
static void vsum(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type; /* the vector type: 3 ints with stride 2 */
  int *a = in, *b = inout;
  for (int k = 0; k < *len; ++k)
    for (int j = 0; j < 3; ++j) b[k * 6 + 2 * j] += a[k * 6 + 2 * j];
}

static void test_bcast(MPI_Comm comm, int me, int n) {
  static const int counts[] = {0, 1, 100, 40000};
  for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ++ci) {
    int count = counts[ci];
    int *buf = malloc(sizeof(int) * (count + 1));
    for (int root = 0; root < n; root += (n > 3 ? n / 2 : 1)) {
      for (int i = 0; i < count; ++i) buf[i] = me == root ? val(root, i) : -1;
      MPI_Bcast(buf, count, MPI_INT, root, comm);
      for (int i = 0; i < count; ++i)
        if (buf[i] != val(root, i)) { CHECK(0, "bcast count %d root %d [%d]=%d", count, root, i, buf[i]); break; }
    }
    free(buf);
  }
  /* Noncontiguous: every other int. */
  MPI_Datatype vec;
  MPI_Type_vector(50, 1, 2, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  int b[100];
  for (int i = 0; i < 100; ++i) b[i] = me == 0 ? i : (i % 2 ? -7 : -1);
  MPI_Bcast(b, 1, vec, 0, comm);
  for (int i = 0; i < 100; ++i) CHECK(b[i] == (i % 2 == 0 || me == 0 ? i : -7), "bcast vector [%d]=%d", i, b[i]);
  /* Same signature, different layouts: the root sends 50 contiguous ints,
   * the others receive them every other int (each rank must take the same
   * path whatever its datatype). */
  for (int i = 0; i < 100; ++i) b[i] = me == 0 ? i * 3 : -7;
  if (me == 0) MPI_Bcast(b, 50, MPI_INT, 0, comm);
  else MPI_Bcast(b, 1, vec, 0, comm);
  for (int i = 0; i < 100; ++i) {
    int want = me == 0 ? i * 3 : (i % 2 ? -7 : (i / 2) * 3);
    if (b[i] != want) { CHECK(0, "bcast mixed layouts [%d]=%d want %d", i, b[i], want); break; }
  }
  MPI_Type_free(&vec);
}

static void test_reduce(MPI_Comm comm, int me, int n, MPI_Op matop) {
  static const int counts[] = {0, 1, 7, 3000};
  for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ++ci) {
    int count = counts[ci];
    int *s = malloc(sizeof(int) * (count + 1)), *r = malloc(sizeof(int) * (count + 1));
    double *ds = malloc(sizeof(double) * (count + 1)), *dr = malloc(sizeof(double) * (count + 1));
    for (int i = 0; i < count; ++i) { s[i] = val(me, i); ds[i] = (double)((me * 31 + i) % 17); }
    for (int root = 0; root < n; root += (n > 3 ? n - 1 : 1)) {
      for (int i = 0; i < count; ++i) r[i] = -1;
      MPI_Reduce(s, r, count, MPI_INT, MPI_SUM, root, comm);
      if (me == root)
        for (int i = 0; i < count; ++i) {
          long ref = 0;
          for (int q = 0; q < n; ++q) ref += val(q, i);
          if (r[i] != ref) { CHECK(0, "reduce sum count %d root %d [%d]=%d want %ld", count, root, i, r[i], ref); break; }
        }
      /* In place at the root, MPI_MAX on doubles. */
      for (int i = 0; i < count; ++i) dr[i] = ds[i];
      MPI_Reduce(me == root ? MPI_IN_PLACE : dr, dr, count, MPI_DOUBLE, MPI_MAX, root, comm);
      if (me == root)
        for (int i = 0; i < count; ++i) {
          double ref = 0;
          for (int q = 0; q < n; ++q) ref = ref > (q * 31 + i) % 17 ? ref : (double)((q * 31 + i) % 17);
          if (dr[i] != ref) { CHECK(0, "reduce max [%d]=%g want %g", i, dr[i], ref); break; }
        }
    }
    /* Allreduce: SUM in place, PROD, BXOR, LAND. */
    for (int i = 0; i < count; ++i) r[i] = s[i];
    MPI_Allreduce(MPI_IN_PLACE, r, count, MPI_INT, MPI_SUM, comm);
    for (int i = 0; i < count; ++i) {
      long ref = 0;
      for (int q = 0; q < n; ++q) ref += val(q, i);
      if (r[i] != ref) { CHECK(0, "allreduce sum count %d [%d]=%d want %ld", count, i, r[i], ref); break; }
    }
    MPI_Allreduce(s, r, count, MPI_INT, MPI_BXOR, comm);
    for (int i = 0; i < count; ++i) {
      int ref = 0;
      for (int q = 0; q < n; ++q) ref ^= val(q, i);
      if (r[i] != ref) { CHECK(0, "allreduce bxor [%d]=%d want %d", i, r[i], ref); break; }
    }
    MPI_Allreduce(ds, dr, count, MPI_DOUBLE, MPI_MIN, comm);
    for (int i = 0; i < count; ++i) {
      double ref = 1e9;
      for (int q = 0; q < n; ++q) ref = ref < (q * 31 + i) % 17 ? ref : (double)((q * 31 + i) % 17);
      if (dr[i] != ref) { CHECK(0, "allreduce min [%d]=%g want %g", i, dr[i], ref); break; }
    }
    free(s); free(r); free(ds); free(dr);
  }
  /* MINLOC on MPI_DOUBLE_INT and MAXLOC on MPI_2INT. */
  struct { double v; int i; } dl[3], dlr[3];
  int il[6], ilr[6];
  for (int k = 0; k < 3; ++k) {
    dl[k].v = (double)((me + k) % 3); dl[k].i = me;
    il[2 * k] = (me * (k + 1)) % 4; il[2 * k + 1] = me;
  }
  MPI_Allreduce(dl, dlr, 3, MPI_DOUBLE_INT, MPI_MINLOC, comm);
  MPI_Allreduce(il, ilr, 3, MPI_2INT, MPI_MAXLOC, comm);
  for (int k = 0; k < 3; ++k) {
    double bv = 1e9; int bi = -1, mv = -1, mi = -1;
    for (int q = 0; q < n; ++q) {
      if ((double)((q + k) % 3) < bv) { bv = (q + k) % 3; bi = q; }
      if ((q * (k + 1)) % 4 > mv) { mv = (q * (k + 1)) % 4; mi = q; }
    }
    CHECK(dlr[k].v == bv && dlr[k].i == bi, "minloc[%d] = (%g,%d) want (%g,%d)", k, dlr[k].v, dlr[k].i, bv, bi);
    CHECK(ilr[2 * k] == mv && ilr[2 * k + 1] == mi, "maxloc[%d] = (%d,%d) want (%d,%d)", k, ilr[2 * k], ilr[2 * k + 1], mv, mi);
  }
  /* Non-commutative user op on a contiguous derived type (2x2 matrices). */
  MPI_Datatype mat;
  MPI_Type_contiguous(4, MPI_INT, &mat);
  MPI_Type_commit(&mat);
  enum { NM = 600 };
  int *ms = malloc(sizeof(int) * 4 * NM), *mr = malloc(sizeof(int) * 4 * NM);
  static const int mcounts[] = {1, 3, NM};
  for (size_t ci = 0; ci < 3; ++ci) {
    int count = mcounts[ci];
    for (int i = 0; i < count; ++i) mat_of(me, i, ms + 4 * i);
    MPI_Allreduce(ms, mr, count, mat, matop, comm);
    for (int i = 0; i < count; ++i) {
      int ref[4];
      mat_ref(0, n, i, ref);
      if (memcmp(ref, mr + 4 * i, sizeof ref)) { CHECK(0, "allreduce matmul count %d [%d]", count, i); break; }
    }
    int root = n - 1;
    MPI_Reduce(ms, mr, count, mat, matop, root, comm);
    if (me == root)
      for (int i = 0; i < count; ++i) {
        int ref[4];
        mat_ref(0, n, i, ref);
        if (memcmp(ref, mr + 4 * i, sizeof ref)) { CHECK(0, "reduce matmul count %d [%d]", count, i); break; }
      }
    MPI_Scan(ms, mr, count, mat, matop, comm);
    for (int i = 0; i < count; ++i) {
      int ref[4];
      mat_ref(0, me + 1, i, ref);
      if (memcmp(ref, mr + 4 * i, sizeof ref)) { CHECK(0, "scan matmul count %d [%d]", count, i); break; }
    }
    MPI_Exscan(ms, mr, count, mat, matop, comm);
    if (me > 0)
      for (int i = 0; i < count; ++i) {
        int ref[4];
        mat_ref(0, me, i, ref);
        if (memcmp(ref, mr + 4 * i, sizeof ref)) { CHECK(0, "exscan matmul count %d [%d]", count, i); break; }
      }
  }
  free(ms); free(mr);
  MPI_Type_free(&mat);
  /* Noncontiguous derived type: predefined op and user op. */
  MPI_Datatype vec;
  MPI_Type_vector(3, 1, 2, MPI_INT, &vec);
  MPI_Datatype vecr;
  MPI_Type_create_resized(vec, 0, 6 * sizeof(int), &vecr);
  MPI_Type_commit(&vecr);
  MPI_Op vop;
  MPI_Op_create(vsum, 1, &vop);
  int vs[60], vr[60];
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 60; ++i) { vs[i] = i % 2 ? -5 : val(me, i); vr[i] = -3; }
    MPI_Allreduce(vs, vr, 10, vecr, pass ? vop : MPI_SUM, comm);
    for (int i = 0; i < 60; ++i) {
      long ref = 0;
      for (int q = 0; q < n; ++q) ref += val(q, i);
      int want = (i % 6) % 2 == 0 && i % 6 < 5 ? (int)ref : -3;
      if (vr[i] != want) { CHECK(0, "allreduce vector pass %d [%d]=%d want %d", pass, i, vr[i], want); break; }
    }
  }
  MPI_Op_free(&vop);
  MPI_Type_free(&vecr);
  MPI_Type_free(&vec);
  /* Scan / Exscan with SUM, in place too. */
  int sc[5], sr[5];
  for (int i = 0; i < 5; ++i) sc[i] = val(me, i);
  MPI_Scan(sc, sr, 5, MPI_INT, MPI_SUM, comm);
  for (int i = 0; i < 5; ++i) {
    long ref = 0;
    for (int q = 0; q <= me; ++q) ref += val(q, i);
    CHECK(sr[i] == ref, "scan [%d]=%d want %ld", i, sr[i], ref);
  }
  memcpy(sr, sc, sizeof sc);
  MPI_Exscan(MPI_IN_PLACE, sr, 5, MPI_INT, MPI_SUM, comm);
  if (me > 0)
    for (int i = 0; i < 5; ++i) {
      long ref = 0;
      for (int q = 0; q < me; ++q) ref += val(q, i);
      CHECK(sr[i] == ref, "exscan [%d]=%d want %ld", i, sr[i], ref);
    }
}

static void test_gather_scatter(MPI_Comm comm, int me, int n) {
  for (int count = 0; count <= 300; count += 150) {
    int *s = malloc(sizeof(int) * (count + 1)), *all = malloc(sizeof(int) * (n * count + 1));
    for (int i = 0; i < count; ++i) s[i] = val(me, i);
    for (int root = 0; root < n; root += (n > 2 ? n - 2 : 1)) {
      for (int i = 0; i < n * count; ++i) all[i] = -1;
      if (me == root) memcpy(all + me * count, s, sizeof(int) * count);
      MPI_Gather(me == root && count > 0 ? MPI_IN_PLACE : s, count, MPI_INT, all, count, MPI_INT, root, comm);
      if (me == root)
        for (int q = 0; q < n; ++q)
          for (int i = 0; i < count; ++i)
            if (all[q * count + i] != val(q, i)) { CHECK(0, "gather root %d q %d i %d", root, q, i); q = n; break; }
      int *r = malloc(sizeof(int) * (count + 1));
      MPI_Scatter(all, count, MPI_INT, r, count, MPI_INT, root, comm);
      for (int i = 0; i < count; ++i)
        if (r[i] != val(me, i)) { CHECK(0, "scatter root %d i %d = %d", root, i, r[i]); break; }
      free(r);
    }
    /* Allgather, in place and not. */
    for (int i = 0; i < n * count; ++i) all[i] = -1;
    MPI_Allgather(s, count, MPI_INT, all, count, MPI_INT, comm);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (all[q * count + i] != val(q, i)) { CHECK(0, "allgather q %d i %d", q, i); q = n; break; }
    for (int i = 0; i < n * count; ++i) all[i] = i / (count ? count : 1) == me ? s[i % count] : -1;
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, count, MPI_INT, comm);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (all[q * count + i] != val(q, i)) { CHECK(0, "allgather in place q %d i %d", q, i); q = n; break; }
    free(s); free(all);
  }
  /* v forms: rank q has q+1 ints; displacements in reverse rank order with gaps. */
  int *cnt = malloc(sizeof(int) * n), *dsp = malloc(sizeof(int) * n), total = 0;
  for (int q = n - 1; q >= 0; --q) { cnt[q] = q + 1; dsp[q] = total; total += q + 2; }
  int *all = malloc(sizeof(int) * total), mine[16];
  for (int i = 0; i <= me; ++i) mine[i] = val(me, i);
  for (int i = 0; i < total; ++i) all[i] = -9;
  MPI_Allgatherv(mine, me + 1, MPI_INT, all, cnt, dsp, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i <= q; ++i) CHECK(all[dsp[q] + i] == val(q, i), "allgatherv q %d i %d", q, i);
  int root = n / 2;
  for (int i = 0; i < total; ++i) all[i] = -9;
  MPI_Gatherv(mine, me + 1, MPI_INT, all, cnt, dsp, MPI_INT, root, comm);
  if (me == root)
    for (int q = 0; q < n; ++q)
      for (int i = 0; i <= q; ++i) CHECK(all[dsp[q] + i] == val(q, i), "gatherv q %d i %d", q, i);
  int got[16];
  MPI_Scatterv(all, cnt, dsp, MPI_INT, got, me + 1, MPI_INT, root, comm);
  for (int i = 0; i <= me; ++i) CHECK(got[i] == val(me, i), "scatterv i %d = %d", i, got[i]);
  free(all); free(cnt); free(dsp);
}

static void test_alltoall(MPI_Comm comm, int me, int n) {
  static const int counts[] = {0, 1, 3, 200};
  for (size_t ci = 0; ci < 4; ++ci) {
    int count = counts[ci];
    int *s = malloc(sizeof(int) * (n * count + 1)), *r = malloc(sizeof(int) * (n * count + 1));
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i) s[q * count + i] = me * 100000 + q * 1000 + i;
    MPI_Alltoall(s, count, MPI_INT, r, count, MPI_INT, comm);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (r[q * count + i] != q * 100000 + me * 1000 + i) { CHECK(0, "alltoall count %d q %d i %d", count, q, i); q = n; break; }
    MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, s, count, MPI_INT, comm);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (s[q * count + i] != q * 100000 + me * 1000 + i) { CHECK(0, "alltoall in place count %d q %d", count, q); q = n; break; }
    free(s); free(r);
  }
  /* alltoallv: to rank q send q+1 ints; receive me+1 from each. */
  int *sc = malloc(sizeof(int) * n), *sd = malloc(sizeof(int) * n), *rc = malloc(sizeof(int) * n),
      *rd = malloc(sizeof(int) * n);
  int st = 0, rt = 0;
  for (int q = 0; q < n; ++q) { sc[q] = q + 1; sd[q] = st; st += q + 1; rc[q] = me + 1; rd[q] = rt; rt += me + 1; }
  int *s = malloc(sizeof(int) * st), *r = malloc(sizeof(int) * rt);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i <= q; ++i) s[sd[q] + i] = me * 1000 + q * 10 + i;
  MPI_Alltoallv(s, sc, sd, MPI_INT, r, rc, rd, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i <= me; ++i) CHECK(r[rd[q] + i] == q * 1000 + me * 10 + i, "alltoallv q %d i %d", q, i);
  /* alltoallw: ints to even ranks, doubles to odd ones, byte displacements. */
  MPI_Datatype *types = malloc(sizeof(MPI_Datatype) * n);
  int *one = malloc(sizeof(int) * n), *bd = malloc(sizeof(int) * n);
  double sw[64], rw[64];
  for (int q = 0; q < n; ++q) {
    types[q] = q % 2 ? MPI_DOUBLE : MPI_INT;
    one[q] = 1;
    bd[q] = q * (int)sizeof(double);
  }
  for (int q = 0; q < n; ++q) {
    if (q % 2) sw[q] = me + 0.5 * q;
    else { int v = me * 10 + q; memcpy(&sw[q], &v, sizeof v); }
  }
  MPI_Datatype *rtypes = malloc(sizeof(MPI_Datatype) * n);
  for (int q = 0; q < n; ++q) rtypes[q] = me % 2 ? MPI_DOUBLE : MPI_INT;
  MPI_Alltoallw(sw, one, bd, types, rw, one, bd, rtypes, comm);
  for (int q = 0; q < n; ++q) {
    if (me % 2) CHECK(rw[q] == q + 0.5 * me, "alltoallw from %d: %g", q, rw[q]);
    else {
      int v;
      memcpy(&v, &rw[q], sizeof v);
      CHECK(v == q * 10 + me, "alltoallw from %d: %d", q, v);
    }
  }
  free(types); free(rtypes); free(one); free(bd);
  free(s); free(r); free(sc); free(sd); free(rc); free(rd);
}

static void test_reduce_scatter(MPI_Comm comm, int me, int n, MPI_Op matop) {
  int *cnt = malloc(sizeof(int) * n), total = 0;
  for (int q = 0; q < n; ++q) { cnt[q] = (q * 3) % 4; total += cnt[q]; }
  int *s = malloc(sizeof(int) * (total + 1)), r[8];
  for (int i = 0; i < total; ++i) s[i] = val(me, i);
  MPI_Reduce_scatter(s, r, cnt, MPI_INT, MPI_SUM, comm);
  int off = 0;
  for (int q = 0; q < me; ++q) off += cnt[q];
  for (int i = 0; i < cnt[me]; ++i) {
    long ref = 0;
    for (int q = 0; q < n; ++q) ref += val(q, off + i);
    CHECK(r[i] == ref, "reduce_scatter [%d]=%d want %ld", i, r[i], ref);
  }
  /* block form, in place, non-commutative. */
  MPI_Datatype mat;
  MPI_Type_contiguous(4, MPI_INT, &mat);
  MPI_Type_commit(&mat);
  int *m = malloc(sizeof(int) * 4 * 2 * n);
  for (int i = 0; i < 2 * n; ++i) mat_of(me, i, m + 4 * i);
  MPI_Reduce_scatter_block(MPI_IN_PLACE, m, 2, mat, matop, comm);
  for (int k = 0; k < 2; ++k) {
    int ref[4];
    mat_ref(0, n, 2 * me + k, ref);
    CHECK(memcmp(ref, m + 4 * k, sizeof ref) == 0, "reduce_scatter_block matmul %d", k);
  }
  MPI_Type_free(&mat);
  free(m); free(s); free(cnt);
}

static void test_nonblocking(MPI_Comm comm, int me, int n) {
  MPI_Comm dup;
  MPI_Comm_dup(comm, &dup);
  enum { K = 6 };
  MPI_Request req[3 * K];
  int sums[K][20], bc[K][5];
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < 20; ++i) sums[k][i] = val(me, i + k);
    MPI_Iallreduce(MPI_IN_PLACE, sums[k], 20, MPI_INT, MPI_SUM, k % 2 ? dup : comm, &req[3 * k]);
    for (int i = 0; i < 5; ++i) bc[k][i] = me == k % n ? k * 10 + i : -1;
    MPI_Ibcast(bc[k], 5, MPI_INT, k % n, k % 2 ? comm : dup, &req[3 * k + 1]);
    MPI_Ibarrier(dup, &req[3 * k + 2]);
  }
  /* Complete in reverse order. */
  for (int k = 3 * K - 1; k >= 0; --k) MPI_Wait(&req[k], MPI_STATUS_IGNORE);
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < 20; ++i) {
      long ref = 0;
      for (int q = 0; q < n; ++q) ref += val(q, i + k);
      CHECK(sums[k][i] == ref, "iallreduce %d [%d]", k, i);
    }
    for (int i = 0; i < 5; ++i) CHECK(bc[k][i] == k * 10 + i, "ibcast %d [%d]", k, i);
  }
  int a[4], b[4 * 16];
  for (int i = 0; i < 4; ++i) a[i] = val(me, i);
  MPI_Request r2[2];
  MPI_Iallgather(a, 4, MPI_INT, b, 4, MPI_INT, comm, &r2[0]);
  int sc[3] = {me, me, me}, sr[3];
  MPI_Iscan(sc, sr, 3, MPI_INT, MPI_SUM, dup, &r2[1]);
  MPI_Waitall(2, r2, MPI_STATUSES_IGNORE);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < 4; ++i) CHECK(b[4 * q + i] == val(q, i), "iallgather q %d i %d", q, i);
  CHECK(sr[0] == me * (me + 1) / 2, "iscan %d", sr[0]);
  MPI_Comm_free(&dup);
}

/* Bad arguments fail with the right class on every rank, and the
 * communicator stays usable. */
static void test_errors(MPI_Comm comm, int n) {
  MPI_Comm c;
  MPI_Comm_dup(comm, &c);
  MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
  int x[4] = {0};
  struct { double v; int i; } p[2] = {{0, 0}, {0, 0}}, q[2];
  CHECK(error_class_of(MPI_Bcast(x, 1, MPI_INT, n, c)) == MPI_ERR_ROOT, "bcast root n");
  CHECK(error_class_of(MPI_Bcast(x, -1, MPI_INT, 0, c)) == MPI_ERR_COUNT, "bcast count -1");
  CHECK(error_class_of(MPI_Allreduce(p, q, 2, MPI_DOUBLE_INT, MPI_SUM, c)) == MPI_ERR_OP, "sum on double_int");
  CHECK(error_class_of(MPI_Allreduce(x, x + 2, 1, MPI_INT, MPI_OP_NULL, c)) == MPI_ERR_OP, "op null");
  CHECK(error_class_of(MPI_Reduce(x, x, 1, MPI_DATATYPE_NULL, MPI_SUM, 0, c)) == MPI_ERR_TYPE, "type null");
  x[0] = 1;
  CHECK(MPI_Allreduce(MPI_IN_PLACE, x, 1, MPI_INT, MPI_SUM, c) == MPI_SUCCESS && x[0] == n, "usable after errors");
  MPI_Comm_free(&c);
}

/* Blocks larger than the shm team's 128 KiB slots (several steps each),
 * contiguous and through a vector type (every other int), rooted at the
 * last rank, and an alltoall whose blocks are split into pieces. */
static void test_large_blocks(MPI_Comm comm, int me, int n) {
  const int count = 40000; /* 160 000 bytes a block */
  int *s = malloc(sizeof(int) * 2 * count), *all = malloc(sizeof(int) * (size_t)n * count);
  for (int i = 0; i < count; ++i) s[i] = val(me, i) + i;
  int root = n - 1;
  for (int i = 0; i < n * count; ++i) all[i] = -1;
  MPI_Gather(s, count, MPI_INT, all, count, MPI_INT, root, comm);
  if (me == root)
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (all[q * count + i] != val(q, i) + i) { CHECK(0, "large gather q %d i %d", q, i); q = n; break; }
  int *r = malloc(sizeof(int) * 2 * count);
  for (int i = 0; i < count; ++i) r[i] = -1;
  MPI_Scatter(all, count, MPI_INT, r, count, MPI_INT, root, comm);
  /* The root's buffer holds what it gathered: everyone gets its own back. */
  for (int i = 0; i < count; ++i)
    if (r[i] != val(me, i) + i) { CHECK(0, "large scatter i %d = %d", i, r[i]); break; }
  for (int i = 0; i < n * count; ++i) all[i] = -1;
  MPI_Allgather(s, count, MPI_INT, all, count, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < count; ++i)
      if (all[q * count + i] != val(q, i) + i) { CHECK(0, "large allgather q %d i %d", q, i); q = n; break; }
  /* Noncontiguous send side: every other int of 2*count. */
  MPI_Datatype every_other;
  MPI_Type_vector(count, 1, 2, MPI_INT, &every_other);
  MPI_Type_commit(&every_other);
  for (int i = 0; i < count; ++i) { r[2 * i] = val(me, i) - i; r[2 * i + 1] = -5; }
  for (int i = 0; i < n * count; ++i) all[i] = -1;
  MPI_Allgather(r, 1, every_other, all, count, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < count; ++i)
      if (all[q * count + i] != val(q, i) - i) { CHECK(0, "large vector allgather q %d i %d", q, i); q = n; break; }
  MPI_Type_free(&every_other);
  free(s); free(r); free(all);
  /* Alltoall: 20000 ints a block, split into n pieces per step. */
  const int ac = 20000;
  int *as = malloc(sizeof(int) * (size_t)n * ac), *ar = malloc(sizeof(int) * (size_t)n * ac);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < ac; ++i) as[q * ac + i] = me * 1000000 + q * 50000 + i;
  MPI_Alltoall(as, ac, MPI_INT, ar, ac, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < ac; ++i)
      if (ar[q * ac + i] != q * 1000000 + me * 50000 + i) { CHECK(0, "large alltoall q %d i %d", q, i); q = n; break; }
  MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, as, ac, MPI_INT, comm);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < ac; ++i)
      if (as[q * ac + i] != q * 1000000 + me * 50000 + i) { CHECK(0, "large alltoall in place q %d i %d", q, i); q = n; break; }
  free(as); free(ar);
  /* Reductions of items larger than the team's 128 KiB slot: a contiguous
   * type of 40000 ints, 2 of them (reduce to the last rank, allreduce, in
   * place too). */
  MPI_Datatype big;
  MPI_Type_contiguous(count, MPI_INT, &big);
  MPI_Type_commit(&big);
  int *bs = malloc(sizeof(int) * 2 * count), *br = malloc(sizeof(int) * 2 * count);
  for (int i = 0; i < 2 * count; ++i) { bs[i] = val(me, i); br[i] = -1; }
  MPI_Allreduce(bs, br, 2, big, MPI_SUM, comm);
  for (int i = 0; i < 2 * count; ++i) {
    long want = 0;
    for (int q = 0; q < n; ++q) want += val(q, i);
    if (br[i] != want) { CHECK(0, "big-item allreduce i %d = %d", i, br[i]); break; }
  }
  for (int i = 0; i < 2 * count; ++i) br[i] = -1;
  MPI_Reduce(bs, br, 2, big, MPI_MAX, root, comm);
  if (me == root)
    for (int i = 0; i < 2 * count; ++i)
      if (br[i] != val(n - 1, i)) { CHECK(0, "big-item reduce i %d = %d", i, br[i]); break; }
  MPI_Allreduce(MPI_IN_PLACE, bs, 2, big, MPI_MIN, comm);
  for (int i = 0; i < 2 * count; ++i)
    if (bs[i] != val(0, i)) { CHECK(0, "big-item allreduce in place i %d = %d", i, bs[i]); break; }
  MPI_Type_free(&big);
  free(bs); free(br);
}

/* The ranks' datatypes may differ in layout with the same signature: rank 0
 * describes its block as every other int (a vector of stride 2), the
 * others as plain MPI_INTs. A nonblocking collective after them (always a
 * tagged schedule) must still match: whichever way each rank took through
 * the blocking ones, they all count the same collectives. */
/* Gatherv with blocks in the team's 240-byte mailbox, in its 128 KiB slot
 * and larger (read by CMA from the sender's buffer), every root, in
 * place at the root, and with a strided type at the root and at the odd
 * ranks (those go through a schedule, the others call the team directly),
 * each followed by a scatterv of the same blocks back (also a team step on
 * a team with CMA). */
static void test_gatherv_sizes(MPI_Comm comm, int me, int n) {
  int *cnt = malloc(sizeof(int) * n), *dsp = malloc(sizeof(int) * n), total = 0;
  for (int q = n - 1; q >= 0; --q) {
    cnt[q] = q % 3 == 0 ? 10 : q == n - 1 ? 40000 : 100 * (q + 1);
    dsp[q] = total;
    total += cnt[q] + 3;
  }
  int *mine = malloc(sizeof(int) * cnt[me]), *mine2 = malloc(sizeof(int) * 2 * cnt[me]);
  int *all = malloc(sizeof(int) * 2 * total), *got = malloc(sizeof(int) * cnt[me]);
  for (int i = 0; i < cnt[me]; ++i) mine[i] = val(me, i), mine2[2 * i] = val(me, i), mine2[2 * i + 1] = -3;
  MPI_Datatype strided, every_other;
  MPI_Type_vector(1, 1, 2, MPI_INT, &strided);
  MPI_Type_create_resized(strided, 0, 2 * sizeof(int), &every_other);
  MPI_Type_commit(&every_other);
  for (int root = 0; root < n; ++root) {
    for (int form = 0; form < 3; ++form) {
      const int stride = form == 2 ? 2 : 1;
      for (int i = 0; i < 2 * total; ++i) all[i] = -9;
      const void *send = mine;
      MPI_Datatype stype = MPI_INT;
      if (form == 1 && me == root) {
        for (int i = 0; i < cnt[me]; ++i) all[dsp[me] + i] = val(me, i);
        send = MPI_IN_PLACE;
      } else if (form == 2 && me % 2 == 1) {
        send = mine2;
        stype = every_other;
      }
      MPI_Gatherv(send, cnt[me], stype, all, cnt, dsp, form == 2 ? every_other : MPI_INT, root, comm);
      if (me == root) {
        int bad = 0;
        for (int q = 0; q < n; ++q)
          for (int i = 0; i < cnt[q]; ++i) bad += all[stride * (dsp[q] + i)] != val(q, i);
        for (int q = 0; q < n; ++q) /* the gaps (and the strided type's holes) untouched */
          for (int i = cnt[q]; i < cnt[q] + 3 && stride * (dsp[q] + i) < 2 * total; ++i)
            bad += dsp[q] + i < total && all[stride * (dsp[q] + i)] != -9;
        if (stride == 2)
          for (int i = 0; i < total; ++i) bad += all[2 * i + 1] != -9;
        CHECK(bad == 0, "gatherv sizes root %d form %d: %d wrong", root, form, bad);
      }
      for (int i = 0; i < cnt[me]; ++i) got[i] = -1;
      if (me == root)
        for (int q = 0; q < n; ++q)
          for (int i = 0; i < cnt[q]; ++i) all[dsp[q] + i] = val(q, i) + 1;
      MPI_Scatterv(all, cnt, dsp, MPI_INT, got, cnt[me], MPI_INT, root, comm);
      for (int i = 0; i < cnt[me]; ++i) CHECK(got[i] == val(me, i) + 1, "scatterv after gatherv i %d", i);
    }
  }
  /* Scatterv (also a team step) with a piece larger than the team's whole
   * set (read by CMA from the root's buffer), in place at root 0, into the
   * strided type at the odd ranks. */
  {
    int *c2 = malloc(sizeof(int) * n), *d2 = malloc(sizeof(int) * n), tot2 = 0;
    for (int q = 0; q < n; ++q) {
      c2[q] = q == n - 1 && n > 1 ? 400000 : cnt[q];
      d2[q] = tot2;
      tot2 += c2[q];
    }
    int *src = malloc(sizeof(int) * tot2), *dst = malloc(sizeof(int) * 2 * c2[me]);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < c2[q]; ++i) src[d2[q] + i] = val(q, i) + 7;
    for (int root = 0; root < n; root += n > 1 ? n - 1 : 1) {
      const int stride = me % 2 == 1 ? 2 : 1;
      for (int i = 0; i < 2 * c2[me]; ++i) dst[i] = -1;
      const int in_place = me == root && root == 0;
      MPI_Scatterv(src, c2, d2, MPI_INT, in_place ? MPI_IN_PLACE : (void *)dst, c2[me],
                   stride == 2 ? every_other : MPI_INT, root, comm);
      int bad = 0;
      if (!in_place)
        for (int i = 0; i < c2[me]; ++i) bad += dst[stride * i] != val(me, i) + 7 || (stride == 2 && dst[2 * i + 1] != -1);
      CHECK(bad == 0, "scatterv with a large piece, root %d: %d wrong", root, bad);
    }
    free(c2), free(d2), free(src), free(dst);
  }
  /* Alltoallv (a team step on a team with CMA) with pieces in the slot and
   * larger than it (160 000 bytes: read by CMA), in reverse order with
   * gaps, then in place. */
  {
    int *sc = malloc(sizeof(int) * n), *sd = malloc(sizeof(int) * n), *rc = malloc(sizeof(int) * n),
        *rd = malloc(sizeof(int) * n), st = 0, rt = 0;
    for (int q = n - 1; q >= 0; --q) {
      sc[q] = rc[q] = (me + q) % 3 == 0 ? 40000 : (me + q + 1) * 7;
      sd[q] = st, st += sc[q] + 1;
      rd[q] = rt, rt += rc[q] + 2;
    }
    int *sv = malloc(sizeof(int) * st), *rv = malloc(sizeof(int) * rt);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < sc[q]; ++i) sv[sd[q] + i] = val(me * 64 + q, i);
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < rt; ++i) rv[i] = -9;
      if (pass == 1)
        for (int q = 0; q < n; ++q)
          for (int i = 0; i < rc[q]; ++i) rv[rd[q] + i] = val(me * 64 + q, i);
      MPI_Alltoallv(pass == 0 ? (void *)sv : MPI_IN_PLACE, sc, sd, MPI_INT, rv, rc, rd, MPI_INT, comm);
      int bad = 0;
      for (int q = 0; q < n; ++q) {
        for (int i = 0; i < rc[q]; ++i) bad += rv[rd[q] + i] != val(q * 64 + me, i);
        bad += rv[rd[q] + rc[q]] != -9 || rv[rd[q] + rc[q] + 1] != -9;
      }
      CHECK(bad == 0, "alltoallv with large pieces, pass %d: %d wrong", pass, bad);
    }
    free(sc), free(sd), free(rc), free(rd), free(sv), free(rv);
  }
  MPI_Type_free(&strided);
  MPI_Type_free(&every_other);
  free(cnt), free(dsp), free(mine), free(mine2), free(all), free(got);
}

static void test_mixed_layouts(MPI_Comm comm, int me, int n) {
  const int count = 40;
  MPI_Datatype strided;
  MPI_Type_vector(count, 1, 2, MPI_INT, &strided);
  MPI_Type_commit(&strided);
  int *all = malloc(sizeof(int) * count * n), *own = malloc(sizeof(int) * count);
  int *mine = malloc(sizeof(int) * 2 * count), *got = malloc(sizeof(int) * 2 * count);
  for (int i = 0; i < count; ++i) mine[2 * i] = own[i] = val(me, i);
  for (int round = 0; round < 3; ++round) {
    const int root = round % n;
    /* gather: the root's blocks are contiguous ints; rank 0 sends strided. */
    for (int i = 0; i < n * count; ++i) all[i] = -1;
    if (me == 0) MPI_Gather(mine, 1, strided, all, count, MPI_INT, root, comm);
    else MPI_Gather(own, count, MPI_INT, all, count, MPI_INT, root, comm);
    if (me == root)
      for (int q = 0; q < n; ++q)
        for (int i = 0; i < count; ++i)
          if (all[q * count + i] != val(q, i)) { CHECK(0, "mixed gather root %d q %d i %d", root, q, i); q = n; break; }
    /* scatter, rank 0 receiving into the strided layout. */
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i) all[q * count + i] = val(q, i) + 1;
    for (int i = 0; i < 2 * count; ++i) got[i] = -1;
    if (me == 0) MPI_Scatter(all, count, MPI_INT, got, 1, strided, root, comm);
    else MPI_Scatter(all, count, MPI_INT, got, count, MPI_INT, root, comm);
    for (int i = 0; i < count; ++i)
      if (got[me == 0 ? 2 * i : i] != val(me, i) + 1) { CHECK(0, "mixed scatter root %d i %d", root, i); break; }
    /* allgather, rank 0 sending from the strided layout. */
    for (int i = 0; i < n * count; ++i) all[i] = -1;
    if (me == 0) MPI_Allgather(mine, 1, strided, all, count, MPI_INT, comm);
    else MPI_Allgather(own, count, MPI_INT, all, count, MPI_INT, comm);
    for (int q = 0; q < n; ++q)
      for (int i = 0; i < count; ++i)
        if (all[q * count + i] != val(q, i)) { CHECK(0, "mixed allgather q %d i %d", q, i); q = n; break; }
    /* A nonblocking collective: a tagged schedule on every rank. */
    int v = me + round, sum = 0;
    MPI_Request req;
    MPI_Iallreduce(&v, &sum, 1, MPI_INT, MPI_SUM, comm, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(sum == n * (n - 1) / 2 + n * round, "mixed: iallreduce after them gave %d", sum);
  }
  MPI_Type_free(&strided);
  free(all); free(own); free(mine); free(got);
}

static void run_all(MPI_Comm comm, MPI_Op matop) {
  int me, n;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &n);
  MPI_Barrier(comm);
  test_bcast(comm, me, n);
  test_reduce(comm, me, n, matop);
  test_gather_scatter(comm, me, n);
  test_mixed_layouts(comm, me, n);
  test_gatherv_sizes(comm, me, n);
  test_alltoall(comm, me, n);
  test_large_blocks(comm, me, n);
  test_reduce_scatter(comm, me, n, matop);
  test_nonblocking(comm, me, n);
  test_errors(comm, n);
  MPI_Barrier(comm);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  int n;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  MPI_Op matop;
  MPI_Op_create(matmul, 0, &matop);
  run_all(MPI_COMM_WORLD, matop);
  /* Reversed ranks, and (at 4+ ranks) two halves. */
  MPI_Comm rev, half;
  MPI_Comm_split(MPI_COMM_WORLD, 0, n - my_rank, &rev);
  run_all(rev, matop);
  MPI_Comm_split(MPI_COMM_WORLD, my_rank < n / 2, my_rank, &half);
  run_all(half, matop);
  run_all(MPI_COMM_SELF, matop);
  MPI_Comm_free(&rev);
  MPI_Comm_free(&half);
  MPI_Op_free(&matop);
  return finish("coll");
}
