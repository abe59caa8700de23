/* Pack throughput against memcpy of the same bytes: MPI_Pack of a vector of
 * 8-byte blocks (every other double), of a 2-D column face (one double per
 * row of a 4-wide array) and of a 3-D z face (one double per (i, j) of a
 * [a][b][4] array), and MPI_Unpack of the vector; sizes are packed bytes.
 * Values are MB/s (10^6 bytes/s) of packed data; the ratio columns divide by
 * memcpy's MB/s for the same number of bytes, measured in the same run.
 *
 * Each value is the best of 5 trials, and the trials of all columns are
 * interleaved (memcpy, vector, 2-D, 3-D, unpack, memcpy, ...) so a burst of
 * noise on a shared machine hits every column alike. Runs on one rank (other
 * ranks, if any, wait). Plain C11; builds with any MPI. */
#include "../osu/osu_bench.h"

enum { TRIALS = 5, WIDTH = 4 };

typedef struct {
  const char* name;
  MPI_Datatype type; /* MPI_DATATYPE_NULL: memcpy */
  int unpack;
  const char* src; /* the typed buffer (pack) or packed buffer (memcpy) */
  char* dst;
  double best; /* seconds per operation */
} Column;

static double now(void) { return MPI_Wtime(); }

static void run_op(Column* c, size_t bytes, char* packed, char* typed) {
  if (c->type == MPI_DATATYPE_NULL) {
    memcpy(c->dst, c->src, bytes);
    return;
  }
  int pos = 0;
  if (c->unpack)
    CHECK(MPI_Unpack(packed, (int)bytes, &pos, typed, 1, c->type, MPI_COMM_SELF));
  else
    CHECK(MPI_Pack(c->src, 1, c->type, packed, (int)bytes, &pos, MPI_COMM_SELF));
  if ((size_t)pos != bytes) bench_die("MPI_Pack/Unpack moved the wrong number of bytes");
}

/* Seconds per operation over enough repetitions to take ~budget/TRIALS. */
static double trial(Column* c, size_t bytes, char* packed, char* typed, long iters) {
  double t0 = now();
  for (long i = 0; i < iters; ++i) run_op(c, bytes, packed, typed);
  return (now() - t0) / (double)iters;
}

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  BenchOptions o = bench_parse(argc, argv);
  if (o.max_size < 1024) o.max_size = 1024;

  if (rank == 0) {
    size_t max = o.max_size;
    /* The largest typed buffer: the 2-D and 3-D faces read one double in
     * WIDTH (so WIDTH x the packed bytes). */
    char* typed = bench_alloc(max * WIDTH);
    char* packed = bench_alloc(max);
    char* copy = bench_alloc(max);
    bench_fill(typed, max * WIDTH, 1);
    bench_fill(copy, max, 2);

    printf("# Parley pack benchmark: MPI_Pack throughput (MB/s of packed bytes), best of %d interleaved trials\n",
           TRIALS);
    printf("# vector: count n, blocklength 1, stride 2, MPI_DOUBLE; face2d: subarray [n][%d] -> [n][1];\n"
           "# face3d: subarray [a][b][%d] -> [a][b][1]; vec_unpack: MPI_Unpack of vector; x_ratio = x / memcpy\n",
           WIDTH, WIDTH);
    printf("# %-8s%12s%12s%12s%12s%12s%10s%10s%10s%10s\n", "Size", "memcpy", "vector", "face2d", "face3d",
           "vec_unpack", "v_ratio", "2d_ratio", "3d_ratio", "u_ratio");
    fflush(stdout);

    for (size_t size = 1024; size <= max; size *= 2) {
      int n = (int)(size / 8);
      MPI_Datatype vec, f2, f3;
      CHECK(MPI_Type_vector(n, 1, 2, MPI_DOUBLE, &vec));
      int s2[2] = {n, WIDTH}, ss2[2] = {n, 1}, st2[2] = {0, 0};
      CHECK(MPI_Type_create_subarray(2, s2, ss2, st2, MPI_ORDER_C, MPI_DOUBLE, &f2));
      int b = 1;
      while ((size_t)b * b * 2 <= (size_t)n) b *= 2; /* n = a*b with a = b or 2b */
      int s3[3] = {n / b, b, WIDTH}, ss3[3] = {n / b, b, 1}, st3[3] = {0, 0, 0};
      CHECK(MPI_Type_create_subarray(3, s3, ss3, st3, MPI_ORDER_C, MPI_DOUBLE, &f3));
      CHECK(MPI_Type_commit(&vec));
      CHECK(MPI_Type_commit(&f2));
      CHECK(MPI_Type_commit(&f3));

      Column cols[5] = {
          {"memcpy", MPI_DATATYPE_NULL, 0, copy, packed, 1e30},
          {"vector", vec, 0, typed, NULL, 1e30},
          {"face2d", f2, 0, typed, NULL, 1e30},
          {"face3d", f3, 0, typed, NULL, 1e30},
          {"vec_unpack", vec, 1, NULL, NULL, 1e30},
      };
      /* Warm up every column and size the trials from the slowest. */
      double worst = 0;
      for (int c = 0; c < 5; ++c) {
        double t = trial(&cols[c], size, packed, typed, 2);
        if (t > worst) worst = t;
      }
      long iters = (long)(o.budget / TRIALS / 5 / (worst > 0 ? worst : 1e-9));
      if (o.iters > 0) iters = o.iters;
      if (iters < 1) iters = 1;
      for (int r = 0; r < TRIALS; ++r)
        for (int c = 0; c < 5; ++c) {
          double t = trial(&cols[c], size, packed, typed, iters);
          if (t < cols[c].best) cols[c].best = t;
        }
      if (o.check) { /* the vector packs every other double of typed */
        int pos = 0;
        CHECK(MPI_Pack(typed, 1, vec, packed, (int)size, &pos, MPI_COMM_SELF));
        for (int i = 0; i < n; ++i)
          if (memcmp(packed + 8 * (size_t)i, typed + 16 * (size_t)i, 8) != 0) bench_die("vector pack is wrong");
      }
      double mb[5];
      for (int c = 0; c < 5; ++c) mb[c] = (double)size / cols[c].best / 1e6;
      printf("%-10zu%12.1f%12.1f%12.1f%12.1f%12.1f%10.3f%10.3f%10.3f%10.3f\n", size, mb[0], mb[1], mb[2], mb[3],
             mb[4], mb[1] / mb[0], mb[2] / mb[0], mb[3] / mb[0], mb[4] / mb[0]);
      fflush(stdout);
      CHECK(MPI_Type_free(&vec));
      CHECK(MPI_Type_free(&f2));
      CHECK(MPI_Type_free(&f3));
    }
    free(typed);
    free(packed);
    free(copy);
  }
  bench_barrier(MPI_COMM_WORLD);
  CHECK(MPI_Finalize());
  return 0;
}
