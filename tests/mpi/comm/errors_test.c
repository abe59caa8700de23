/* Error classes and strings for every predefined class (non-empty,
 * distinct), user classes/codes/strings above MPI_ERR_LASTCODE with
 * MPI_LASTUSEDCODE following them, and error handlers for windows and
 * files: made and freed although no window or file exists, MPI_WIN_NULL
 * refused with MPI_ERR_WIN through WORLD's handler, MPI_FILE_NULL's handler
 * (the default for file errors, MPI_ERRORS_RETURN at first) read, replaced,
 * called, and used for file errors. Prints "errors ok" per rank. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                             \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, #cond); \
      MPI_Abort(MPI_COMM_WORLD, 1);                                                             \
    }                                                                                           \
  } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static int g_rank;

static int class_of(int code) {
  int c = -1;
  OK(MPI_Error_class(code, &c));
  return c;
}

static int text_has(int code, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  OK(MPI_Error_string(code, text, &len));
  return strstr(text, what) != NULL;
}

static int lastused(void) {
  int* v = NULL;
  int flag = 0;
  OK(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag));
  CHECK(flag && v != NULL);
  return *v;
}

static int g_comm_calls, g_comm_code;
static void comm_handler(MPI_Comm* comm, int* code, ...) {
  (void)comm;
  ++g_comm_calls;
  g_comm_code = *code;
}
static void win_handler(MPI_Win* win, int* code, ...) {
  (void)win;
  (void)code;
}
static int g_file_calls, g_file_code;
static MPI_File g_file_seen;
static void file_handler(MPI_File* file, int* code, ...) {
  ++g_file_calls;
  g_file_code = *code;
  g_file_seen = *file;
}

static void test_classes(void) {
  /* Every predefined class (54 is unused in the ABI), the tool interface's
   * codes included: its own class, a non-empty string, no two alike. */
  static char texts[MPI_T_ERR_NOT_SUPPORTED + 1][MPI_MAX_ERROR_STRING];
  for (int c = MPI_SUCCESS; c <= MPI_T_ERR_NOT_SUPPORTED; ++c) {
    if (c == 54) continue;
    CHECK(class_of(c) == c);
    int len = -1;
    OK(MPI_Error_string(c, texts[c], &len));
    CHECK(len > 0 && (int)strlen(texts[c]) == len);
    for (int d = 0; d < c; ++d)
      if (d != 54) CHECK(strcmp(texts[c], texts[d]) != 0);
  }
  CHECK(MPI_ERR_LASTCODE >= MPI_T_ERR_NOT_SUPPORTED);
  /* Codes raised by calls keep their class and name the call. */
  int rank;
  int rc = MPI_Comm_rank(MPI_COMM_NULL, &rank);
  CHECK(class_of(rc) == MPI_ERR_COMM && text_has(rc, "MPI_Comm_rank"));
  /* Unknown codes are refused. */
  int c;
  CHECK(class_of(MPI_Error_class(-7, &c)) == MPI_ERR_ARG);
  CHECK(class_of(MPI_Error_class(54, &c)) == MPI_ERR_ARG);
  CHECK(class_of(MPI_Error_class(MPI_ERR_LASTCODE + 12345, &c)) == MPI_ERR_ARG);
}

static void test_user_codes(void) {
  int before = lastused();
  CHECK(before >= MPI_ERR_LASTCODE);
  int cls, code, code2;
  OK(MPI_Add_error_class(&cls));
  CHECK(cls > MPI_ERR_LASTCODE && class_of(cls) == cls);
  CHECK(lastused() >= cls && lastused() > before);
  OK(MPI_Add_error_code(cls, &code));
  CHECK(code > cls && class_of(code) == cls && lastused() >= code);
  OK(MPI_Add_error_code(MPI_ERR_TYPE, &code2));
  CHECK(class_of(code2) == MPI_ERR_TYPE && lastused() >= code2 && code2 != code);
  /* No string yet: empty, even for a code of a predefined class. */
  char text[MPI_MAX_ERROR_STRING];
  int len = -1;
  OK(MPI_Error_string(code, text, &len));
  CHECK(len == 0 && text[0] == '\0');
  OK(MPI_Error_string(code2, text, &len));
  CHECK(len == 0);
  OK(MPI_Add_error_string(cls, "the widget class"));
  OK(MPI_Add_error_string(code, "out of widgets"));
  OK(MPI_Add_error_string(code, "out of gadgets")); /* replacing is allowed */
  CHECK(text_has(cls, "widget class") && text_has(code, "gadgets"));
  /* Bad arguments. */
  int junk;
  CHECK(class_of(MPI_Add_error_code(-3, &junk)) == MPI_ERR_ARG);
  CHECK(class_of(MPI_Add_error_code(54, &junk)) == MPI_ERR_ARG);
  CHECK(class_of(MPI_Add_error_code(code, &junk)) == MPI_ERR_ARG); /* a code is no class */
  CHECK(class_of(MPI_Add_error_string(MPI_ERR_RANK, "mine")) == MPI_ERR_ARG);
  CHECK(class_of(MPI_Add_error_class(NULL)) == MPI_ERR_ARG);
  /* A user code through a user communicator handler. */
  MPI_Errhandler eh;
  OK(MPI_Comm_create_errhandler(comm_handler, &eh));
  MPI_Comm dup;
  OK(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  OK(MPI_Comm_set_errhandler(dup, eh));
  g_comm_calls = 0;
  OK(MPI_Comm_call_errhandler(dup, code));
  CHECK(g_comm_calls == 1 && g_comm_code == code);
  OK(MPI_Comm_free(&dup));
  OK(MPI_Errhandler_free(&eh));
}

static void test_win(void) {
  MPI_Errhandler weh, ceh;
  OK(MPI_Win_create_errhandler(win_handler, &weh));
  CHECK(weh != MPI_ERRHANDLER_NULL);
  /* A window handler is not for communicators. */
  int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, weh);
  CHECK(class_of(rc) == MPI_ERR_ARG && text_has(rc, "windows"));
  /* MPI_WIN_NULL: MPI_ERR_WIN, through WORLD's handler. */
  MPI_Errhandler got;
  rc = MPI_Win_set_errhandler(MPI_WIN_NULL, weh);
  CHECK(class_of(rc) == MPI_ERR_WIN && text_has(rc, "MPI_Win_set_errhandler") && text_has(rc, "MPI_WIN_NULL"));
  rc = MPI_Win_get_errhandler(MPI_WIN_NULL, &got);
  CHECK(class_of(rc) == MPI_ERR_WIN && text_has(rc, "MPI_Win_get_errhandler"));
  rc = MPI_Win_call_errhandler(MPI_WIN_NULL, MPI_ERR_OTHER);
  CHECK(class_of(rc) == MPI_ERR_WIN);
  rc = MPI_Win_get_errhandler((MPI_Win)0x12345, &got);
  CHECK(class_of(rc) == MPI_ERR_WIN);
  OK(MPI_Comm_create_errhandler(comm_handler, &ceh));
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, ceh));
  g_comm_calls = 0;
  rc = MPI_Win_call_errhandler(MPI_WIN_NULL, MPI_ERR_OTHER);
  CHECK(g_comm_calls == 1 && class_of(g_comm_code) == MPI_ERR_WIN && class_of(rc) == MPI_ERR_WIN);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  OK(MPI_Errhandler_free(&ceh));
  OK(MPI_Errhandler_free(&weh));
  CHECK(weh == MPI_ERRHANDLER_NULL);
  rc = MPI_Win_create_errhandler(NULL, &weh);
  CHECK(class_of(rc) == MPI_ERR_ARG);
}

static void test_file(void) {
  MPI_Errhandler h, feh, ceh;
  OK(MPI_File_get_errhandler(MPI_FILE_NULL, &h));
  CHECK(h == MPI_ERRORS_RETURN);
  /* With the default MPI_ERRORS_RETURN, file errors come back as codes. */
  int rc = MPI_File_get_errhandler((MPI_File)0x4321, &h);
  CHECK(class_of(rc) == MPI_ERR_FILE && text_has(rc, "MPI_File_get_errhandler"));
  OK(MPI_File_call_errhandler(MPI_FILE_NULL, MPI_ERR_IO));
  /* A user handler on MPI_FILE_NULL: read back, called, used for errors. */
  OK(MPI_File_create_errhandler(file_handler, &feh));
  OK(MPI_File_set_errhandler(MPI_FILE_NULL, feh));
  OK(MPI_File_get_errhandler(MPI_FILE_NULL, &h));
  CHECK(h == feh);
  g_file_calls = 0;
  g_file_seen = (MPI_File)0x1;
  OK(MPI_File_call_errhandler(MPI_FILE_NULL, MPI_ERR_IO));
  CHECK(g_file_calls == 1 && g_file_code == MPI_ERR_IO && g_file_seen == MPI_FILE_NULL);
  rc = MPI_File_set_errhandler((MPI_File)0x4321, MPI_ERRORS_RETURN);
  CHECK(g_file_calls == 2 && class_of(g_file_code) == MPI_ERR_FILE && rc == g_file_code);
  /* A communicator handler is not for files (refused through the file
   * handler); the default stays. */
  OK(MPI_Comm_create_errhandler(comm_handler, &ceh));
  rc = MPI_File_set_errhandler(MPI_FILE_NULL, ceh);
  CHECK(g_file_calls == 3 && class_of(rc) == MPI_ERR_ARG && text_has(rc, "files"));
  OK(MPI_File_get_errhandler(MPI_FILE_NULL, &h));
  CHECK(h == feh);
  /* Freed while attached: still called, as the standard requires. */
  OK(MPI_Errhandler_free(&feh));
  OK(MPI_File_call_errhandler(MPI_FILE_NULL, MPI_ERR_IO));
  CHECK(g_file_calls == 4);
  OK(MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_RETURN));
  OK(MPI_Errhandler_free(&ceh));
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  test_classes();
  test_user_codes();
  test_win();
  test_file();
  OK(MPI_Barrier(MPI_COMM_WORLD));
  printf("errors ok\n");
  MPI_Finalize();
  return 0;
}
