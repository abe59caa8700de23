/* Virtual topologies at any size: a Cartesian grid from MPI_Dims_create in
 * 1-3 dimensions (periodic and not) with shift exchanges checked against
 * coordinates, Cart_sub, graph and distributed-graph neighbours, and
 * Topo_test, and reorder=1 giving a permutation of the ranks (the identity
 * on one node). Prints "topo ok" per rank. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, #cond); \
      MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
    }                                                                                \
  } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static int g_rank;

static void test_cart(int size, int ndims, int periodic) {
  int dims[3] = {0, 0, 0}, periods[3] = {periodic, periodic, periodic};
  OK(MPI_Dims_create(size, ndims, dims));
  MPI_Comm cart;
  OK(MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 1, &cart));
  int status, nd, rank;
  OK(MPI_Topo_test(cart, &status));
  CHECK(status == MPI_CART);
  OK(MPI_Cartdim_get(cart, &nd));
  CHECK(nd == ndims);
  OK(MPI_Comm_rank(cart, &rank));
  int gd[3], gp[3], coords[3], c2[3];
  OK(MPI_Cart_get(cart, 3, gd, gp, coords));
  OK(MPI_Cart_coords(cart, rank, 3, c2));
  for (int i = 0; i < ndims; ++i) CHECK(gd[i] == dims[i] && gp[i] == periodic && coords[i] == c2[i]);
  int r2;
  OK(MPI_Cart_rank(cart, coords, &r2));
  CHECK(r2 == rank);
  /* Shift along each direction: what arrives is the source's coordinates. */
  for (int d = 0; d < ndims; ++d) {
    int src, dst;
    OK(MPI_Cart_shift(cart, d, 1, &src, &dst));
    int expect_dst = MPI_PROC_NULL, expect_src = MPI_PROC_NULL;
    int cc[3];
    memcpy(cc, coords, sizeof cc);
    cc[d] = coords[d] + 1;
    if (cc[d] < dims[d] || periodic) {
      cc[d] %= dims[d];
      OK(MPI_Cart_rank(cart, cc, &expect_dst));
    }
    cc[d] = coords[d] - 1;
    if (cc[d] >= 0 || periodic) {
      cc[d] = (cc[d] + dims[d]) % dims[d];
      OK(MPI_Cart_rank(cart, cc, &expect_src));
    }
    CHECK(src == expect_src && dst == expect_dst);
    int got[3] = {-1, -1, -1};
    OK(MPI_Sendrecv(coords, 3, MPI_INT, dst, d, got, 3, MPI_INT, src, d, cart, MPI_STATUS_IGNORE));
    if (src != MPI_PROC_NULL) {
      int sc[3];
      OK(MPI_Cart_coords(cart, src, 3, sc));
      for (int i = 0; i < ndims; ++i) CHECK(got[i] == sc[i]);
    }
  }
  /* Keep the first dimension: rows of the grid. */
  if (ndims >= 2) {
    int remain[3] = {1, 0, 0};
    MPI_Comm sub;
    OK(MPI_Cart_sub(cart, remain, &sub));
    int ss, sr, snd;
    OK(MPI_Comm_size(sub, &ss));
    OK(MPI_Comm_rank(sub, &sr));
    OK(MPI_Cartdim_get(sub, &snd));
    CHECK(ss == dims[0] && sr == coords[0] && snd == 1);
    OK(MPI_Comm_free(&sub));
  }
  OK(MPI_Comm_free(&cart));
}

static void test_graph(int rank, int size) {
  /* A ring as a graph: node i's neighbours are i-1 and i+1. */
  int index[64], edges[128], k = 0;
  for (int i = 0; i < size; ++i) {
    edges[k++] = (i + size - 1) % size;
    edges[k++] = (i + 1) % size;
    index[i] = k;
  }
  MPI_Comm g;
  OK(MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &g));
  int status, nn, ne, cnt, nb[2];
  OK(MPI_Topo_test(g, &status));
  CHECK(status == MPI_GRAPH);
  OK(MPI_Graphdims_get(g, &nn, &ne));
  CHECK(nn == size && ne == 2 * size);
  OK(MPI_Graph_neighbors_count(g, rank, &cnt));
  CHECK(cnt == 2);
  OK(MPI_Graph_neighbors(g, rank, 2, nb));
  CHECK(nb[0] == (rank + size - 1) % size && nb[1] == (rank + 1) % size);
  OK(MPI_Comm_free(&g));

  /* Distributed graph: each rank declares the edge rank -> rank+1 (weight
   * rank), so each has in-neighbour rank-1 and out-neighbour rank+1. */
  MPI_Comm dg;
  int src = rank, deg = 1, dst = (rank + 1) % size, w = rank;
  OK(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &src, &deg, &dst, &w, MPI_INFO_NULL, 0, &dg));
  int indeg, outdeg, weighted;
  OK(MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted));
  CHECK(indeg == 1 && outdeg == 1 && weighted == 1);
  int s1, sw1, d1, dw1;
  OK(MPI_Dist_graph_neighbors(dg, 1, &s1, &sw1, 1, &d1, &dw1));
  CHECK(s1 == (rank + size - 1) % size && sw1 == (rank + size - 1) % size && d1 == dst && dw1 == rank);
  OK(MPI_Topo_test(dg, &status));
  CHECK(status == MPI_DIST_GRAPH);
  OK(MPI_Comm_free(&dg));
  /* Adjacent form, unweighted. */
  int ins[2] = {(rank + size - 1) % size, (rank + 1) % size};
  OK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, ins, MPI_UNWEIGHTED, 2, ins, MPI_UNWEIGHTED, MPI_INFO_NULL, 0,
                                    &dg));
  OK(MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted));
  CHECK(indeg == 2 && outdeg == 2 && weighted == 0);
  int so[2], dso[2];
  OK(MPI_Dist_graph_neighbors(dg, 2, so, MPI_UNWEIGHTED, 2, dso, MPI_UNWEIGHTED));
  CHECK(so[0] == ins[0] && so[1] == ins[1] && dso[1] == ins[1]);
  OK(MPI_Comm_free(&dg));
  OK(MPI_Topo_test(MPI_COMM_WORLD, &status));
  CHECK(status == MPI_UNDEFINED);
}

/* MPI_Cart_create with reorder=1 over the first n ranks: every member's
 * new rank is distinct and below n (a permutation), coordinates round-trip,
 * and with all processes on one node the ranks are kept. */
static void test_reorder(int size, int n, int ndims) {
  int dims[3] = {0, 0, 0}, periods[3] = {1, 0, 1};
  OK(MPI_Dims_create(n, ndims, dims));
  MPI_Comm cart, node;
  OK(MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 1, &cart));
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  int node_size;
  OK(MPI_Comm_size(node, &node_size));
  OK(MPI_Comm_free(&node));
  /* Everyone learns everyone's new rank (-1: left out). */
  int mine = -1, all[64];
  if (cart != MPI_COMM_NULL) OK(MPI_Comm_rank(cart, &mine));
  OK(MPI_Allgather(&mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD));
  int seen[64] = {0}, members = 0;
  for (int w = 0; w < size; ++w) {
    if (all[w] < 0) continue;
    CHECK(all[w] < n && !seen[all[w]]);
    seen[all[w]] = 1;
    ++members;
    if (node_size == size) CHECK(all[w] == w);
  }
  CHECK(members == n);
  if (cart != MPI_COMM_NULL) {
    int coords[3], back = -1;
    OK(MPI_Cart_coords(cart, mine, ndims, coords));
    OK(MPI_Cart_rank(cart, coords, &back));
    CHECK(back == mine);
    /* A shift exchange along dimension 0 still pairs up. */
    int src, dst, got = -1;
    OK(MPI_Cart_shift(cart, 0, 1, &src, &dst));
    OK(MPI_Sendrecv(&mine, 1, MPI_INT, dst, 7, &got, 1, MPI_INT, src, 7, cart, MPI_STATUS_IGNORE));
    CHECK(got == (src == MPI_PROC_NULL ? -1 : src));
    OK(MPI_Comm_free(&cart));
  }
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int nd = 1; nd <= 3; ++nd)
    for (int p = 0; p < 2; ++p) test_cart(size, nd, p);
  /* A grid smaller than the communicator leaves the rest out. */
  if (size > 1) {
    int d[1] = {size - 1}, per[1] = {0};
    MPI_Comm c;
    OK(MPI_Cart_create(MPI_COMM_WORLD, 1, d, per, 0, &c));
    CHECK((g_rank == size - 1) == (c == MPI_COMM_NULL));
    if (c != MPI_COMM_NULL) OK(MPI_Comm_free(&c));
  }
  test_graph(g_rank, size);
  for (int nd = 1; nd <= 3; ++nd) {
    test_reorder(size, size, nd);
    if (size > 2) test_reorder(size, size - 1, nd);
  }
  printf("topo ok\n");
  MPI_Finalize();
  return 0;
}
