/* Neighbourhood collectives on periodic and non-periodic Cartesian grids
 * (extents 1 and 2 make both neighbours the same process), a graph and a
 * distributed graph, blocking, nonblocking and persistent (its type freed
 * after the init), checked against the neighbour lists the topology
 * queries give. */
#include "../p2p_common.h"

static int tagval(int from, int to, int k) { return from * 10000 + to * 100 + k; }

/* Runs allgather and alltoall over comm, whose in/out neighbour lists are
 * srcs/dsts (MPI_PROC_NULL entries stay untouched). */
static void exercise(MPI_Comm comm, const char *what, int indeg, const int *srcs, int outdeg, const int *dsts) {
  int me;
  MPI_Comm_rank(comm, &me);
  int mine[2] = {me, -me};
  int *ag = malloc(sizeof(int) * 2 * (indeg + 1));
  for (int i = 0; i < 2 * indeg; ++i) ag[i] = -99;
  MPI_Neighbor_allgather(mine, 2, MPI_INT, ag, 2, MPI_INT, comm);
  for (int k = 0; k < indeg; ++k) {
    int want0 = srcs[k] == MPI_PROC_NULL ? -99 : srcs[k], want1 = srcs[k] == MPI_PROC_NULL ? -99 : -srcs[k];
    CHECK(ag[2 * k] == want0 && ag[2 * k + 1] == want1, "%s allgather slot %d got %d want %d", what, k, ag[2 * k], want0);
  }
  /* alltoall: block k to dsts[k] carries (me, dsts[k], k); what arrives in
   * slot k from srcs[k] must be the block srcs[k] addressed to its own
   * destination slot that points back at us. */
  int *sb = malloc(sizeof(int) * (outdeg + 1)), *rb = malloc(sizeof(int) * (indeg + 1));
  for (int k = 0; k < outdeg; ++k) sb[k] = tagval(me, dsts[k] < 0 ? 99 : dsts[k], k);
  for (int k = 0; k < indeg; ++k) rb[k] = -99;
  MPI_Request req;
  MPI_Ineighbor_alltoall(sb, 1, MPI_INT, rb, 1, MPI_INT, comm, &req);
  MPI_Wait(&req, MPI_STATUS_IGNORE);
  for (int k = 0; k < indeg; ++k) {
    if (srcs[k] == MPI_PROC_NULL) {
      CHECK(rb[k] == -99, "%s alltoall null slot %d touched", what, k);
      continue;
    }
    CHECK(rb[k] / 10000 == srcs[k] && (rb[k] / 100) % 100 == me, "%s alltoall slot %d got %d (from %d)", what, k, rb[k], srcs[k]);
  }
  /* alltoallv with k+1 ints per block. */
  int *sc = malloc(sizeof(int) * (outdeg + 1)), *sd = malloc(sizeof(int) * (outdeg + 1));
  int *rc = malloc(sizeof(int) * (indeg + 1)), *rd = malloc(sizeof(int) * (indeg + 1));
  int st = 0, rt = 0;
  for (int k = 0; k < outdeg; ++k) { sc[k] = 2; sd[k] = st; st += 2; }
  for (int k = 0; k < indeg; ++k) { rc[k] = 2; rd[k] = rt; rt += 3; }
  int *sv = malloc(sizeof(int) * (st + 1)), *rv = malloc(sizeof(int) * (rt + 1));
  for (int k = 0; k < outdeg; ++k) { sv[sd[k]] = me; sv[sd[k] + 1] = dsts[k]; }
  for (int i = 0; i < rt; ++i) rv[i] = -99;
  MPI_Neighbor_alltoallv(sv, sc, sd, MPI_INT, rv, rc, rd, MPI_INT, comm);
  for (int k = 0; k < indeg; ++k)
    if (srcs[k] != MPI_PROC_NULL)
      CHECK(rv[rd[k]] == srcs[k] && rv[rd[k] + 1] == me, "%s alltoallv slot %d got %d,%d", what, k, rv[rd[k]], rv[rd[k] + 1]);
  free(sc); free(sd); free(rc); free(rd); free(sv); free(rv);
  /* Persistent allgather whose send type is freed right after its init
   * (the request holds it from the init on), started five times. */
  MPI_Datatype pair;
  MPI_Type_contiguous(2, MPI_INT, &pair);
  MPI_Type_commit(&pair);
  MPI_Request pr;
  MPI_Neighbor_allgather_init(mine, 1, pair, ag, 2, MPI_INT, comm, MPI_INFO_NULL, &pr);
  MPI_Type_free(&pair);
  for (int it = 0; it < 5; ++it) {
    mine[0] = me + 1000 * it, mine[1] = -me - 1000 * it;
    for (int i = 0; i < 2 * indeg; ++i) ag[i] = -99;
    MPI_Start(&pr);
    MPI_Wait(&pr, MPI_STATUS_IGNORE);
    for (int k = 0; k < indeg; ++k) {
      int want0 = srcs[k] == MPI_PROC_NULL ? -99 : srcs[k] + 1000 * it;
      int want1 = srcs[k] == MPI_PROC_NULL ? -99 : -srcs[k] - 1000 * it;
      CHECK(ag[2 * k] == want0 && ag[2 * k + 1] == want1, "%s persistent allgather start %d slot %d got %d want %d",
            what, it, k, ag[2 * k], want0);
    }
  }
  MPI_Request_free(&pr);
  free(ag); free(sb); free(rb);
}

static void cart(int ndims, int *dims, int *periods) {
  MPI_Comm c;
  int n;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  MPI_Dims_create(n, ndims, dims);
  MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 0, &c);
  int nb[8];
  for (int d = 0; d < ndims; ++d) MPI_Cart_shift(c, d, 1, &nb[2 * d], &nb[2 * d + 1]);
  exercise(c, periods[0] ? "cart periodic" : "cart", 2 * ndims, nb, 2 * ndims, nb);
  /* The pairing across a direction: what I send to my negative neighbour
   * arrives in its positive slot. */
  int me;
  MPI_Comm_rank(c, &me);
  int *s = malloc(sizeof(int) * 2 * ndims), *r = malloc(sizeof(int) * 2 * ndims);
  for (int k = 0; k < 2 * ndims; ++k) { s[k] = me * 10 + k; r[k] = -1; }
  MPI_Neighbor_alltoall(s, 1, MPI_INT, r, 1, MPI_INT, c);
  for (int k = 0; k < 2 * ndims; ++k)
    if (nb[k] != MPI_PROC_NULL) CHECK(r[k] == nb[k] * 10 + (k ^ 1), "cart direction slot %d got %d", k, r[k]);
  free(s); free(r);
  MPI_Comm_free(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  int n;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  int d1[1] = {0}, p1[1] = {1};
  cart(1, d1, p1);
  int d2[2] = {0, 0}, p2[2] = {0, 0};
  cart(2, d2, p2);
  int d3[2] = {0, 0}, p3[2] = {1, 1};
  cart(2, d3, p3);
  /* Graph: a ring (each rank's neighbours: left, right). */
  int *index = malloc(sizeof(int) * n), *edges = malloc(sizeof(int) * 2 * n);
  for (int i = 0; i < n; ++i) {
    index[i] = 2 * (i + 1);
    edges[2 * i] = (i - 1 + n) % n;
    edges[2 * i + 1] = (i + 1) % n;
  }
  MPI_Comm g;
  MPI_Graph_create(MPI_COMM_WORLD, n, index, edges, 0, &g);
  int gn[2];
  MPI_Graph_neighbors(g, my_rank, 2, gn);
  exercise(g, "graph", 2, gn, 2, gn);
  MPI_Comm_free(&g);
  /* Distributed graph: send to +1 and +3, receive from -1 and -3. */
  int dsts[2] = {(my_rank + 1) % n, (my_rank + 3) % n}, srcs[2] = {(my_rank - 1 + n) % n, (my_rank - 3 + 3 * n) % n};
  MPI_Comm dg;
  MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, srcs, MPI_UNWEIGHTED, 2, dsts, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dg);
  exercise(dg, "dist_graph", 2, srcs, 2, dsts);
  MPI_Comm_free(&dg);
  free(index); free(edges);
  return finish("neighbor");
}
