/* The datatype C API: constructors and queries, envelope/contents round
 * trips, names, MPI_Pack/Unpack (and, with 2 ranks, packed bytes sent as
 * MPI_PACKED and unpacked with a different but compatible type), external32
 * byte order, type attributes with copy/delete callbacks, and error classes
 * under MPI_ERRORS_RETURN. Prints "datatype ok" on every rank that passes. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int my_rank = 0;
static int failures = 0;

#define CHECK(cond, what)                                                                 \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      fprintf(stderr, "rank %d: FAILED %s (%s:%d)\n", my_rank, what, __FILE__, __LINE__); \
      ++failures;                                                                         \
    }                                                                                     \
  } while (0)

static int error_class_of(int code) {
  int cls = -1;
  MPI_Error_class(code, &cls);
  return cls;
}

static int says(int code, const char *a, const char *b) {
  char text[MPI_MAX_ERROR_STRING];
  int len;
  MPI_Error_string(code, text, &len);
  return strstr(text, a) != NULL && (b == NULL || strstr(text, b) != NULL);
}

static void test_sizes(void) {
  MPI_Datatype v;
  MPI_Aint lb, extent;
  MPI_Count lbx, extx, sizex;
  int size;
  MPI_Type_vector(3, 2, 4, MPI_INT, &v);
  MPI_Type_size(v, &size);
  CHECK(size == 24, "vector size");
  MPI_Type_get_extent(v, &lb, &extent);
  CHECK(lb == 0 && extent == 40, "vector extent");
  MPI_Type_get_extent_x(v, &lbx, &extx);
  CHECK(lbx == 0 && extx == 40, "vector extent_x");
  MPI_Type_size_x(v, &sizex);
  CHECK(sizex == 24, "vector size_x");

  MPI_Datatype r;
  MPI_Type_create_resized(MPI_INT, -4, 16, &r);
  MPI_Type_get_extent(r, &lb, &extent);
  CHECK(lb == -4 && extent == 16, "resized extent");
  MPI_Type_get_true_extent(r, &lb, &extent);
  CHECK(lb == 0 && extent == 4, "resized true extent");
  MPI_Type_get_true_extent_x(r, &lbx, &extx);
  CHECK(lbx == 0 && extx == 4, "resized true extent_x");

  struct S {
    double d;
    char c;
  };
  int bl[2] = {1, 1};
  MPI_Aint disp[2] = {offsetof(struct S, d), offsetof(struct S, c)};
  MPI_Datatype types[2] = {MPI_DOUBLE, MPI_CHAR}, s;
  MPI_Type_create_struct(2, bl, disp, types, &s);
  MPI_Type_get_extent(s, &lb, &extent);
  CHECK(extent == (MPI_Aint)sizeof(struct S), "struct extent matches the C struct");

  MPI_Type_size(MPI_DOUBLE_INT, &size);
  CHECK(size == 12, "MPI_DOUBLE_INT size");
  MPI_Type_get_extent(MPI_DOUBLE_INT, &lb, &extent);
  CHECK(extent == 16, "MPI_DOUBLE_INT extent");

  MPI_Type_free(&v);
  MPI_Type_free(&r);
  MPI_Type_free(&s);
  CHECK(v == MPI_DATATYPE_NULL, "free sets MPI_DATATYPE_NULL");
}

static void test_envelope(void) {
  int bl[3] = {2, 1, 3}, di[3] = {4, 0, 9};
  MPI_Datatype t;
  MPI_Type_indexed(3, bl, di, MPI_SHORT, &t);
  int ni, na, nd, comb;
  MPI_Type_get_envelope(t, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_INDEXED && ni == 7 && na == 0 && nd == 1, "indexed envelope");
  int ints[7];
  MPI_Datatype dts[1];
  MPI_Type_get_contents(t, 7, 0, 1, ints, NULL, dts);
  CHECK(ints[0] == 3 && ints[1] == 2 && ints[3] == 3 && ints[4] == 4 && ints[6] == 9, "indexed contents");
  CHECK(dts[0] == MPI_SHORT, "indexed contents type");

  /* Rebuild from the contents: same layout. */
  MPI_Datatype again;
  MPI_Type_indexed(ints[0], ints + 1, ints + 1 + ints[0], dts[0], &again);
  MPI_Aint lb1, ex1, lb2, ex2;
  MPI_Type_get_extent(t, &lb1, &ex1);
  MPI_Type_get_extent(again, &lb2, &ex2);
  CHECK(lb1 == lb2 && ex1 == ex2, "rebuilt indexed has the same extent");

  /* Struct contents hand back the member types; derived ones are new references. */
  MPI_Datatype v;
  MPI_Type_vector(2, 1, 2, MPI_INT, &v);
  int sbl[2] = {1, 2};
  MPI_Aint sdisp[2] = {0, 16};
  MPI_Datatype stypes[2] = {MPI_DOUBLE, v}, s;
  MPI_Type_create_struct(2, sbl, sdisp, stypes, &s);
  MPI_Type_get_envelope(s, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_STRUCT && ni == 3 && na == 2 && nd == 2, "struct envelope");
  int sints[3];
  MPI_Aint saddr[2];
  MPI_Datatype sdts[2];
  MPI_Type_get_contents(s, 3, 2, 2, sints, saddr, sdts);
  CHECK(sints[0] == 2 && sints[2] == 2 && saddr[1] == 16 && sdts[0] == MPI_DOUBLE, "struct contents");
  MPI_Type_free(&v); /* the struct and the returned handle still hold it */
  int vsize = 0;
  MPI_Type_size(sdts[1], &vsize);
  CHECK(vsize == 8, "type returned by get_contents is usable after the original handle is freed");
  MPI_Type_free(&sdts[1]);

  /* Subarray and darray contents come back exactly. */
  int sizes[2] = {4, 5}, subs[2] = {2, 3}, starts[2] = {1, 2}, sa_ints[8];
  MPI_Datatype sa;
  MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_FORTRAN, MPI_DOUBLE, &sa);
  MPI_Type_get_envelope(sa, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_SUBARRAY && ni == 8 && na == 0 && nd == 1, "subarray envelope");
  MPI_Type_get_contents(sa, 8, 0, 1, sa_ints, NULL, dts);
  CHECK(sa_ints[0] == 2 && sa_ints[1] == 4 && sa_ints[4] == 3 && sa_ints[6] == 2 &&
            sa_ints[7] == MPI_ORDER_FORTRAN,
        "subarray contents");
  int gs[1] = {10}, dist[1] = {MPI_DISTRIBUTE_CYCLIC}, darg[1] = {2}, ps[1] = {3}, da_ints[8];
  MPI_Datatype da;
  MPI_Type_create_darray(3, 1, 1, gs, dist, darg, ps, MPI_ORDER_C, MPI_INT, &da);
  MPI_Type_get_envelope(da, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_DARRAY && ni == 8, "darray envelope");
  MPI_Type_get_contents(da, 8, 0, 1, da_ints, NULL, dts);
  CHECK(da_ints[0] == 3 && da_ints[1] == 1 && da_ints[2] == 1 && da_ints[3] == 10 &&
            da_ints[4] == MPI_DISTRIBUTE_CYCLIC && da_ints[5] == 2 && da_ints[6] == 3 &&
            da_ints[7] == MPI_ORDER_C,
        "darray contents");
  int dsize;
  MPI_Type_size(da, &dsize);
  CHECK(dsize == 16, "darray cyclic(2) rank 1 holds 4 ints");

  MPI_Datatype d;
  MPI_Type_dup(t, &d);
  MPI_Type_get_envelope(d, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_DUP && nd == 1, "dup envelope");
  MPI_Type_get_envelope(MPI_INT, &ni, &na, &nd, &comb);
  CHECK(comb == MPI_COMBINER_NAMED && ni == 0, "named envelope");

  MPI_Type_free(&t);
  MPI_Type_free(&again);
  MPI_Type_free(&s);
  MPI_Type_free(&sa);
  MPI_Type_free(&da);
  MPI_Type_free(&d);
}

static void test_names(void) {
  char name[MPI_MAX_OBJECT_NAME];
  int len;
  MPI_Type_get_name(MPI_DOUBLE, name, &len);
  CHECK(strcmp(name, "MPI_DOUBLE") == 0 && len == 10, "predefined name");
  MPI_Type_get_name(MPI_2INT, name, &len);
  CHECK(strcmp(name, "MPI_2INT") == 0, "pair type name");
  MPI_Datatype t;
  MPI_Type_contiguous(2, MPI_INT, &t);
  MPI_Type_get_name(t, name, &len);
  CHECK(len == 0 && name[0] == '\0', "derived types start unnamed");
  MPI_Type_set_name(t, "pair of ints");
  MPI_Type_get_name(t, name, &len);
  CHECK(strcmp(name, "pair of ints") == 0 && len == 12, "set_name");
  MPI_Type_free(&t);

  MPI_Datatype m;
  MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &m);
  int size;
  MPI_Type_size(m, &size);
  CHECK(size == 8, "match_size REAL 8");
  MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 4, &m);
  CHECK(m == MPI_INTEGER4, "match_size INTEGER 4");

  int a[4];
  MPI_Aint p0, p2;
  MPI_Get_address(&a[0], &p0);
  MPI_Get_address(&a[2], &p2);
  CHECK(MPI_Aint_diff(p2, p0) == 2 * (MPI_Aint)sizeof(int), "Aint_diff");
  CHECK(MPI_Aint_add(p0, 8) == p2, "Aint_add");
}

/* Packs a column of a 4x4 matrix; checks the bytes and the round trip. */
static void test_pack(void) {
  double m[16], col[4], back[16];
  for (int i = 0; i < 16; ++i) m[i] = i;
  MPI_Datatype column;
  MPI_Type_vector(4, 1, 4, MPI_DOUBLE, &column);
  MPI_Type_commit(&column);
  int psize;
  MPI_Pack_size(1, column, MPI_COMM_WORLD, &psize);
  CHECK(psize >= 32, "pack_size");
  char buf[128];
  int pos = 0;
  int one = 42;
  MPI_Pack(&one, 1, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD);
  MPI_Pack(&m[1], 1, column, buf, sizeof buf, &pos, MPI_COMM_WORLD);
  CHECK(pos == 4 + 32, "position after two packs");
  memcpy(col, buf + 4, 32);
  CHECK(col[0] == 1 && col[1] == 5 && col[2] == 9 && col[3] == 13, "packed column");
  for (int i = 0; i < 16; ++i) back[i] = -1;
  int upos = 0, got = 0;
  MPI_Unpack(buf, pos, &upos, &got, 1, MPI_INT, MPI_COMM_WORLD);
  MPI_Unpack(buf, pos, &upos, &back[2], 1, column, MPI_COMM_WORLD);
  CHECK(got == 42 && upos == pos, "unpack position");
  CHECK(back[2] == 1 && back[6] == 5 && back[14] == 13 && back[3] == -1, "unpacked column");
  MPI_Type_free(&column);
}

/* Rank 0 packs rows of a subarray and sends the bytes as MPI_PACKED; rank 1
 * unpacks them with a vector describing the same elements differently. */
static void test_packed_across_ranks(int size) {
  if (size < 2) return;
  int grid[6][6];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) grid[i][j] = i * 10 + j;
  if (my_rank == 0) {
    int sizes[2] = {6, 6}, subs[2] = {3, 2}, starts[2] = {1, 3};
    MPI_Datatype sa;
    MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_C, MPI_INT, &sa);
    MPI_Type_commit(&sa);
    char buf[64];
    int pos = 0;
    MPI_Pack(grid, 1, sa, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    CHECK(pos == 24, "subarray packs 6 ints");
    MPI_Send(buf, pos, MPI_PACKED, 1, 7, MPI_COMM_WORLD);
    MPI_Type_free(&sa);
  } else if (my_rank == 1) {
    char buf[64];
    MPI_Status st;
    MPI_Recv(buf, sizeof buf, MPI_PACKED, 0, 7, MPI_COMM_WORLD, &st);
    int n;
    MPI_Get_count(&st, MPI_PACKED, &n);
    CHECK(n == 24, "received 24 packed bytes");
    int out[3][2];
    MPI_Datatype v;
    MPI_Type_vector(3, 2, 2, MPI_INT, &v);
    MPI_Type_commit(&v);
    int pos = 0;
    MPI_Unpack(buf, n, &pos, out, 1, v, MPI_COMM_WORLD);
    CHECK(out[0][0] == 13 && out[0][1] == 14 && out[2][1] == 34, "unpacked with a different type map");
    MPI_Type_free(&v);
  }
}

static void test_external32(int size) {
  int v[2] = {0x01020304, -2};
  unsigned char buf[32];
  MPI_Aint pos = 0, esize;
  MPI_Pack_external_size("external32", 2, MPI_INT, &esize);
  CHECK(esize == 8, "external32 size of 2 ints");
  MPI_Pack_external("external32", v, 2, MPI_INT, buf, sizeof buf, &pos);
  CHECK(pos == 8 && buf[0] == 1 && buf[1] == 2 && buf[2] == 3 && buf[3] == 4, "external32 int is big-endian");
  CHECK(buf[4] == 0xff && buf[7] == 0xfe, "external32 negative int");
  double d = 1.0;
  MPI_Pack_external("external32", &d, 1, MPI_DOUBLE, buf, sizeof buf, &pos);
  CHECK(pos == 16 && buf[8] == 0x3f && buf[9] == 0xf0 && buf[15] == 0, "external32 double");
  long l = -3;
  MPI_Pack_external_size("external32", 1, MPI_LONG, &esize);
  CHECK(esize == 4, "external32 MPI_LONG is 4 bytes");
  MPI_Pack_external("external32", &l, 1, MPI_LONG, buf, sizeof buf, &pos);
  int back[2];
  double dback;
  long lback;
  MPI_Aint upos = 0;
  MPI_Unpack_external("external32", buf, pos, &upos, back, 2, MPI_INT);
  MPI_Unpack_external("external32", buf, pos, &upos, &dback, 1, MPI_DOUBLE);
  MPI_Unpack_external("external32", buf, pos, &upos, &lback, 1, MPI_LONG);
  CHECK(upos == 20 && back[0] == v[0] && back[1] == -2 && dback == 1.0 && lback == -3,
        "external32 round trip");

  if (size >= 2 && my_rank < 2) {
    /* The bytes are the same on every rank; send them across and compare. */
    if (my_rank == 0) {
      MPI_Send(buf, 20, MPI_BYTE, 1, 9, MPI_COMM_WORLD);
    } else {
      unsigned char other[20];
      MPI_Recv(other, 20, MPI_BYTE, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      CHECK(memcmp(other, buf, 20) == 0, "external32 bytes agree across ranks");
    }
  }
}

static int copies = 0, deletes = 0;

static int copy_fn(MPI_Datatype old, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)old;
  (void)keyval;
  (void)extra;
  ++copies;
  *(void **)out = (char *)in + 1;
  *flag = 1;
  return MPI_SUCCESS;
}

static int delete_fn(MPI_Datatype t, int keyval, void *value, void *extra) {
  (void)t;
  (void)keyval;
  (void)value;
  ++*(int *)extra;
  ++deletes;
  return MPI_SUCCESS;
}

static void test_attributes(void) {
  int key, nocopy, extra = 0, flag;
  char base[4];
  void *val;
  MPI_Type_create_keyval(copy_fn, delete_fn, &key, &extra);
  MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &nocopy, NULL);
  MPI_Datatype t, d;
  MPI_Type_contiguous(2, MPI_INT, &t);
  MPI_Type_get_attr(t, key, &val, &flag);
  CHECK(flag == 0, "no attribute yet");
  MPI_Type_set_attr(t, key, base);
  MPI_Type_set_attr(t, nocopy, base);
  MPI_Type_get_attr(t, key, &val, &flag);
  CHECK(flag == 1 && val == base, "get_attr");
  MPI_Type_dup(t, &d);
  CHECK(copies == 1, "copy callback ran on dup");
  MPI_Type_get_attr(d, key, &val, &flag);
  CHECK(flag == 1 && val == base + 1, "dup got the copied value");
  MPI_Type_get_attr(d, nocopy, &val, &flag);
  CHECK(flag == 0, "NULL_COPY_FN attribute not copied");
  MPI_Type_set_attr(t, key, base + 2);
  CHECK(deletes == 1, "replacing an attribute deletes the old value");
  MPI_Type_delete_attr(t, key);
  CHECK(deletes == 2, "delete_attr runs the callback");
  MPI_Type_get_attr(t, key, &val, &flag);
  CHECK(flag == 0, "attribute gone after delete_attr");
  MPI_Type_free(&d);
  CHECK(deletes == 3 && extra == 3, "free runs delete callbacks with extra_state");
  MPI_Type_free_keyval(&key);
  CHECK(key == MPI_KEYVAL_INVALID, "free_keyval resets the handle");
  MPI_Type_free(&t);
  MPI_Type_free_keyval(&nocopy);
  /* Attributes on predefined types work too. */
  int k2;
  MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &k2, NULL);
  MPI_Type_set_attr(MPI_INT, k2, base);
  MPI_Type_get_attr(MPI_INT, k2, &val, &flag);
  CHECK(flag == 1 && val == base, "attribute on MPI_INT");
  MPI_Type_delete_attr(MPI_INT, k2);
  MPI_Type_free_keyval(&k2);
}

static void test_errors(void) {
  MPI_Datatype t = MPI_DATATYPE_NULL, v;
  int rc, size;
  rc = MPI_Type_contiguous(-1, MPI_INT, &t);
  CHECK(error_class_of(rc) == MPI_ERR_COUNT && says(rc, "MPI_Type_contiguous", "count"), "negative count");
  rc = MPI_Type_vector(2, -1, 1, MPI_INT, &t);
  CHECK(error_class_of(rc) == MPI_ERR_COUNT && says(rc, "MPI_Type_vector", "blocklength"),
        "negative blocklength");
  rc = MPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Type_contiguous", "oldtype"), "null oldtype");
  rc = MPI_Type_size((MPI_Datatype)0x8c0fffff, &size);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Type_size", "not a valid datatype"),
        "bogus handle");
  rc = MPI_Type_free(&(MPI_Datatype){MPI_INT});
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Type_free", "predefined"), "free predefined");

  MPI_Type_contiguous(2, MPI_INT, &v);
  MPI_Datatype old = v;
  MPI_Type_free(&v);
  rc = MPI_Type_size(old, &size);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE, "freed handle is invalid");

  MPI_Type_contiguous(2, MPI_INT, &v);
  int a[2] = {1, 2}, pos = 0;
  char buf[4];
  rc = MPI_Pack(a, 1, v, buf, sizeof buf, &pos, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Pack", "committed"), "pack uncommitted");
  MPI_Type_commit(&v);
  rc = MPI_Pack(a, 1, v, buf, sizeof buf, &pos, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE && says(rc, "MPI_Pack", "too small"), "pack overflow");
  rc = MPI_Unpack(buf, 4, &pos, a, 1, v, MPI_COMM_WORLD);
  CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE && says(rc, "MPI_Unpack", NULL), "unpack short input");
  rc = MPI_Pack(a, 1, v, buf, sizeof buf, &pos, MPI_COMM_NULL);
  CHECK(error_class_of(rc) == MPI_ERR_COMM, "pack on MPI_COMM_NULL");
  MPI_Aint apos = 0;
  rc = MPI_Pack_external("native", a, 1, v, buf, sizeof buf, &apos);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Pack_external", "external32"), "bad datarep");
  MPI_Type_free(&v);

  int sizes[1] = {4}, subs[1] = {3}, starts[1] = {2};
  rc = MPI_Type_create_subarray(1, sizes, subs, starts, MPI_ORDER_C, MPI_INT, &t);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Type_create_subarray", "array_of_starts"),
        "subarray out of range");
  int gs[1] = {8}, dist[1] = {MPI_DISTRIBUTE_BLOCK}, darg[1] = {MPI_DISTRIBUTE_DFLT_DARG}, ps[1] = {3};
  rc = MPI_Type_create_darray(4, 0, 1, gs, dist, darg, ps, MPI_ORDER_C, MPI_INT, &t);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Type_create_darray", "process grid"),
        "darray grid");
  int key;
  rc = MPI_Type_get_attr(MPI_INT, 12345, &key, &size);
  CHECK(error_class_of(rc) == MPI_ERR_KEYVAL, "bad keyval");
  int ni, na, nd;
  rc = MPI_Type_get_contents(MPI_INT, 0, 0, 0, &ni, NULL, NULL);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Type_get_contents", "predefined"),
        "contents of named");
  (void)na;
  (void)nd;
}

/* The MPI-4 large-count (_c) constructors: same layouts as the int forms,
 * contents recorded as large counts (envelope_c/contents_c), the int
 * envelope refused for them; MPI_Pack_c/Unpack_c/Pack_size_c and the
 * external32 _c forms; a count past INT_MAX. Needs MPI_ERRORS_RETURN. */
static void expect_envelope_c(MPI_Datatype t, MPI_Count ni, MPI_Count na, MPI_Count nc, MPI_Count nd, int comb,
                              const char *what) {
  MPI_Count gi = -1, ga = -1, gc = -1, gd = -1;
  int gcomb = -1;
  CHECK(MPI_Type_get_envelope_c(t, &gi, &ga, &gc, &gd, &gcomb) == MPI_SUCCESS, what);
  CHECK(gi == ni && ga == na && gc == nc && gd == nd && gcomb == comb, what);
}

static void test_large_count(void) {
  MPI_Datatype v, vc, t;
  MPI_Type_vector(3, 2, 5, MPI_INT, &v);
  MPI_Type_vector_c(3, 2, 5, MPI_INT, &vc);
  MPI_Type_commit(&v);
  MPI_Type_commit(&vc);
  MPI_Count size = 0, lb = -1, extent = 0;
  MPI_Type_size_c(vc, &size);
  MPI_Type_get_extent_c(vc, &lb, &extent);
  CHECK(size == 24 && lb == 0 && extent == 48, "vector_c layout");
  expect_envelope_c(vc, 0, 0, 3, 1, MPI_COMBINER_VECTOR, "vector_c envelope_c");
  expect_envelope_c(v, 3, 0, 0, 1, MPI_COMBINER_VECTOR, "int vector through envelope_c");
  int ints[16];
  MPI_Aint addrs[16];
  MPI_Count counts[16];
  MPI_Datatype types[4];
  CHECK(MPI_Type_get_contents_c(vc, 0, 0, 3, 1, ints, addrs, counts, types) == MPI_SUCCESS &&
            counts[0] == 3 && counts[1] == 2 && counts[2] == 5 && types[0] == MPI_INT,
        "vector_c contents_c");
  int ni, na, nd, comb;
  int rc = MPI_Type_get_envelope(vc, &ni, &na, &nd, &comb);
  CHECK(rc != MPI_SUCCESS, "int envelope of a large-count type is refused");
  rc = MPI_Type_get_contents(vc, 16, 16, 4, ints, addrs, types);
  CHECK(rc != MPI_SUCCESS, "int contents of a large-count type are refused");

  /* Same bytes packed through either form. */
  int src[15], a[12], b[12], back[15];
  for (int i = 0; i < 15; ++i) src[i] = 100 + i;
  int pos = 0;
  MPI_Pack(src, 1, v, a, (int)sizeof a, &pos, MPI_COMM_WORLD);
  MPI_Count cpos = 0, psize = 0;
  CHECK(MPI_Pack_c(src, 2 - 1, vc, b, (MPI_Count)sizeof b, &cpos, MPI_COMM_WORLD) == MPI_SUCCESS && cpos == 24 &&
            pos == 24 && memcmp(a, b, 24) == 0,
        "MPI_Pack_c");
  MPI_Pack_size_c(4, vc, MPI_COMM_WORLD, &psize);
  CHECK(psize == 96, "MPI_Pack_size_c");
  for (int i = 0; i < 15; ++i) back[i] = -1;
  MPI_Count upos = 0;
  CHECK(MPI_Unpack_c(b, 24, &upos, back, 1, vc, MPI_COMM_WORLD) == MPI_SUCCESS && upos == 24, "MPI_Unpack_c");
  CHECK(back[0] == 100 && back[1] == 101 && back[2] == -1 && back[5] == 105 && back[11] == 111 && back[12] == -1,
        "MPI_Unpack_c values");
  cpos = 0;
  /* (MPICH packs what fits and succeeds; the standard makes this erroneous.) */
  CHECK(MPI_Pack_c(src, 1, vc, b, 23, &cpos, MPI_COMM_WORLD) != MPI_SUCCESS && cpos == 0, "MPI_Pack_c truncates");
  MPI_Count esize = 0, epos = 0, eupos = 0;
  unsigned char ext[24];
  MPI_Pack_external_size_c("external32", 1, vc, &esize);
  CHECK(esize == 24, "MPI_Pack_external_size_c");
  CHECK(MPI_Pack_external_c("external32", src, 1, vc, ext, 24, &epos) == MPI_SUCCESS && epos == 24 &&
            ext[0] == 0 && ext[3] == 100,
        "MPI_Pack_external_c is big-endian");
  for (int i = 0; i < 15; ++i) back[i] = -1;
  CHECK(MPI_Unpack_external_c("external32", ext, 24, &eupos, back, 1, vc) == MPI_SUCCESS && eupos == 24 &&
            back[6] == 106 && back[7] == -1,
        "MPI_Unpack_external_c");
  MPI_Type_free(&v);
  MPI_Type_free(&vc);

  /* Every constructor: layout and where its arguments went. */
  MPI_Type_contiguous_c(4, MPI_DOUBLE, &t);
  MPI_Type_size_c(t, &size);
  CHECK(size == 32, "contiguous_c size");
  expect_envelope_c(t, 0, 0, 1, 1, MPI_COMBINER_CONTIGUOUS, "contiguous_c envelope_c");
  MPI_Type_free(&t);
  MPI_Type_create_hvector_c(2, 3, 40, MPI_INT, &t);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(extent == 52, "hvector_c extent");
  expect_envelope_c(t, 0, 0, 3, 1, MPI_COMBINER_HVECTOR, "hvector_c envelope_c");
  MPI_Type_get_contents_c(t, 0, 0, 3, 1, ints, addrs, counts, types);
  CHECK(counts[0] == 2 && counts[1] == 3 && counts[2] == 40, "hvector_c contents_c");
  MPI_Type_free(&t);
  MPI_Count bl[2] = {2, 1}, disp[2] = {3, 0};
  MPI_Type_indexed_c(2, bl, disp, MPI_SHORT, &t);
  MPI_Type_size_c(t, &size);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(size == 6 && lb == 0 && extent == 10, "indexed_c layout");
  expect_envelope_c(t, 0, 0, 5, 1, MPI_COMBINER_INDEXED, "indexed_c envelope_c");
  MPI_Type_get_contents_c(t, 0, 0, 5, 1, ints, addrs, counts, types);
  CHECK(counts[0] == 2 && counts[1] == 2 && counts[2] == 1 && counts[3] == 3 && counts[4] == 0,
        "indexed_c contents_c");
  MPI_Type_free(&t);
  MPI_Type_create_hindexed_c(2, bl, disp, MPI_SHORT, &t);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(lb == 0 && extent == 7, "hindexed_c extent");
  expect_envelope_c(t, 0, 0, 5, 1, MPI_COMBINER_HINDEXED, "hindexed_c envelope_c");
  MPI_Type_free(&t);
  MPI_Type_create_indexed_block_c(2, 2, disp, MPI_INT, &t);
  MPI_Type_size_c(t, &size);
  CHECK(size == 16, "indexed_block_c size");
  expect_envelope_c(t, 0, 0, 4, 1, MPI_COMBINER_INDEXED_BLOCK, "indexed_block_c envelope_c");
  MPI_Type_free(&t);
  MPI_Type_create_hindexed_block_c(2, 2, disp, MPI_CHAR, &t);
  expect_envelope_c(t, 0, 0, 4, 1, MPI_COMBINER_HINDEXED_BLOCK, "hindexed_block_c envelope_c");
  MPI_Type_free(&t);
  MPI_Count sbl[2] = {1, 2}, sdisp[2] = {0, 8};
  MPI_Datatype sty[2] = {MPI_INT, MPI_DOUBLE};
  MPI_Type_create_struct_c(2, sbl, sdisp, sty, &t);
  MPI_Type_size_c(t, &size);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(size == 20 && extent == 24, "struct_c layout");
  expect_envelope_c(t, 0, 0, 5, 2, MPI_COMBINER_STRUCT, "struct_c envelope_c");
  MPI_Type_get_contents_c(t, 0, 0, 5, 2, ints, addrs, counts, types);
  CHECK(counts[0] == 2 && counts[2] == 2 && counts[4] == 8 && types[0] == MPI_INT && types[1] == MPI_DOUBLE,
        "struct_c contents_c");
  MPI_Type_free(&t);
  MPI_Count sizes[2] = {4, 5}, sub[2] = {2, 3}, start[2] = {1, 1};
  MPI_Type_create_subarray_c(2, sizes, sub, start, MPI_ORDER_C, MPI_INT, &t);
  MPI_Type_size_c(t, &size);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(size == 24 && lb == 0 && extent == 80, "subarray_c layout");
  expect_envelope_c(t, 2, 0, 6, 1, MPI_COMBINER_SUBARRAY, "subarray_c envelope_c");
  MPI_Type_get_contents_c(t, 2, 0, 6, 1, ints, addrs, counts, types);
  CHECK(ints[0] == 2 && ints[1] == MPI_ORDER_C && counts[0] == 4 && counts[1] == 5 && counts[2] == 2 &&
            counts[3] == 3 && counts[4] == 1 && counts[5] == 1,
        "subarray_c contents_c");
  MPI_Type_free(&t);
  MPI_Count gs[2] = {8, 6};
  int distrib[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC}, darg[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2},
      ps[2] = {1, 1};
  MPI_Type_create_darray_c(1, 0, 2, gs, distrib, darg, ps, MPI_ORDER_C, MPI_INT, &t);
  MPI_Type_size_c(t, &size);
  CHECK(size == 8 * 6 * 4, "darray_c size");
  expect_envelope_c(t, 10, 0, 2, 1, MPI_COMBINER_DARRAY, "darray_c envelope_c");
  MPI_Type_get_contents_c(t, 10, 0, 2, 1, ints, addrs, counts, types);
  CHECK(ints[0] == 1 && ints[1] == 0 && ints[2] == 2 && ints[3] == MPI_DISTRIBUTE_BLOCK &&
            ints[5] == MPI_DISTRIBUTE_DFLT_DARG && ints[6] == 2 && ints[7] == 1 && ints[9] == MPI_ORDER_C &&
            counts[0] == 8 && counts[1] == 6,
        "darray_c contents_c");
  MPI_Type_free(&t);
  MPI_Type_create_resized_c(MPI_INT, -4, 12, &t);
  MPI_Type_get_extent_c(t, &lb, &extent);
  CHECK(lb == -4 && extent == 12, "resized_c bounds");
  expect_envelope_c(t, 0, 0, 2, 1, MPI_COMBINER_RESIZED, "resized_c envelope_c");
  MPI_Type_free(&t);

  /* Counts an int cannot hold. */
  MPI_Type_contiguous_c((MPI_Count)3 << 30, MPI_BYTE, &t);
  MPI_Type_size_c(t, &size);
  CHECK(size == (MPI_Count)3 << 30, "contiguous_c past INT_MAX");
  MPI_Type_commit(&t);
  MPI_Pack_size_c(2, t, MPI_COMM_WORLD, &psize);
  CHECK(psize == (MPI_Count)6 << 30, "Pack_size_c past INT_MAX");
  int isize = 0;
  CHECK(MPI_Pack_size(1, t, MPI_COMM_WORLD, &isize) == MPI_SUCCESS && isize == MPI_UNDEFINED,
        "int Pack_size past INT_MAX is MPI_UNDEFINED");
  MPI_Type_free(&t);
  CHECK(MPI_Type_vector_c(-1, 1, 1, MPI_INT, &t) != MPI_SUCCESS, "vector_c negative count");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  test_sizes();
  test_envelope();
  test_names();
  test_pack();
  test_packed_across_ranks(size);
  test_external32(size);
  test_attributes();
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  test_errors();
  test_large_count();
  if (failures == 0) printf("datatype ok\n");
  fflush(stdout);
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
