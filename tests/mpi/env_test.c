/* Environment management checks (MPI-3.1 chapter 8) on every rank: thread
 * levels, versions, predefined attributes, timers, error classes/strings and
 * error reporting under MPI_ERRORS_RETURN. Prints "env ok" on success. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "env_test:%d: check failed: %s: ", __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static int error_class_of(int code) {
  int cls = -1;
  MPI_Error_class(code, &cls);
  return cls;
}

static int string_contains(int code, const char *needle) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  return strstr(text, needle) != NULL && (int)strlen(text) == len;
}

static void *other_thread(void *arg) {
  int *flag = arg;
  MPI_Is_thread_main(flag);
  return NULL;
}

int main(int argc, char **argv) {
  int provided = -1;
  CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) == MPI_SUCCESS, "init");
  CHECK(provided >= MPI_THREAD_SINGLE && provided <= MPI_THREAD_MULTIPLE, "provided=%d", provided);
  int queried = -1;
  MPI_Query_thread(&queried);
  CHECK(queried == provided, "query %d vs provided %d", queried, provided);
  int main_flag = 0, other_flag = 1;
  MPI_Is_thread_main(&main_flag);
  CHECK(main_flag == 1, "main thread not main");
  pthread_t t;
  pthread_create(&t, NULL, other_thread, &other_flag);
  pthread_join(t, NULL);
  CHECK(other_flag == 0, "other thread claims to be main");

  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
  MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
  CHECK(eh == MPI_ERRORS_RETURN, "errhandler not ERRORS_RETURN");

  int version = 0, subversion = -1, len = 0;
  MPI_Get_version(&version, &subversion);
  CHECK(version == MPI_VERSION && subversion == MPI_SUBVERSION, "%d.%d", version, subversion);
  char lib[MPI_MAX_LIBRARY_VERSION_STRING];
  MPI_Get_library_version(lib, &len);
  CHECK(strstr(lib, "Parley") != NULL && (int)strlen(lib) == len, "library version '%s'", lib);

  int rank = -1, size = -1, flag = 0, *val = NULL;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &val, &flag);
  CHECK(flag && *val >= 32767, "TAG_UB");
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &val, &flag);
  CHECK(flag && (*val == MPI_PROC_NULL || (*val >= 0 && *val < size)), "HOST");
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &val, &flag);
  CHECK(flag && (*val == MPI_ANY_SOURCE || *val == MPI_PROC_NULL || (*val >= 0 && *val < size)), "IO");
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &val, &flag);
  CHECK(flag && (*val == 0 || *val == 1), "WTIME_IS_GLOBAL");
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &val, &flag);
  CHECK(!flag || *val >= size, "UNIVERSE_SIZE %d < %d", flag ? *val : -1, size);
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &val, &flag);
  CHECK(!flag || *val >= 0, "APPNUM");
  int rc = MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_KEYVAL_INVALID, &val, &flag);
  CHECK(error_class_of(rc) == MPI_ERR_KEYVAL, "invalid keyval class %d", error_class_of(rc));

  double t0 = MPI_Wtime(), t1 = MPI_Wtime(), tick = MPI_Wtick();
  CHECK(t1 >= t0, "Wtime went backwards");
  CHECK(tick > 0.0 && tick < 1.0, "Wtick %g", tick);

  /* Every predefined class maps to itself and has a string. */
  for (int cls = MPI_SUCCESS; cls <= MPI_ERR_RMA_FLAVOR; cls++) {
    if (cls == 54) continue; /* no class 54 in the MPICH ABI */
    CHECK(error_class_of(cls) == cls, "class of %d", cls);
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    CHECK(MPI_Error_string(cls, text, &n) == MPI_SUCCESS && n > 0, "string of %d", cls);
  }

  /* User error classes, codes and strings. */
  int my_class = -1, my_code = -1, last = 0;
  CHECK(MPI_Add_error_class(&my_class) == MPI_SUCCESS, "add class");
  CHECK(MPI_Add_error_code(my_class, &my_code) == MPI_SUCCESS, "add code");
  CHECK(MPI_Add_error_string(my_code, "reactor overheated") == MPI_SUCCESS, "add string");
  CHECK(error_class_of(my_code) == my_class, "user code class");
  CHECK(string_contains(my_code, "reactor overheated"), "user string");
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &val, &flag);
  CHECK(flag && *val >= my_code && *val >= my_class, "LASTUSEDCODE %d", flag ? *val : -1);

  /* Errors come back as codes naming the function and argument. */
  int dummy;
  rc = MPI_Comm_rank(MPI_COMM_NULL, &dummy);
  CHECK(error_class_of(rc) == MPI_ERR_COMM, "COMM_NULL class %d", error_class_of(rc));
  CHECK(string_contains(rc, "MPI_Comm_rank") && string_contains(rc, "MPI_COMM_NULL"), "COMM_NULL string");
  rc = MPI_Comm_size(MPI_COMM_WORLD, NULL);
  CHECK(error_class_of(rc) == MPI_ERR_ARG && string_contains(rc, "MPI_Comm_size") && string_contains(rc, "size"),
        "NULL size");
  rc = MPI_Comm_size((MPI_Comm)0x12345, &dummy);
  CHECK(error_class_of(rc) == MPI_ERR_COMM, "bogus comm class %d", error_class_of(rc));
  rc = MPI_Init(&argc, &argv);
  CHECK(rc != MPI_SUCCESS && string_contains(rc, "already initialized"), "second MPI_Init");

  /* A function Parley does not implement yet fails loudly, never silently.
   * (Pick another one when MPI_Comm_spawn lands.) */
  MPI_Comm child;
  int errcodes[1];
  rc = MPI_Comm_spawn("true", MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0, MPI_COMM_SELF, &child, errcodes);
  CHECK(rc != MPI_SUCCESS, "unimplemented function returned MPI_SUCCESS");

  CHECK(MPI_Finalize() == MPI_SUCCESS, "finalize");
  if (failures == 0) printf("env ok rank=%d\n", rank);
  return failures == 0 ? 0 : 1;
}
