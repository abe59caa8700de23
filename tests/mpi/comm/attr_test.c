/* Attributes and info on communicators: predefined attributes, keyvals
 * with copy/delete callbacks run at dup/free/set/delete in the standard's
 * order, MPI_COMM_DUP_FN / MPI_COMM_NULL_COPY_FN, a failing copy callback
 * failing the dup; info objects in insertion order, MPI_INFO_ENV,
 * Comm_set_info/get_info and dup_with_info. Prints "attr ok" per rank. */
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
static char g_log[256];

static void log_event(const char* what, int value) {
  char buf[32];
  snprintf(buf, sizeof buf, "%s%d ", what, value);
  strncat(g_log, buf, sizeof g_log - strlen(g_log) - 1);
}

static int copy_cb(MPI_Comm c, int k, void* extra, void* in, void* out, int* flag) {
  (void)c; (void)k; (void)extra;
  log_event("c", (int)(long)in);
  *(void**)out = (void*)((long)in + 1);
  *flag = 1;
  return MPI_SUCCESS;
}

static int delete_cb(MPI_Comm c, int k, void* v, void* extra) {
  (void)c; (void)k; (void)extra;
  log_event("d", (int)(long)v);
  return MPI_SUCCESS;
}

static int failing_copy(MPI_Comm c, int k, void* extra, void* in, void* out, int* flag) {
  (void)c; (void)k; (void)extra; (void)in; (void)out; (void)flag;
  return MPI_ERR_OTHER;
}

static void test_attrs(void) {
  int* tag_ub;
  int flag = 0;
  OK(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag));
  CHECK(flag && *tag_ub >= 32767);

  int k1, k2, k3;
  OK(MPI_Comm_create_keyval(copy_cb, delete_cb, &k1, NULL));
  OK(MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &k2, NULL));
  OK(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_cb, &k3, NULL));
  MPI_Comm a;
  OK(MPI_Comm_dup(MPI_COMM_WORLD, &a));
  OK(MPI_Comm_set_attr(a, k1, (void*)10L));
  OK(MPI_Comm_set_attr(a, k2, (void*)20L));
  OK(MPI_Comm_set_attr(a, k3, (void*)30L));
  void* v;
  OK(MPI_Comm_get_attr(a, k2, &v, &flag));
  CHECK(flag && v == (void*)20L);
  /* Replacing a value runs the delete callback on the old one. */
  OK(MPI_Comm_set_attr(a, k1, (void*)11L));
  CHECK(strcmp(g_log, "d10 ") == 0);
  g_log[0] = '\0';
  MPI_Comm b;
  OK(MPI_Comm_dup(a, &b));
  CHECK(strcmp(g_log, "c11 ") == 0);
  OK(MPI_Comm_get_attr(b, k1, &v, &flag));
  CHECK(flag && v == (void*)12L);
  OK(MPI_Comm_get_attr(b, k2, &v, &flag));
  CHECK(flag && v == (void*)20L); /* MPI_COMM_DUP_FN copies the value */
  OK(MPI_Comm_get_attr(b, k3, &v, &flag));
  CHECK(!flag); /* MPI_COMM_NULL_COPY_FN does not */
  g_log[0] = '\0';
  /* Freeing a keyval keeps it usable by the attributes already set. */
  OK(MPI_Comm_free_keyval(&k3));
  CHECK(k3 == MPI_KEYVAL_INVALID);
  OK(MPI_Comm_free(&a));
  CHECK(strcmp(g_log, "d30 d11 ") == 0); /* last set, first deleted */
  g_log[0] = '\0';
  OK(MPI_Comm_delete_attr(b, k1));
  CHECK(strcmp(g_log, "d12 ") == 0);
  OK(MPI_Comm_get_attr(b, k1, &v, &flag));
  CHECK(!flag);
  OK(MPI_Comm_free(&b));
  /* A failing copy callback fails the dup with its code. */
  int kf;
  OK(MPI_Comm_create_keyval(failing_copy, MPI_COMM_NULL_DELETE_FN, &kf, NULL));
  OK(MPI_Comm_set_attr(MPI_COMM_SELF, kf, (void*)1L));
  OK(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  MPI_Comm c = MPI_COMM_NULL;
  int rc = MPI_Comm_dup(MPI_COMM_SELF, &c);
  int cls;
  OK(MPI_Error_class(rc, &cls));
  CHECK(cls == MPI_ERR_OTHER);
  OK(MPI_Comm_delete_attr(MPI_COMM_SELF, kf));
  OK(MPI_Comm_free_keyval(&kf));
  /* Bad keyvals are errors of class MPI_ERR_KEYVAL. */
  rc = MPI_Comm_get_attr(MPI_COMM_SELF, 12345, &v, &flag);
  OK(MPI_Error_class(rc, &cls));
  CHECK(cls == MPI_ERR_KEYVAL);
  OK(MPI_Comm_free_keyval(&k1));
  OK(MPI_Comm_free_keyval(&k2));
}

static void test_info(void) {
  MPI_Info info;
  OK(MPI_Info_create(&info));
  OK(MPI_Info_set(info, "zeta", "1"));
  OK(MPI_Info_set(info, "alpha", "two"));
  OK(MPI_Info_set(info, "mid", "3"));
  OK(MPI_Info_set(info, "zeta", "one")); /* keeps its place */
  int n;
  OK(MPI_Info_get_nkeys(info, &n));
  CHECK(n == 3);
  char key[MPI_MAX_INFO_KEY + 1], val[64];
  OK(MPI_Info_get_nthkey(info, 0, key));
  CHECK(strcmp(key, "zeta") == 0);
  OK(MPI_Info_get_nthkey(info, 1, key));
  CHECK(strcmp(key, "alpha") == 0);
  int flag, len = sizeof val;
  OK(MPI_Info_get_string(info, "zeta", &len, val, &flag));
  CHECK(flag && strcmp(val, "one") == 0 && len == 4);
  OK(MPI_Info_get_valuelen(info, "alpha", &len, &flag));
  CHECK(flag && len == 3);
  OK(MPI_Info_delete(info, "alpha"));
  OK(MPI_Info_get(info, "alpha", 10, val, &flag));
  CHECK(!flag);
  MPI_Info dup;
  OK(MPI_Info_dup(info, &dup));
  OK(MPI_Info_get_nkeys(dup, &n));
  CHECK(n == 2);
  OK(MPI_Info_get_nthkey(dup, 1, key));
  CHECK(strcmp(key, "mid") == 0);
  /* Comm info round trip, and dup_with_info. */
  MPI_Comm c;
  OK(MPI_Comm_dup_with_info(MPI_COMM_WORLD, dup, &c));
  MPI_Info used;
  OK(MPI_Comm_get_info(c, &used));
  len = sizeof val;
  OK(MPI_Info_get_string(used, "mid", &len, val, &flag));
  CHECK(flag && strcmp(val, "3") == 0);
  OK(MPI_Info_free(&used));
  OK(MPI_Comm_set_info(c, info));
  OK(MPI_Comm_free(&c));
  OK(MPI_Info_free(&info));
  OK(MPI_Info_free(&dup));
  CHECK(info == MPI_INFO_NULL);
  OK(MPI_Info_get_nkeys(MPI_INFO_ENV, &n));
  CHECK(n >= 1);
  /* Errors name their class. */
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int cls;
  OK(MPI_Error_class(MPI_Info_set(MPI_INFO_ENV, "a", "b"), &cls));
  CHECK(cls == MPI_ERR_INFO);
  OK(MPI_Info_create(&info));
  OK(MPI_Error_class(MPI_Info_delete(info, "missing"), &cls));
  CHECK(cls == MPI_ERR_INFO_NOKEY);
  OK(MPI_Error_class(MPI_Info_set(info, "", "b"), &cls));
  CHECK(cls == MPI_ERR_INFO_KEY);
  OK(MPI_Info_free(&info));
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* Window keyvals exist without windows; every attribute call on a window
 * handle fails with MPI_ERR_WIN while no window can be created. */
static void test_win_keyvals(void) {
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int k1 = MPI_KEYVAL_INVALID, k2 = MPI_KEYVAL_INVALID, cls, flag = 0;
  void* v = NULL;
  OK(MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, MPI_WIN_NULL_DELETE_FN, &k1, NULL));
  OK(MPI_Win_create_keyval(MPI_WIN_DUP_FN, MPI_WIN_NULL_DELETE_FN, &k2, NULL));
  CHECK(k1 != MPI_KEYVAL_INVALID && k2 != MPI_KEYVAL_INVALID && k1 != k2);
  OK(MPI_Error_class(MPI_Win_set_attr(MPI_WIN_NULL, k1, &flag), &cls));
  CHECK(cls == MPI_ERR_WIN);
  OK(MPI_Error_class(MPI_Win_get_attr(MPI_WIN_NULL, k1, &v, &flag), &cls));
  CHECK(cls == MPI_ERR_WIN);
  OK(MPI_Error_class(MPI_Win_delete_attr(MPI_WIN_NULL, k2), &cls));
  CHECK(cls == MPI_ERR_WIN);
  OK(MPI_Win_free_keyval(&k1));
  CHECK(k1 == MPI_KEYVAL_INVALID);
  int stale = k2;
  OK(MPI_Win_free_keyval(&k2));
  OK(MPI_Error_class(MPI_Win_free_keyval(&stale), &cls));
  CHECK(cls == MPI_ERR_KEYVAL);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  test_attrs();
  test_info();
  test_win_keyvals();
  printf("attr ok\n");
  MPI_Finalize();
  return 0;
}
