/* Helpers shared by the point-to-point test programs: a CHECK macro that
 * counts failures, and a final verdict line the runner looks for. */
#ifndef PARLEY_TEST_P2P_COMMON_H
#define PARLEY_TEST_P2P_COMMON_H
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int my_rank = -1;
#define CHECK(cond, ...)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s: ", my_rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                                 \
      fprintf(stderr, "\n");                                                        \
      failures++;                                                                   \
    }                                                                               \
  } while (0)

static int __attribute__((unused)) error_class_of(int code) {
  int cls = -1;
  MPI_Error_class(code, &cls);
  return cls;
}

static int __attribute__((unused)) finish(const char *name) {
  MPI_Finalize();
  if (failures == 0) printf("%s ok rank=%d\n", name, my_rank);
  return failures == 0 ? 0 : 1;
}

static unsigned char __attribute__((unused)) pattern(size_t i, int seed) { return (unsigned char)((i * 131u + (unsigned)seed * 7u) & 0xff); }
#endif
