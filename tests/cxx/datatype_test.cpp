// Datatypes and ops through the C++ API: constructors and their sizes and extents, names, Commit chains,
// RAII of derived types, user ops from functions and from C++ callables, Reduce_local.
#include <array>
#include <vector>

#include "harness.hpp"

namespace {
void int_max(void* in, void* inout, int* len, MPI_Datatype*) {
  const int* a = static_cast<const int*>(in);
  int* b = static_cast<int*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = a[i] > b[i] ? a[i] : b[i];
}
struct Pair {
  int key;
  double value;
};
}  // namespace

template <>
struct parley::datatype_traits<Pair> : parley::struct_type<&Pair::key, &Pair::value> {};

TEST_CASE("predefined datatypes have their C sizes; deduction picks them") {
  CHECK(parley::INT.Get_size() == static_cast<int>(sizeof(int)));
  CHECK(parley::DOUBLE.Get_size() == static_cast<int>(sizeof(double)));
  CHECK(parley::CXX_BOOL.Get_size() == static_cast<int>(sizeof(bool)));
  CHECK(parley::datatype_of<unsigned short>() == MPI_UNSIGNED_SHORT);
  CHECK(parley::datatype_of<const long long>() == MPI_LONG_LONG);
  CHECK(parley::datatype_of<std::complex<float>>() == MPI_CXX_FLOAT_COMPLEX);
  CHECK(parley::INT.Get_name() == "MPI_INT");
}

TEST_CASE("derived constructors report size and extent; Commit chains; Free releases") {
  parley::Datatype contig = parley::DOUBLE.Create_contiguous(3).Commit();
  CHECK(contig.Get_size() == 24 && contig.Get_extent().second == 24 && contig.is_owner());
  parley::Datatype vec = parley::INT.Create_vector(3, 2, 4).Commit();
  CHECK(vec.Get_size() == 6 * 4 && vec.Get_extent().second == (2 * 4 + 2) * 4);
  parley::Datatype idx = parley::INT.Create_indexed({1, 2}, {0, 3}).Commit();
  CHECK(idx.Get_size() == 12 && idx.Get_extent().second == 20);
  parley::Datatype blk = parley::INT.Create_indexed_block(2, {0, 5});
  CHECK(blk.Get_size() == 16);
  parley::Datatype sub = parley::INT.Create_subarray({4, 4}, {2, 2}, {1, 1}).Commit();
  CHECK(sub.Get_size() == 16 && sub.Get_extent().second == 64);
  parley::Datatype rs = parley::INT.Create_resized(0, 16);
  CHECK(rs.Get_extent().second == 16 && rs.Get_true_extent().second == 4);
  parley::Datatype st = parley::Datatype::Create_struct({1, 1}, {0, 8}, {parley::INT, parley::DOUBLE});
  CHECK(st.Get_size() == 12);
  parley::Datatype dup = vec.Dup();
  dup.Set_name("my vector");
  CHECK(dup.Get_name() == "my vector");
  // A registered struct: extent is sizeof, size the members only.
  parley::Datatype pair_view(parley::datatype_of<Pair>());
  CHECK(!pair_view.is_owner() && pair_view.Get_extent().second == static_cast<MPI_Aint>(sizeof(Pair)));
  CHECK(pair_view.Get_size() == static_cast<int>(sizeof(int) + sizeof(double)));
  // A derived type travels through SELF.
  std::vector<int> m(16);
  for (int i = 0; i < 16; ++i) m[static_cast<std::size_t>(i)] = i;
  std::vector<int> out(4);
  parley::Request r = parley::COMM_SELF.Isend(parley::buffer(m.data(), 1, sub), 0, 0);
  parley::COMM_SELF.Recv(out, 0, 0);
  r.Wait();
  CHECK((out == std::vector<int>{5, 6, 9, 10}));
}

TEST_CASE("user ops from an MPI_User_function and from a C++ lambda reduce locally") {
  parley::Op max_op = parley::Op::Create(int_max, true);
  CHECK(max_op.Is_commutative());
  std::array<int, 3> in{5, 1, 9}, io{2, 7, 3};
  max_op.Reduce_local(in, io);
  CHECK((io == std::array<int, 3>{5, 7, 9}));
  parley::Op minus =
      parley::Op::Create<double>([](const double& a, const double& b) { return a - b; }, false);
  CHECK(!minus.Is_commutative());
  std::vector<double> a{10, 20}, b{1, 2};
  minus.Reduce_local(a, b);
  CHECK(b[0] == 9 && b[1] == 18);
  parley::SUM.Reduce_local(a, b);
  CHECK(b[0] == 19);
  CHECK(parley::SUM.Is_commutative());
  max_op.Free();
  max_op.Free();
}

TEST_CASE("Pack and Unpack round-trip through a buffer of Pack_size bytes; external32 too") {
  const auto& c = parley::COMM_WORLD;
  std::array<int, 3> ints{1, -2, 3};
  std::array<double, 2> dbl{0.5, -8.25};
  const int size = parley::INT.Pack_size(3, c) + parley::DOUBLE.Pack_size(2, c);
  std::vector<char> packed(static_cast<std::size_t>(size));
  int pos = parley::INT.Pack(ints.data(), 3, packed.data(), size, 0, c);
  pos = parley::DOUBLE.Pack(dbl.data(), 2, packed.data(), size, pos, c);
  CHECK(pos > 0 && pos <= size);
  std::array<int, 3> ints2{};
  std::array<double, 2> dbl2{};
  int at = parley::INT.Unpack(packed.data(), pos, 0, ints2.data(), 3, c);
  at = parley::DOUBLE.Unpack(packed.data(), pos, at, dbl2.data(), 2, c);
  CHECK(at == pos && ints2 == ints && dbl2 == dbl);
  MPI_Aint ext = parley::INT.Pack_external_size("external32", 3);
  CHECK(ext == 12);
  std::vector<char> xb(static_cast<std::size_t>(ext));
  CHECK(parley::INT.Pack_external("external32", ints.data(), 3, xb.data(), ext, 0) == 12);
  CHECK(xb[3] == 1 && xb[0] == 0);  // big-endian
  ints2 = {};
  CHECK(parley::INT.Unpack_external("external32", xb.data(), ext, 0, ints2.data(), 3) == 12 && ints2 == ints);
}

TEST_CASE("Create_darray, Match_size and Get_envelope") {
  // An 8x6 array of ints in blocks over a 2x1 process grid: each process owns 4x6.
  for (int r = 0; r < 2; ++r) {
    parley::Datatype d =
        parley::INT
            .Create_darray(2, r, {8, 6}, {parley::DISTRIBUTE_BLOCK, parley::DISTRIBUTE_BLOCK},
                           {parley::DISTRIBUTE_DFLT_DARG, parley::DISTRIBUTE_DFLT_DARG}, {2, 1})
            .Commit();
    CHECK(d.Get_size() == 24 * static_cast<int>(sizeof(int)));
    CHECK(d.Get_envelope()[3] == parley::COMBINER_DARRAY);
  }
  CHECK(parley::Datatype::Match_size(parley::TYPECLASS_REAL, 8).Get_size() == 8);
  CHECK(parley::Datatype::Match_size(parley::TYPECLASS_INTEGER, 4).Get_size() == 4);
  CHECK(parley::DOUBLE.Get_envelope()[3] == parley::COMBINER_NAMED);
  parley::Datatype v = parley::INT.Create_vector(3, 1, 2);
  std::array<int, 4> e = v.Get_envelope();
  CHECK(e[0] == 3 && e[1] == 0 && e[2] == 1 && e[3] == parley::COMBINER_VECTOR);
}

int main() { return harness::run("cxx-datatype"); }
