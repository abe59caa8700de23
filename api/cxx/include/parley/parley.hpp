// The object-oriented C++ API of Parley (mpi4py's names in namespace parley). Include this one header.
// Written against the public mpi.h only, so it works over any MPI (Parley, MPICH, Open MPI).
#pragma once

#include "parley/buffer.hpp"
#include "parley/comm.hpp"
#include "parley/comm_coll.hpp"
#include "parley/comm_object.hpp"
#include "parley/datatype.hpp"
#include "parley/env.hpp"
#include "parley/errhandler.hpp"
#include "parley/exception.hpp"
#include "parley/group.hpp"
#include "parley/info.hpp"
#include "parley/intracomm.hpp"
#include "parley/message.hpp"
#include "parley/op.hpp"
#include "parley/request.hpp"
#include "parley/serialize.hpp"
#include "parley/status.hpp"
#include "parley/topo.hpp"
