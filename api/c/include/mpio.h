/* Parley's mpio.h: the MPI-IO header of MPI-2 days. Everything MPI-IO needs
 * is in mpi.h now; this file exists so programs that include it compile, and
 * it keeps the old ROMIO request names that some I/O codes still use. */
#ifndef PARLEY_MPIO_H_INCLUDED
#define PARLEY_MPIO_H_INCLUDED

#include "mpi.h"

/* Nonblocking I/O returns ordinary MPI requests. */
#define MPIO_Request       MPI_Request
/* Zero, not MPI_REQUEST_NULL: the value MPICH-built binaries carry. */
#define MPIO_REQUEST_NULL  ((MPIO_Request)0)
#define MPIO_USES_MPI_REQUEST
#define MPIO_Wait          MPI_Wait
#define MPIO_Test          MPI_Test
#define PMPIO_Wait         PMPI_Wait
#define PMPIO_Test         PMPI_Test

#endif /* PARLEY_MPIO_H_INCLUDED */
