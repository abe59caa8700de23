// Op: reduction operations — views of the predefined ones and owned user operations, including ones
// made from a C++ callable applied element by element.
#pragma once

#include <mpi.h>

#include <type_traits>

#include "parley/buffer.hpp"
#include "parley/handle.hpp"

namespace parley {

namespace detail {
struct OpTraits {
  using handle_type = MPI_Op;
  static handle_type null() noexcept { return MPI_OP_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Op_free(h); }
};
}  // namespace detail

class Op : public detail::Handle<detail::OpTraits> {
 public:
  using Handle::Handle;

  // A user operation from an MPI_User_function (inoutvec[i] = invec[i] op inoutvec[i]).
  static Op Create(MPI_User_function* function, bool commute = false) {
    detail::ensure_init();
    MPI_Op op = MPI_OP_NULL;
    check(MPI_Op_create(function, commute ? 1 : 0, &op));
    return Op(op, adopt);
  }

  // A user operation on elements of type T from a captureless callable `T f(const T& in, const T& inout)`:
  //   auto op = parley::Op::Create<int>([](int a, int b) { return a > b ? a : b; }, true);
  template <class T, class F>
  requires std::is_empty_v<F> && std::is_default_constructible_v<F> &&
      std::is_invocable_r_v<T, F, const T&, const T&>
  static Op Create(F, bool commute = false) {
    MPI_User_function* fn = [](void* in, void* inout, int* len, MPI_Datatype*) {
      const T* a = static_cast<const T*>(in);
      T* b = static_cast<T*>(inout);
      F f{};
      for (int i = 0; i < *len; ++i) b[i] = f(a[i], b[i]);
    };
    return Create(fn, commute);
  }

  bool Is_commutative() const {
    detail::ensure_init();
    int flag = 0;
    check(MPI_Op_commutative(handle(), &flag));
    return flag != 0;
  }

  // inoutbuf[i] = inbuf[i] op inoutbuf[i], locally (MPI_Reduce_local).
  template <send_buffer In, recv_buffer InOut>
  void Reduce_local(const In& inbuf, InOut&& inoutbuf) const {
    detail::ensure_init();
    ConstBuffer in = detail::as_send(inbuf);
    Buffer io = detail::as_recv(std::forward<InOut>(inoutbuf));
    check(MPI_Reduce_local(in.ptr, io.ptr, io.count, io.type, handle()));
  }
};

inline const Op OP_NULL{};
inline const Op MAX{MPI_MAX};
inline const Op MIN{MPI_MIN};
inline const Op SUM{MPI_SUM};
inline const Op PROD{MPI_PROD};
inline const Op LAND{MPI_LAND};
inline const Op BAND{MPI_BAND};
inline const Op LOR{MPI_LOR};
inline const Op BOR{MPI_BOR};
inline const Op LXOR{MPI_LXOR};
inline const Op BXOR{MPI_BXOR};
inline const Op MAXLOC{MPI_MAXLOC};
inline const Op MINLOC{MPI_MINLOC};
inline const Op REPLACE{MPI_REPLACE};
inline const Op NO_OP{MPI_NO_OP};

}  // namespace parley
