/* A 1 GiB message between ranks 0 and 1 (rendezvous: CMA, or the copy
 * pipeline when PARLEY_SHM_CMA=0), checked end to end, and a zero-byte one. */
#include "p2p_common.h"
#include <stdint.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const size_t n = (size_t)1 << 30;
  if (size >= 2 && my_rank < 2) {
    uint64_t *buf = malloc(n);
    CHECK(buf != NULL, "no memory for 1 GiB");
    size_t words = n / sizeof(uint64_t);
    if (my_rank == 0) {
      for (size_t i = 0; i < words; i++) buf[i] = i * 0x9e3779b97f4a7c15ull;
      MPI_Send(buf, (int)(n / 8), MPI_UINT64_T, 1, 1, MPI_COMM_WORLD);
      MPI_Send(NULL, 0, MPI_BYTE, 1, 2, MPI_COMM_WORLD);
    } else {
      memset(buf, 0, n);
      MPI_Status st;
      MPI_Recv(buf, (int)(n / 8), MPI_UINT64_T, 0, 1, MPI_COMM_WORLD, &st);
      MPI_Count bytes = 0;
      MPI_Get_elements_x(&st, MPI_BYTE, &bytes);
      CHECK(bytes == (MPI_Count)n, "received %lld bytes", (long long)bytes);
      size_t bad = words;
      for (size_t i = 0; i < words; i++)
        if (buf[i] != i * 0x9e3779b97f4a7c15ull) {
          bad = i;
          break;
        }
      CHECK(bad == words, "word %zu differs", bad);
      MPI_Recv(NULL, 0, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &st);
      int count = -1;
      MPI_Get_count(&st, MPI_BYTE, &count);
      CHECK(count == 0, "zero-byte message has count %d", count);
    }
    free(buf);
  }
  return finish("huge");
}
