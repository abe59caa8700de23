/* MPI_Alloc_mem/Free_mem, MPI_Comm_get_parent, the status conversions
 * between C, Fortran and Fortran 2008 layouts, and the Fortran 90
 * parameterized types: results and the errors for bad arguments. */
#include "p2p_common.h"

static void check_memory(void) {
  double *a = NULL;
  CHECK(MPI_Alloc_mem(1000 * sizeof(double), MPI_INFO_NULL, &a) == MPI_SUCCESS, "alloc");
  CHECK(a != NULL && ((size_t)a % 64) == 0, "aligned %p", (void *)a);
  for (int i = 0; i < 1000; i++) a[i] = i;
  /* Memory from MPI_Alloc_mem works as a message buffer. */
  int n;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  int right = (my_rank + 1) % n, left = (my_rank + n - 1) % n;
  double *b = NULL;
  CHECK(MPI_Alloc_mem(1000 * sizeof(double), MPI_INFO_NULL, &b) == MPI_SUCCESS, "alloc b");
  MPI_Sendrecv(a, 1000, MPI_DOUBLE, right, 5, b, 1000, MPI_DOUBLE, left, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(b[999] == 999.0, "received %g", b[999]);
  CHECK(MPI_Free_mem(a) == MPI_SUCCESS, "free a");
  CHECK(MPI_Free_mem(b) == MPI_SUCCESS, "free b");
  void *z = NULL;
  CHECK(MPI_Alloc_mem(0, MPI_INFO_NULL, &z) == MPI_SUCCESS && z != NULL, "zero bytes");
  MPI_Free_mem(z);
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  CHECK(MPI_Alloc_mem(128, info, &z) == MPI_SUCCESS, "with info");
  MPI_Free_mem(z);
  MPI_Info_free(&info);

  CHECK(error_class_of(MPI_Alloc_mem(-1, MPI_INFO_NULL, &z)) == MPI_ERR_SIZE, "negative size");
  CHECK(error_class_of(MPI_Alloc_mem(8, MPI_INFO_NULL, NULL)) == MPI_ERR_ARG, "null baseptr");
  CHECK(error_class_of(MPI_Alloc_mem(8, (MPI_Info)12345, &z)) == MPI_ERR_INFO, "bad info");
}

static void check_parent(void) {
  MPI_Comm parent = MPI_COMM_WORLD;
  CHECK(MPI_Comm_get_parent(&parent) == MPI_SUCCESS && parent == MPI_COMM_NULL, "no parent");
  CHECK(error_class_of(MPI_Comm_get_parent(NULL)) == MPI_ERR_ARG, "null parent");
}

static void check_status(void) {
  MPI_Status c = {0}, back = {0};
  c.MPI_SOURCE = 3;
  c.MPI_TAG = 17;
  c.MPI_ERROR = MPI_ERR_TRUNCATE;
  MPI_Status_set_elements(&c, MPI_INT, 5);
  MPI_Fint f[MPI_F_STATUS_SIZE];
  CHECK(MPI_Status_c2f(&c, f) == MPI_SUCCESS, "c2f");
  CHECK(f[MPI_F_SOURCE] == 3 && f[MPI_F_TAG] == 17 && f[MPI_F_ERROR] == MPI_ERR_TRUNCATE, "fortran fields");
  CHECK(MPI_Status_f2c(f, &back) == MPI_SUCCESS, "f2c");
  int count = -1;
  MPI_Get_count(&back, MPI_INT, &count);
  CHECK(back.MPI_SOURCE == 3 && back.MPI_TAG == 17 && count == 5, "round trip count %d", count);
  MPI_F08_status f08;
  CHECK(MPI_Status_c2f08(&c, &f08) == MPI_SUCCESS && f08.MPI_TAG == 17, "c2f08");
  MPI_Fint f2[MPI_F_STATUS_SIZE];
  CHECK(MPI_Status_f082f(&f08, f2) == MPI_SUCCESS && f2[MPI_F_SOURCE] == 3, "f082f");
  MPI_F08_status f08b;
  CHECK(MPI_Status_f2f08(f2, &f08b) == MPI_SUCCESS && f08b.MPI_ERROR == MPI_ERR_TRUNCATE, "f2f08");
  MPI_Status c2;
  CHECK(MPI_Status_f082c(&f08b, &c2) == MPI_SUCCESS, "f082c");
  MPI_Get_count(&c2, MPI_INT, &count);
  CHECK(count == 5, "f08 round trip count %d", count);
  CHECK(error_class_of(MPI_Status_c2f(MPI_STATUS_IGNORE, f)) == MPI_ERR_ARG, "c2f of STATUS_IGNORE");
  CHECK(error_class_of(MPI_Status_f2c(NULL, &c)) == MPI_ERR_ARG, "f2c of NULL");
}

static int size_of(MPI_Datatype t) {
  int s = -1;
  MPI_Type_size(t, &s);
  return s;
}

static void check_f90(void) {
  MPI_Datatype t = MPI_DATATYPE_NULL;
  CHECK(MPI_Type_create_f90_integer(2, &t) == MPI_SUCCESS && size_of(t) == 1, "int r=2");
  CHECK(MPI_Type_create_f90_integer(9, &t) == MPI_SUCCESS && size_of(t) == 4, "int r=9");
  CHECK(MPI_Type_create_f90_integer(10, &t) == MPI_SUCCESS && size_of(t) == 8, "int r=10");
  CHECK(error_class_of(MPI_Type_create_f90_integer(19, &t)) == MPI_ERR_ARG, "int r=19");
  CHECK(MPI_Type_create_f90_real(6, MPI_UNDEFINED, &t) == MPI_SUCCESS && size_of(t) == 4, "real p=6");
  CHECK(MPI_Type_create_f90_real(MPI_UNDEFINED, 300, &t) == MPI_SUCCESS && size_of(t) == 8, "real r=300");
  CHECK(MPI_Type_create_f90_real(15, 307, &t) == MPI_SUCCESS && t == MPI_REAL8, "real 15,307");
  CHECK(MPI_Type_create_f90_complex(7, MPI_UNDEFINED, &t) == MPI_SUCCESS && size_of(t) == 16, "complex p=7");
  CHECK(error_class_of(MPI_Type_create_f90_real(40, MPI_UNDEFINED, &t)) == MPI_ERR_ARG, "real p=40");
  CHECK(error_class_of(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &t)) == MPI_ERR_ARG, "both undefined");
  /* A REAL8 message moves like a double. */
  double x = my_rank + 0.5, y = 0;
  MPI_Type_create_f90_real(15, MPI_UNDEFINED, &t);
  MPI_Sendrecv(&x, 1, t, my_rank, 1, &y, 1, t, my_rank, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  CHECK(y == x, "self sendrecv of REAL8 %g", y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check_memory();
  check_parent();
  check_status();
  check_f90();
  return finish("interop");
}
