/* MPI_Reduce_local with predefined and user ops, MPI_Op_create/free/
 * commutative, and the error classes of misuse under MPI_ERRORS_RETURN.
 * Every rank runs the same local checks (reductions need no peer). */
#include <mpi.h>
#include <complex.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
static int my_rank = -1;
#define CHECK(cond, ...)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s: ", my_rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                                             \
      fprintf(stderr, "\n");                                                                    \
      failures++;                                                                               \
    }                                                                                           \
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

/* inout = 2 * inout + in: not commutative, so argument order shows. */
static MPI_Datatype seen_type = MPI_DATATYPE_NULL;
static void affine(void *in, void *inout, int *len, MPI_Datatype *type) {
  seen_type = *type;
  for (int i = 0; i < *len; i++) ((int *)inout)[i] = 2 * ((int *)inout)[i] + ((int *)in)[i];
}
static void affine_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *type) {
  seen_type = *type;
  for (MPI_Count i = 0; i < *len; i++) ((double *)inout)[i] = 2 * ((double *)inout)[i] + ((double *)in)[i];
}

static void predefined_ops(void) {
  int a[4] = {1, -2, 3, 0}, b[4] = {4, 5, -6, 0};
  MPI_Reduce_local(a, b, 4, MPI_INT, MPI_SUM);
  CHECK(b[0] == 5 && b[1] == 3 && b[2] == -3 && b[3] == 0, "int sum %d %d %d %d", b[0], b[1], b[2], b[3]);
  MPI_Reduce_local(a, b, 4, MPI_INT, MPI_MAX);
  CHECK(b[0] == 5 && b[1] == 3 && b[2] == 3 && b[3] == 0, "int max");
  MPI_Reduce_local(a, b, 4, MPI_INT, MPI_LAND);
  CHECK(b[0] == 1 && b[1] == 1 && b[2] == 1 && b[3] == 0, "int land");

  int big = 0x7fffffff, one = 1;
  MPI_Reduce_local(&one, &big, 1, MPI_INT, MPI_SUM);
  CHECK(big == (int)0x80000000, "sum wraps, got %d", big);

  double x[3] = {1.5, NAN, -1.0}, y[3] = {2.5, 1.0, -2.0};
  MPI_Reduce_local(x, y, 3, MPI_DOUBLE, MPI_MIN);
  CHECK(y[0] == 1.5 && isnan(y[1]) && y[2] == -2.0, "double min with NaN");

  long double lx = 1.25L, ly = 4.0L;
  MPI_Reduce_local(&lx, &ly, 1, MPI_LONG_DOUBLE, MPI_PROD);
  CHECK(ly == 5.0L, "long double prod");

  double complex cx = 1.0 + 2.0 * I, cy = 3.0 - 1.0 * I;
  MPI_Reduce_local(&cx, &cy, 1, MPI_C_DOUBLE_COMPLEX, MPI_PROD);
  CHECK(creal(cy) == 5.0 && cimag(cy) == 5.0, "complex prod (%g, %g)", creal(cy), cimag(cy));

  unsigned char bx = 0xf0, by = 0x3c;
  MPI_Reduce_local(&bx, &by, 1, MPI_BYTE, MPI_BXOR);
  CHECK(by == 0xcc, "byte bxor");

  bool tx[2] = {true, false}, ty[2] = {true, true};
  MPI_Reduce_local(tx, ty, 2, MPI_C_BOOL, MPI_LXOR);
  CHECK(!ty[0] && ty[1], "bool lxor");

  struct { double v; int i; } dx[2] = {{1.0, 7}, {3.0, 2}}, dy[2] = {{1.0, 4}, {2.0, 9}};
  MPI_Reduce_local(dx, dy, 2, MPI_DOUBLE_INT, MPI_MINLOC);
  CHECK(dy[0].v == 1.0 && dy[0].i == 4 && dy[1].v == 2.0 && dy[1].i == 9, "double_int minloc");
  MPI_Reduce_local(dx, dy, 2, MPI_DOUBLE_INT, MPI_MAXLOC);
  CHECK(dy[0].i == 4 && dy[1].v == 3.0 && dy[1].i == 2, "double_int maxloc");

  int zero_a = 1, zero_b = 2;
  CHECK(MPI_Reduce_local(&zero_a, &zero_b, 0, MPI_INT, MPI_SUM) == MPI_SUCCESS && zero_b == 2, "count 0");
  CHECK(MPI_Reduce_local(NULL, NULL, 0, MPI_INT, MPI_SUM) == MPI_SUCCESS, "count 0 with NULL buffers");

  MPI_Count big_count = 2;
  int cl[2] = {1, 2}, cr[2] = {3, 4};
  MPI_Reduce_local_c(cl, cr, big_count, MPI_INT, MPI_PROD);
  CHECK(cr[0] == 3 && cr[1] == 8, "reduce_local_c");

  int commute = -1;
  CHECK(MPI_Op_commutative(MPI_SUM, &commute) == MPI_SUCCESS && commute == 1, "SUM is commutative");
  CHECK(MPI_Op_commutative(MPI_MAXLOC, &commute) == MPI_SUCCESS && commute == 1, "MAXLOC is commutative");
}

static void user_ops(void) {
  MPI_Op op = MPI_OP_NULL;
  CHECK(MPI_Op_create(affine, 0, &op) == MPI_SUCCESS && op != MPI_OP_NULL, "Op_create");
  int commute = -1;
  CHECK(MPI_Op_commutative(op, &commute) == MPI_SUCCESS && commute == 0, "user op not commutative");
  int in[2] = {1, 2}, io[2] = {10, 20};
  CHECK(MPI_Reduce_local(in, io, 2, MPI_INT, op) == MPI_SUCCESS, "reduce_local with user op");
  CHECK(io[0] == 21 && io[1] == 42, "user op order: got %d %d", io[0], io[1]);
  CHECK(seen_type == MPI_INT, "user op saw datatype %x", (unsigned)seen_type);
  /* User ops may take any datatype, even one no predefined op allows. */
  CHECK(MPI_Reduce_local(in, io, 0, MPI_CHAR, op) == MPI_SUCCESS, "user op on MPI_CHAR");
  MPI_Op copy = op;
  CHECK(MPI_Op_free(&op) == MPI_SUCCESS && op == MPI_OP_NULL, "Op_free");
  int rc = MPI_Reduce_local(in, io, 2, MPI_INT, copy);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_Reduce_local", "op"), "freed op");

  MPI_Op op_c;
  CHECK(MPI_Op_create_c(affine_c, 1, &op_c) == MPI_SUCCESS, "Op_create_c");
  double dx = 1.0, dy = 3.0;
  CHECK(MPI_Reduce_local(&dx, &dy, 1, MPI_DOUBLE, op_c) == MPI_SUCCESS && dy == 7.0, "large-count user op");
  CHECK(MPI_Op_commutative(op_c, &commute) == MPI_SUCCESS && commute == 1, "commutative user op");
  CHECK(MPI_Op_free(&op_c) == MPI_SUCCESS, "Op_free (c)");

  /* Many ops at once, freed in a different order. */
  MPI_Op ops[64];
  for (int i = 0; i < 64; i++) CHECK(MPI_Op_create(affine, i % 2, &ops[i]) == MPI_SUCCESS, "create %d", i);
  for (int i = 0; i < 64; i++) {
    for (int j = i + 1; j < 64; j++) CHECK(ops[i] != ops[j], "distinct handles");
  }
  for (int i = 63; i >= 0; i -= 2) CHECK(MPI_Op_free(&ops[i]) == MPI_SUCCESS, "free %d", i);
  for (int i = 0; i < 64; i += 2) CHECK(MPI_Op_free(&ops[i]) == MPI_SUCCESS, "free %d", i);
}

static void errors(void) {
  int a[2] = {1, 2}, b[2] = {3, 4};
  double d[2] = {1, 2}, e[2] = {3, 4};
  int rc = MPI_Reduce_local(d, e, 1, MPI_DOUBLE_INT, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_Reduce_local", "MPI_SUM is not defined for MPI_DOUBLE_INT"),
        "sum on double_int");
  rc = MPI_Reduce_local(d, e, 2, MPI_DOUBLE, MPI_BAND);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_BAND", "MPI_DOUBLE"), "band on double");
  rc = MPI_Reduce_local(a, b, 2, MPI_INTEGER, MPI_LOR);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "lor on Fortran integer");
  rc = MPI_Reduce_local(a, b, 1, MPI_2INT, MPI_MAX);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "max on 2int");
  rc = MPI_Reduce_local(a, b, 2, MPI_INT, MPI_MAXLOC);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "maxloc on int");
  rc = MPI_Reduce_local(a, b, 2, MPI_CHAR, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "sum on char");
  rc = MPI_Reduce_local(a, b, 2, MPI_INT, MPI_REPLACE);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_REPLACE", "accumulate"), "replace outside RMA");
  rc = MPI_Reduce_local(a, b, 2, MPI_INT, MPI_OP_NULL);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_Reduce_local", "MPI_OP_NULL"), "null op");
  rc = MPI_Reduce_local(a, b, 2, MPI_INT, (MPI_Op)0x12345678);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "garbage op");
  rc = MPI_Reduce_local(a, b, -1, MPI_INT, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_COUNT && says(rc, "MPI_Reduce_local", "count"), "negative count");
  rc = MPI_Reduce_local(a, b, 2, MPI_DATATYPE_NULL, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_TYPE && says(rc, "MPI_Reduce_local", "datatype"), "null datatype");
  rc = MPI_Reduce_local(NULL, b, 2, MPI_INT, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER && says(rc, "MPI_Reduce_local", "inbuf"), "null inbuf");
  rc = MPI_Reduce_local(MPI_IN_PLACE, b, 2, MPI_INT, MPI_SUM);
  CHECK(error_class_of(rc) == MPI_ERR_BUFFER, "MPI_IN_PLACE");
  CHECK(b[0] == 3 && b[1] == 4, "failed calls leave inoutbuf alone");

  MPI_Op op = MPI_SUM;
  rc = MPI_Op_free(&op);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_Op_free", "MPI_SUM") && op == MPI_SUM, "free predefined");
  op = MPI_OP_NULL;
  rc = MPI_Op_free(&op);
  CHECK(error_class_of(rc) == MPI_ERR_OP, "free MPI_OP_NULL");
  rc = MPI_Op_free(NULL);
  CHECK(error_class_of(rc) == MPI_ERR_ARG, "free NULL pointer");
  rc = MPI_Op_create(NULL, 1, &op);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Op_create", "user_fn"), "create without function");
  rc = MPI_Op_create(affine, 1, NULL);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && says(rc, "MPI_Op_create", "op"), "create without op");
  int commute;
  rc = MPI_Op_commutative(MPI_OP_NULL, &commute);
  CHECK(error_class_of(rc) == MPI_ERR_OP && says(rc, "MPI_Op_commutative", NULL), "commutative of null op");
  rc = MPI_Op_commutative(MPI_SUM, NULL);
  CHECK(error_class_of(rc) == MPI_ERR_ARG, "commutative without result");
}

/* MPI_Reduce_local on derived types: a contiguous one reduces in place, a
 * strided one only touches its elements, a mixed struct is refused for a
 * predefined op, and a user op gets the user's layout. */
static void derived_types(void) {
  MPI_Datatype three, strided, mixed;
  MPI_Type_contiguous(3, MPI_INT, &three);
  MPI_Type_commit(&three);
  int a[6] = {1, 9, 3, 4, 5, 6}, b[6] = {7, 2, 8, 1, 1, 9};
  CHECK(MPI_Reduce_local(a, b, 2, three, MPI_MAX) == MPI_SUCCESS, "contiguous derived MAX");
  CHECK(b[0] == 7 && b[1] == 9 && b[2] == 8 && b[5] == 9, "contiguous MAX result %d %d %d", b[0], b[1], b[2]);

  MPI_Type_vector(3, 1, 2, MPI_DOUBLE, &strided);
  MPI_Type_commit(&strided);
  double x[6] = {1, 100, 2, 100, 3, 100}, y[6] = {10, -1, 20, -1, 30, -1};
  CHECK(MPI_Reduce_local(x, y, 1, strided, MPI_SUM) == MPI_SUCCESS, "strided SUM");
  CHECK(y[0] == 11 && y[2] == 22 && y[4] == 33 && y[1] == -1 && y[3] == -1, "strided SUM touched a hole or missed");

  int lens[2] = {1, 1};
  MPI_Aint disp[2] = {0, 8};
  MPI_Datatype types[2] = {MPI_DOUBLE, MPI_INT};
  MPI_Type_create_struct(2, lens, disp, types, &mixed);
  MPI_Type_commit(&mixed);
  char m1[16] = {0}, m2[16] = {0};
  int rc = MPI_Reduce_local(m1, m2, 1, mixed, MPI_SUM);
  CHECK(rc != MPI_SUCCESS, "MPI_SUM on a mixed struct accepted");

  MPI_Op op;
  MPI_Op_create(affine, 1, &op);
  seen_type = MPI_DATATYPE_NULL;
  int c[3] = {1, 2, 3}, d[3] = {1, 1, 1};
  CHECK(MPI_Reduce_local(c, d, 1, three, op) == MPI_SUCCESS && seen_type == three, "user op did not see the derived type");
  MPI_Op_free(&op);
  MPI_Type_free(&three);
  MPI_Type_free(&strided);
  MPI_Type_free(&mixed);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  predefined_ops();
  user_ops();
  errors();
  derived_types();
  MPI_Finalize();
  if (failures == 0) printf("op ok rank=%d\n", my_rank);
  return failures == 0 ? 0 : 1;
}
