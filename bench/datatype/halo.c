/* Halo exchange on a 2-D grid with subarray datatypes: each rank owns an
 * n x n block of doubles with a one-cell halo ((n+2) x (n+2) in C order) and
 * swaps its four faces with its four neighbours on a periodic px x py grid of
 * ranks. Row faces (north/south) are contiguous; column faces (east/west) are
 * strided, one double per row. Every face is an MPI_Type_create_subarray of
 * the whole array, sent and received in place (count 1).
 *
 * Two methods, each a column: Sendrecv (four MPI_Sendrecv calls, one per
 * direction of travel) and Isend/Irecv (four of each, one MPI_Waitall).
 * Size is the bytes of one face (8n); the value is microseconds per exchange
 * (the slowest rank's mean). With 2 ranks both neighbours in both directions
 * are the other rank; with a prime rank count the grid is p x 1 and
 * north/south go round the same ring as west/east, so no face goes to self.
 *
 * Options: those of bench/osu (-m largest face, default 32K; -t, -i, -x, -c
 * checks every halo after the timed loop) and -k sendrecv|isend|both.
 * Plain C11; builds with any MPI; no collectives (barrier from point-to-point). */
#include "../osu/osu_bench.h"

enum { TAG_N = 11, TAG_S = 12, TAG_E = 13, TAG_W = 14 };
enum { FACE_N, FACE_S, FACE_W, FACE_E };

typedef struct {
  int n;
  double* a;                     /* (n+2) x (n+2) */
  MPI_Datatype send[4], recv[4]; /* by face */
  int peer[4];                   /* neighbour across each face */
} Grid;

static MPI_Datatype face_type(int n, int row, int col, int rows, int cols) {
  int sizes[2] = {n + 2, n + 2}, sub[2] = {rows, cols}, start[2] = {row, col};
  MPI_Datatype t;
  CHECK(MPI_Type_create_subarray(2, sizes, sub, start, MPI_ORDER_C, MPI_DOUBLE, &t));
  CHECK(MPI_Type_commit(&t));
  return t;
}

static void grid_types(Grid* g) {
  int n = g->n;
  g->send[FACE_N] = face_type(n, 1, 1, 1, n);
  g->recv[FACE_N] = face_type(n, 0, 1, 1, n);
  g->send[FACE_S] = face_type(n, n, 1, 1, n);
  g->recv[FACE_S] = face_type(n, n + 1, 1, 1, n);
  g->send[FACE_W] = face_type(n, 1, 1, n, 1);
  g->recv[FACE_W] = face_type(n, 1, 0, n, 1);
  g->send[FACE_E] = face_type(n, 1, n, n, 1);
  g->recv[FACE_E] = face_type(n, 1, n + 1, n, 1);
}

static void grid_free_types(Grid* g) {
  for (int f = 0; f < 4; ++f) {
    CHECK(MPI_Type_free(&g->send[f]));
    CHECK(MPI_Type_free(&g->recv[f]));
  }
}

static double cell_value(int rank, int i, int j) { return rank * 1e8 + i * 1e4 + j; }

static void grid_fill(Grid* g, int rank) {
  int n = g->n;
  for (int i = 0; i < n + 2; ++i)
    for (int j = 0; j < n + 2; ++j)
      g->a[(size_t)i * (n + 2) + j] = (i >= 1 && i <= n && j >= 1 && j <= n) ? cell_value(rank, i, j) : -1.0;
}

/* A face travelling towards `to` leaves from the face `to` and lands in the
 * opposite halo of the receiver, which gets it from the neighbour across
 * that opposite face. */
static const int OPPOSITE[4] = {FACE_S, FACE_N, FACE_E, FACE_W};
static const int TAG_TO[4] = {TAG_N, TAG_S, TAG_W, TAG_E};

static void exchange_sendrecv(Grid* g) {
  for (int to = 0; to < 4; ++to) {
    int from = OPPOSITE[to];
    CHECK(MPI_Sendrecv(g->a, 1, g->send[to], g->peer[to], TAG_TO[to], g->a, 1, g->recv[from], g->peer[from],
                       TAG_TO[to], MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  }
}

static void exchange_isend(Grid* g) {
  MPI_Request req[8];
  for (int to = 0; to < 4; ++to) {
    int from = OPPOSITE[to];
    CHECK(MPI_Irecv(g->a, 1, g->recv[from], g->peer[from], TAG_TO[to], MPI_COMM_WORLD, &req[to]));
  }
  for (int to = 0; to < 4; ++to)
    CHECK(MPI_Isend(g->a, 1, g->send[to], g->peer[to], TAG_TO[to], MPI_COMM_WORLD, &req[4 + to]));
  CHECK(MPI_Waitall(8, req, MPI_STATUSES_IGNORE));
}

/* Every halo cell holds the neighbour's matching boundary cell. */
static int grid_check(const Grid* g) {
  int n = g->n, bad = 0;
  const double* a = g->a;
  size_t w = (size_t)n + 2;
  for (int j = 1; j <= n; ++j) {
    bad |= a[0 * w + j] != cell_value(g->peer[FACE_N], n, j);
    bad |= a[(n + 1) * w + j] != cell_value(g->peer[FACE_S], 1, j);
  }
  for (int i = 1; i <= n; ++i) {
    bad |= a[i * w + 0] != cell_value(g->peer[FACE_W], i, n);
    bad |= a[i * w + n + 1] != cell_value(g->peer[FACE_E], i, 1);
  }
  return !bad;
}

typedef void (*Exchange)(Grid*);

static double time_method(Grid* g, Exchange ex, const BenchOptions* o, size_t size, int rank, int nranks) {
  long warm = bench_warmup(o, size, 50, 10);
  bench_barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < warm; ++i) ex(g);
  long iters = bench_pick_iters(o, size, MPI_Wtime() - t0, warm, 20000, 2000, 5, MPI_COMM_WORLD);
  bench_barrier(MPI_COMM_WORLD);
  t0 = MPI_Wtime();
  for (long i = 0; i < iters; ++i) ex(g);
  double mine = (MPI_Wtime() - t0) / (double)iters * 1e6;
  double all[1024];
  int count = nranks < 1024 ? nranks : 1024;
  bench_gather_double(mine, 0, count, all, MPI_COMM_WORLD);
  double worst = mine;
  if (rank == 0)
    for (int r = 0; r < count; ++r)
      if (all[r] > worst) worst = all[r];
  return worst;
}

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, nranks;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &nranks));

  /* -k is ours; the rest go to the shared parser. */
  int use_sendrecv = 1, use_isend = 1;
  int kept = 1;
  int had_m = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-k") == 0 && i + 1 < argc) {
      const char* k = argv[++i];
      use_sendrecv = strcmp(k, "sendrecv") == 0 || strcmp(k, "both") == 0;
      use_isend = strcmp(k, "isend") == 0 || strcmp(k, "both") == 0;
      if (!use_sendrecv && !use_isend) bench_die("-k takes sendrecv, isend or both");
      continue;
    }
    if (strcmp(argv[i], "-m") == 0) had_m = 1;
    argv[kept++] = argv[i];
  }
  argc = kept;
  BenchOptions o = bench_parse(argc, argv);
  if (!had_m) o.max_size = 32 << 10;

  int px = 1;
  for (int d = 1; d * d <= nranks; ++d)
    if (nranks % d == 0) px = nranks / d;
  int py = nranks / px;
  int cx = rank % px, cy = rank / px;
  Grid g;
  g.peer[FACE_W] = cy * px + (cx - 1 + px) % px;
  g.peer[FACE_E] = cy * px + (cx + 1) % px;
  if (py > 1) {
    g.peer[FACE_N] = ((cy - 1 + py) % py) * px + cx;
    g.peer[FACE_S] = ((cy + 1) % py) * px + cx;
  } else {
    g.peer[FACE_N] = g.peer[FACE_W];
    g.peer[FACE_S] = g.peer[FACE_E];
  }

  if (rank == 0) {
    printf("# Parley halo exchange: %d ranks on a %d x %d periodic grid, (n+2)^2 doubles per rank, subarray faces\n",
           nranks, px, py);
    printf("# Size = bytes of one face (8n); microseconds per exchange of all four faces (slowest rank)\n");
    printf("# %-8s", "Size");
    if (use_sendrecv) printf("%18s", "Sendrecv (us)");
    if (use_isend) printf("%18s", "Isend/Irecv (us)");
    printf("\n");
    fflush(stdout);
  }

  for (size_t size = 64; size <= o.max_size; size *= 2) {
    g.n = (int)(size / 8);
    size_t cells = (size_t)(g.n + 2) * (size_t)(g.n + 2);
    g.a = (double*)bench_alloc(cells * sizeof(double));
    grid_fill(&g, rank);
    grid_types(&g);
    double t_sr = 0, t_is = 0;
    int ok = 1;
    if (use_sendrecv) {
      t_sr = time_method(&g, exchange_sendrecv, &o, size, rank, nranks);
      if (o.check) ok &= grid_check(&g);
    }
    if (use_isend) {
      grid_fill(&g, rank);
      t_is = time_method(&g, exchange_isend, &o, size, rank, nranks);
      if (o.check) ok &= grid_check(&g);
    }
    if (!ok) {
      fprintf(stderr, "rank %d: halo cells wrong after exchange (n=%d)\n", rank, g.n);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (rank == 0) {
      printf("%-10zu", size);
      if (use_sendrecv) printf("%18.2f", t_sr);
      if (use_isend) printf("%18.2f", t_is);
      printf("\n");
      fflush(stdout);
    }
    grid_free_types(&g);
    free(g.a);
  }
  CHECK(MPI_Finalize());
  return 0;
}
