/* Small nonblocking collectives on the shared-memory team (MPI_Ibarrier,
 * MPI_Ibcast, MPI_Iallreduce, MPI_Iallgather, MPI_Ialltoall, MPI_Ireduce,
 * MPI_Igather and MPI_Iscatter up to the team's mailbox size, once the
 * communicator has a team): several outstanding at once and completed in
 * mixed order, interleaved with blocking team collectives (which must first
 * finish the pending team steps), in place, a non-commutative user op, a
 * strided type at the root only, background progress while a rank waits in
 * point-to-point, and sizes on both sides of the mailbox limit. */
#include <stdlib.h>
#include <string.h>

#include "../p2p_common.h"

/* 2x2 matrices mod 1009, multiplied: not commutative. */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const int *a = in;
  int *b = inout;
  for (int i = 0; i < *len; ++i, a += 4, b += 4) {
    int c[4] = {(a[0] * b[0] + a[1] * b[2]) % 1009, (a[0] * b[1] + a[1] * b[3]) % 1009,
                (a[2] * b[0] + a[3] * b[2]) % 1009, (a[2] * b[1] + a[3] * b[3]) % 1009};
    memcpy(b, c, sizeof c);
  }
}

static void mat_of(int rank, int item, int *m) {
  m[0] = (rank + 2 + item) % 1009;
  m[1] = (3 * rank + 1) % 1009;
  m[2] = (item + 5) % 1009;
  m[3] = (rank * item + 7) % 1009;
}

static void run(MPI_Comm comm, const char *what) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  MPI_Barrier(comm); /* makes the team (a blocking collective) */
  MPI_Op mat;
  MPI_Op_create(matmul, 0, &mat);
  MPI_Datatype m4; /* one 2x2 matrix */
  MPI_Type_contiguous(4, MPI_INT, &m4);
  MPI_Type_commit(&m4);
  enum { kRounds = 40, kOut = 8 };
  static const int counts[] = {1, 3, 15, 60, 61, 200}; /* ints: 4 .. 800 bytes (the mailbox holds 240) */
  for (int round = 0; round < kRounds; ++round) {
    const int count = counts[round % 6];
    const int root = round % size;
    MPI_Request req[kOut];
    int *bc = malloc(sizeof(int) * (size_t)count);
    int *sum = malloc(sizeof(int) * (size_t)count);
    int *mine = malloc(sizeof(int) * (size_t)count);
    int *inplace = malloc(sizeof(int) * (size_t)count);
    int mats[4 * 2], matres[4 * 2];
    int *gathered = malloc(sizeof(int) * (size_t)(count * size));
    int *a2a_in = malloc(sizeof(int) * (size_t)(count * size));
    int *a2a_out = malloc(sizeof(int) * (size_t)(count * size));
    for (int i = 0; i < count * size; ++i) {
      gathered[i] = -1;
      a2a_in[i] = 100000 * rank + 1000 * (i / count) + i % count + round; /* block for rank i / count */
      a2a_out[i] = -1;
    }
    for (int i = 0; i < count; ++i) {
      bc[i] = rank == root ? 1000 * round + i : -1;
      mine[i] = rank * 7 + i + round;
      inplace[i] = rank + i;
    }
    for (int j = 0; j < 2; ++j) mat_of(rank, j + round, mats + 4 * j);
    MPI_Ibarrier(comm, &req[0]);
    MPI_Ibcast(bc, count, MPI_INT, root, comm, &req[1]);
    MPI_Iallreduce(mine, sum, count, MPI_INT, MPI_SUM, comm, &req[2]);
    MPI_Iallreduce(MPI_IN_PLACE, inplace, count, MPI_INT, MPI_MAX, comm, &req[3]);
    MPI_Iallreduce(mats, matres, 2, m4, mat, comm, &req[4]);
    MPI_Iallgather(mine, count, MPI_INT, gathered, count, MPI_INT, comm, &req[6]);
    MPI_Ialltoall(a2a_in, count, MPI_INT, a2a_out, count, MPI_INT, comm, &req[7]);
    /* Half of the rounds, a blocking team collective overtakes the pending
     * ones on this rank (it must finish them first). */
    if (round % 2 == 0) {
      int v = rank == root ? round : -1;
      MPI_Bcast(&v, 1, MPI_INT, root, comm);
      CHECK(v == round, "%s: blocking bcast after pending ones: %d", what, v);
    }
    MPI_Ibarrier(comm, &req[5]);
    /* Mixed completion order. */
    int order[kOut] = {5, 7, 2, 0, 4, 6, 1, 3};
    if (round % 3 == 1)
      for (int i = 0; i < kOut; ++i) order[i] = kOut - 1 - i;
    for (int i = 0; i < kOut; ++i) MPI_Wait(&req[order[i]], MPI_STATUS_IGNORE);
    for (int i = 0; i < count; ++i) {
      CHECK(bc[i] == 1000 * round + i, "%s: ibcast round %d [%d] = %d", what, round, i, bc[i]);
      long want = 0;
      for (int q = 0; q < size; ++q) want += q * 7 + i + round;
      CHECK(sum[i] == want, "%s: iallreduce round %d [%d] = %d, want %ld", what, round, i, sum[i], want);
      CHECK(inplace[i] == size - 1 + i, "%s: in-place iallreduce round %d [%d] = %d", what, round, i, inplace[i]);
      for (int q = 0; q < size; ++q) {
        CHECK(gathered[q * count + i] == q * 7 + i + round, "%s: iallgather round %d block %d [%d] = %d", what, round,
              q, i, gathered[q * count + i]);
        const int want_a2a = 100000 * q + 1000 * rank + i + round;
        CHECK(a2a_out[q * count + i] == want_a2a, "%s: ialltoall round %d block %d [%d] = %d, want %d", what, round, q,
              i, a2a_out[q * count + i], want_a2a);
      }
    }
    for (int j = 0; j < 2; ++j) {
      int acc[4];
      mat_of(size - 1, j + round, acc);
      for (int q = size - 2; q >= 0; --q) {
        int m[4], one = 1;
        mat_of(q, j + round, m);
        matmul(m, acc, &one, NULL);
      }
      CHECK(memcmp(acc, matres + 4 * j, sizeof acc) == 0, "%s: non-commutative iallreduce round %d item %d",
            what, round, j);
    }
    free(bc), free(sum), free(mine), free(inplace), free(gathered), free(a2a_in), free(a2a_out);
  }
  MPI_Op_free(&mat);
  MPI_Type_free(&m4);

  /* The rooted ones: MPI_Ireduce (the matrix product too), MPI_Igather and
   * MPI_Iscatter on both sides of the mailbox limit, every root, in place at
   * the root, a strided type at the root, several outstanding and completed
   * in reverse order, with a blocking gather and scatter among them. */
  MPI_Op_create(matmul, 0, &mat);
  MPI_Type_contiguous(4, MPI_INT, &m4);
  MPI_Type_commit(&m4);
  MPI_Datatype strided2; /* every other int */
  MPI_Type_vector(3, 1, 2, MPI_INT, &strided2);
  MPI_Type_commit(&strided2);
  static const int rcounts[] = {1, 3, 7, 16, 60, 61};
  for (int round = 0; round < 24; ++round) {
    const int count = rcounts[round % 6];
    const int root = (round * 5 + 1) % size;
    const int n = count * size;
    int *red = malloc(sizeof(int) * (size_t)count), *mine = malloc(sizeof(int) * (size_t)count);
    int *inpl = malloc(sizeof(int) * (size_t)count);
    int *gat = malloc(sizeof(int) * (size_t)n), *gat_in = malloc(sizeof(int) * (size_t)n);
    int *sca_src = malloc(sizeof(int) * (size_t)n), *sca = malloc(sizeof(int) * (size_t)count);
    int *sca_in = malloc(sizeof(int) * (size_t)n);
    int mats[4 * 2], matres[4 * 2], str_in[6], str_gat[3 * 64], bl_gat[64], bl_sca = -1;
    for (int i = 0; i < count; ++i) mine[i] = rank * 11 + i + round, red[i] = -1, inpl[i] = rank + 3 * i, sca[i] = -1;
    for (int i = 0; i < n; ++i) {
      gat[i] = -1;
      gat_in[i] = i / count == rank ? rank * 11 + i % count + round : -1;
      sca_src[i] = rank == root ? 1000 * (i / count) + i % count + round : -1;
      sca_in[i] = sca_src[i];
    }
    for (int i = 0; i < 6; ++i) str_in[i] = i % 2 == 0 ? 10 * rank + i / 2 + round : -9;
    for (int i = 0; i < 3 * size; ++i) str_gat[i] = -1;
    for (int j = 0; j < 2; ++j) mat_of(rank, j + round, mats + 4 * j);
    MPI_Request req[8];
    MPI_Ireduce(mine, red, count, MPI_INT, MPI_SUM, root, comm, &req[0]);
    MPI_Ireduce(rank == root ? MPI_IN_PLACE : inpl, rank == root ? inpl : NULL, count, MPI_INT, MPI_MAX, root, comm,
                &req[1]);
    MPI_Ireduce(mats, matres, 2, m4, mat, root, comm, &req[2]);
    MPI_Igather(mine, count, MPI_INT, gat, count, MPI_INT, root, comm, &req[3]);
    MPI_Igather(rank == root ? MPI_IN_PLACE : gat_in + rank * count, count, MPI_INT, rank == root ? gat_in : NULL,
                count, MPI_INT, root, comm, &req[4]);
    /* The root receives through a strided type; the others send plain ints. */
    if (rank == root) MPI_Igather(str_in, 1, strided2, str_gat, 3, MPI_INT, root, comm, &req[5]);
    else {
      int plain[3] = {str_in[0], str_in[2], str_in[4]};
      MPI_Igather(plain, 3, MPI_INT, NULL, 0, MPI_INT, root, comm, &req[5]);
      MPI_Wait(&req[5], MPI_STATUS_IGNORE); /* plain is local */
    }
    MPI_Iscatter(sca_src, count, MPI_INT, sca, count, MPI_INT, root, comm, &req[6]);
    MPI_Iscatter(rank == root ? sca_in : NULL, count, MPI_INT, rank == root ? MPI_IN_PLACE : sca_in + rank * count,
                 count, MPI_INT, root, comm, &req[7]);
    if (round % 2 == 1) { /* blocking team ones while those are pending */
      int v = rank + round;
      MPI_Gather(&v, 1, MPI_INT, bl_gat, 1, MPI_INT, root, comm);
      int src[64];
      for (int q = 0; q < size; ++q) src[q] = rank == root ? 77 * q + round : -1;
      MPI_Scatter(src, 1, MPI_INT, &bl_sca, 1, MPI_INT, root, comm);
      CHECK(bl_sca == 77 * rank + round, "%s: blocking scatter among pending ones: %d", what, bl_sca);
      if (rank == root)
        for (int q = 0; q < size; ++q) CHECK(bl_gat[q] == q + round, "%s: blocking gather [%d] = %d", what, q, bl_gat[q]);
    }
    for (int i = 7; i >= 0; --i) MPI_Wait(&req[i], MPI_STATUS_IGNORE);
    if (rank == root) {
      for (int i = 0; i < count; ++i) {
        long want = 0;
        int most = 0;
        for (int q = 0; q < size; ++q) want += q * 11 + i + round, most = q + 3 * i > most ? q + 3 * i : most;
        CHECK(red[i] == want, "%s: ireduce round %d [%d] = %d, want %ld", what, round, i, red[i], want);
        CHECK(inpl[i] == most, "%s: in-place ireduce round %d [%d] = %d", what, round, i, inpl[i]);
      }
      for (int i = 0; i < n; ++i) {
        const int want = (i / count) * 11 + i % count + round;
        CHECK(gat[i] == want, "%s: igather round %d [%d] = %d, want %d", what, round, i, gat[i], want);
        CHECK(gat_in[i] == want, "%s: in-place igather round %d [%d] = %d, want %d", what, round, i, gat_in[i], want);
      }
      for (int q = 0; q < size; ++q)
        for (int i = 0; i < 3; ++i)
          CHECK(str_gat[3 * q + i] == 10 * q + i + round, "%s: strided igather round %d [%d][%d] = %d", what, round, q,
                i, str_gat[3 * q + i]);
      for (int j = 0; j < 2; ++j) {
        int acc[4];
        mat_of(size - 1, j + round, acc);
        for (int q = size - 2; q >= 0; --q) {
          int m[4], one = 1;
          mat_of(q, j + round, m);
          matmul(m, acc, &one, NULL);
        }
        CHECK(memcmp(acc, matres + 4 * j, sizeof acc) == 0, "%s: non-commutative ireduce round %d item %d", what,
              round, j);
      }
    }
    for (int i = 0; i < count; ++i) {
      const int want = 1000 * rank + i + round;
      CHECK(sca[i] == want, "%s: iscatter round %d [%d] = %d, want %d", what, round, i, sca[i], want);
      CHECK(sca_in[rank * count + i] == want, "%s: in-place iscatter round %d [%d] = %d", what, round, i,
            sca_in[rank * count + i]);
    }
    free(red), free(mine), free(inpl), free(gat), free(gat_in), free(sca_src), free(sca), free(sca_in);
  }
  MPI_Type_free(&strided2);
  MPI_Op_free(&mat);
  MPI_Type_free(&m4);

  /* A burst of blocking bcasts after a pending ibcast, more than the team
   * has buffer sets: a blocking step that did not first finish the pending
   * one would tell the root that its set is free again while a reader has
   * not read it yet. */
  for (int round = 0; round < 50; ++round) {
    const int root = round % size;
    int first[4], later[8];
    for (int i = 0; i < 4; ++i) first[i] = rank == root ? round * 100 + i : -1;
    MPI_Request r;
    MPI_Ibcast(first, 4, MPI_INT, root, comm, &r);
    for (int j = 0; j < 8; ++j) {
      later[j] = rank == root ? round * 100 + 50 + j : -1;
      MPI_Bcast(&later[j], 1, MPI_INT, root, comm);
    }
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    for (int i = 0; i < 4; ++i) CHECK(first[i] == round * 100 + i, "%s: ibcast before a burst [%d] = %d", what, i, first[i]);
    for (int j = 0; j < 8; ++j) CHECK(later[j] == round * 100 + 50 + j, "%s: burst bcast %d = %d", what, j, later[j]);
  }

  /* The root sends a strided type, the others receive plain ints (the same
   * bytes; a team path chosen by each rank's own layout would split them). */
  {
    enum { kN = 10 };
    int strided[2 * kN], plain[kN];
    MPI_Datatype every_other;
    MPI_Type_vector(kN, 1, 2, MPI_INT, &every_other);
    MPI_Type_commit(&every_other);
    MPI_Request r;
    for (int i = 0; i < 2 * kN; ++i) strided[i] = i % 2 == 0 ? 500 + i / 2 : -7;
    for (int i = 0; i < kN; ++i) plain[i] = -1;
    if (rank == 0) MPI_Ibcast(strided, 1, every_other, 0, comm, &r);
    else MPI_Ibcast(plain, kN, MPI_INT, 0, comm, &r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    if (rank != 0)
      for (int i = 0; i < kN; ++i) CHECK(plain[i] == 500 + i, "%s: mixed-layout ibcast [%d] = %d", what, i, plain[i]);
    MPI_Type_free(&every_other);
    /* A tagged (point-to-point) collective right after: the tags agree. */
    int one = 1, all = 0, ranks[64];
    MPI_Request r2;
    MPI_Iallgather(&rank, 1, MPI_INT, ranks, 1, MPI_INT, comm, &r2); /* point-to-point schedule */
    MPI_Wait(&r2, MPI_STATUS_IGNORE);
    for (int q = 0; q < size; ++q) CHECK(ranks[q] == q, "%s: iallgather after the mixed ibcast [%d] = %d", what, q, ranks[q]);
    MPI_Allreduce(&one, &all, 1, MPI_INT, MPI_SUM, comm);
    CHECK(all == size, "%s: allreduce after the mixed ibcast: %d", what, all);
  }

  /* Background progress: rank 0 starts, then passes a token that the
   * others need before they join. */
  {
    int next = (rank + 1) % size, prev = (rank + size - 1) % size, token = 0, one = 1, sum = 0;
    MPI_Request r[2];
    if (rank == 0) {
      MPI_Ibarrier(comm, &r[0]);
      MPI_Iallreduce(&one, &sum, 1, MPI_INT, MPI_SUM, comm, &r[1]);
      MPI_Send(&token, 1, MPI_INT, next, 5, comm);
      MPI_Recv(&token, 1, MPI_INT, prev, 5, comm, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&token, 1, MPI_INT, prev, 5, comm, MPI_STATUS_IGNORE);
      MPI_Send(&token, 1, MPI_INT, next, 5, comm);
      MPI_Ibarrier(comm, &r[0]);
      MPI_Iallreduce(&one, &sum, 1, MPI_INT, MPI_SUM, comm, &r[1]);
    }
    MPI_Wait(&r[0], MPI_STATUS_IGNORE);
    MPI_Wait(&r[1], MPI_STATUS_IGNORE);
    CHECK(sum == size, "%s: background iallreduce %d", what, sum);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) {
    run(MPI_COMM_WORLD, "world");
    MPI_Comm rev;
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - my_rank, &rev);
    run(rev, "reversed");
    /* Freed with a nonblocking team step still pending (legal MPI). */
    int rrank;
    MPI_Comm_rank(rev, &rrank);
    int v = rrank == 0 ? 42 : 0;
    MPI_Request r;
    MPI_Ibcast(&v, 1, MPI_INT, 0, rev, &r);
    MPI_Comm_free(&rev);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK(v == 42, "ibcast pending across MPI_Comm_free: %d", v);
  }
  return finish("nbteam");
}
