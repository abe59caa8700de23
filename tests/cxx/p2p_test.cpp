// Point-to-point through the C++ API (upper-case, typed buffers): deduced buffers, explicit buffers,
// registered structs, nonblocking and persistent requests, probes and matched probes, buffered and
// synchronous modes, generalized requests, cancellation, and the exceptions bad arguments raise.
// Every exchange runs around a ring, so it works at any size (1 included) and on several communicators.
#include <array>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

struct Particle {
  double pos[3];
  float mass;
  int id;
  std::array<short, 2> flags;
};

}  // namespace

template <>
struct parley::datatype_traits<Particle>
    : parley::struct_type<&Particle::pos, &Particle::mass, &Particle::id, &Particle::flags> {};

namespace {

// WORLD, a duplicate, and a split that reverses the rank order.
std::vector<parley::Intracomm> comms() {
  std::vector<parley::Intracomm> all;
  all.push_back(parley::Intracomm(parley::COMM_WORLD.handle()));  // a view of the raw handle
  all.push_back(parley::COMM_WORLD.Dup());
  all.push_back(parley::COMM_WORLD.Split(0, parley::COMM_WORLD.Get_size() - parley::COMM_WORLD.Get_rank()));
  return all;
}

int next(const parley::Comm& c) { return (c.Get_rank() + 1) % c.Get_size(); }
int prev(const parley::Comm& c) { return (c.Get_rank() + c.Get_size() - 1) % c.Get_size(); }

}  // namespace

TEST_CASE("Send and Recv deduce count and datatype from vector, array, C array, string, span and scalars") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), from = prev(c);
    std::vector<double> v{r + 0.5, r + 1.5, r + 2.5};
    std::array<int, 4> a{r, r * 2, r * 3, r * 4};
    long carr[2] = {100L + r, 200L + r};
    std::string s = "rank " + std::to_string(r);
    s.resize(8, '.');
    std::vector<std::complex<double>> z{{1.0 * r, -1.0}};
    unsigned long long scalar = 1000ULL + static_cast<unsigned long long>(r);
    bool flag = (r % 2) == 0;
    std::vector<parley::Request> sends;
    sends.push_back(c.Isend(v, next(c), 1));
    sends.push_back(c.Isend(a, next(c), 2));
    sends.push_back(c.Isend(carr, next(c), 3));
    sends.push_back(c.Isend(s, next(c), 4));
    sends.push_back(c.Isend(std::span<const double>(v).subspan(1), next(c), 5));
    sends.push_back(c.Isend(z, next(c), 6));
    sends.push_back(c.Isend(scalar, next(c), 7));
    sends.push_back(c.Isend(flag, next(c), 8));

    std::vector<double> rv(3);
    std::array<int, 4> ra{};
    long rc[2] = {};
    std::string rs(8, ' ');
    std::vector<double> tail(2);
    std::vector<std::complex<double>> rz(1);
    unsigned long long rscalar = 0;
    bool rflag = false;
    parley::Status st;
    c.Recv(rv, from, 1, &st);
    CHECK(st.Get_source() == from && st.Get_tag() == 1 && st.Get_count(parley::DOUBLE) == 3);
    c.Recv(ra, from, 2);
    c.Recv(rc, from, 3);
    c.Recv(rs, from, 4);
    c.Recv(std::span<double>(tail), from, 5);
    c.Recv(rz, from, 6);
    c.Recv(rscalar, from, 7);
    c.Recv(rflag, from, 8);
    parley::Request::Waitall(sends);
    for (auto& q : sends) CHECK(q.Is_null());
    CHECK(rv[0] == from + 0.5 && rv[2] == from + 2.5);
    CHECK(ra[3] == from * 4);
    CHECK(rc[0] == 100L + from && rc[1] == 200L + from);
    CHECK(rs.rfind("rank " + std::to_string(from), 0) == 0);
    CHECK(tail[0] == from + 1.5 && tail[1] == from + 2.5);
    CHECK(rz[0] == std::complex<double>(1.0 * from, -1.0));
    CHECK(rscalar == 1000ULL + static_cast<unsigned long long>(from));
    CHECK(rflag == ((from % 2) == 0));
  }
}

TEST_CASE("explicit (pointer, count, Datatype) buffers carry a derived vector type") {
  const auto& c = parley::COMM_WORLD;
  // A 4x4 row-major matrix; column 1 travels as one element of a committed vector type.
  std::vector<int> m(16);
  for (int i = 0; i < 16; ++i) m[static_cast<std::size_t>(i)] = c.Get_rank() * 100 + i;
  parley::Datatype column = parley::INT.Create_vector(4, 1, 4).Commit();
  CHECK(column.Get_size() == 4 * static_cast<int>(sizeof(int)));
  parley::Request s = c.Isend(parley::buffer(m.data() + 1, 1, column), next(c), 9);
  std::vector<int> col(4);
  c.Recv(parley::buffer(col.data(), 4, parley::INT), prev(c), 9);
  s.Wait();
  for (int i = 0; i < 4; ++i) CHECK(col[static_cast<std::size_t>(i)] == prev(c) * 100 + 1 + 4 * i);
  // Typed pointer form: the datatype is deduced from the pointer.
  parley::Request s2 = c.Isend(parley::buffer(m.data(), 3), next(c), 10);
  int first3[3] = {};
  c.Recv(parley::buffer(first3, 3), prev(c), 10);
  s2.Wait();
  CHECK(first3[2] == prev(c) * 100 + 2);
  column.Free();
  column.Free();  // twice is harmless
  CHECK(column.Is_null());
}

TEST_CASE("a registered struct travels as one datatype, padding skipped, arrays of it included") {
  const auto& c = parley::COMM_WORLD;
  CHECK(parley::has_datatype<Particle>);
  std::vector<Particle> out(5);
  for (int i = 0; i < 5; ++i) {
    Particle& p = out[static_cast<std::size_t>(i)];
    p.pos[0] = i;
    p.pos[1] = c.Get_rank();
    p.pos[2] = -i;
    p.mass = 0.25f * static_cast<float>(i);
    p.id = c.Get_rank() * 10 + i;
    p.flags = {static_cast<short>(i), static_cast<short>(-i)};
  }
  parley::Request s = c.Isend(out, next(c), 11);
  std::vector<Particle> in(5);
  parley::Status st;
  c.Recv(in, prev(c), 11, &st);
  s.Wait();
  CHECK(st.Get_count(parley::Datatype(parley::datatype_of<Particle>())) == 5);
  for (int i = 0; i < 5; ++i) {
    const Particle& p = in[static_cast<std::size_t>(i)];
    CHECK(p.pos[0] == i && p.pos[1] == prev(c) && p.pos[2] == -i);
    CHECK(p.mass == 0.25f * static_cast<float>(i) && p.id == prev(c) * 10 + i);
    CHECK(p.flags[0] == i && p.flags[1] == -i);
  }
}

TEST_CASE("Sendrecv and Sendrecv_replace shift values around the ring") {
  for (const parley::Intracomm& c : comms()) {
    int mine = c.Get_rank(), got = -1;
    parley::Status st;
    c.Sendrecv(mine, next(c), 12, got, prev(c), 12, &st);
    CHECK(got == prev(c) && st.Get_source() == prev(c));
    std::vector<int> buf{c.Get_rank(), 7};
    c.Sendrecv_replace(buf, next(c), 13, prev(c), 13);
    CHECK(buf[0] == prev(c) && buf[1] == 7);
  }
}

TEST_CASE("Probe and Iprobe report source, tag and count; Mprobe's Message receives that very message") {
  for (const parley::Intracomm& c : comms()) {
    std::vector<short> v(7, static_cast<short>(c.Get_rank()));
    parley::Request s = c.Isend(v, next(c), 14);
    parley::Status st;
    c.Probe(prev(c), 14, &st);
    CHECK(st.Get_source() == prev(c) && st.Get_tag() == 14 && st.Get_count(parley::SHORT) == 7);
    CHECK(c.Iprobe(parley::ANY_SOURCE, 14));
    parley::Message m = c.Mprobe(parley::ANY_SOURCE, 14, &st);
    CHECK(m && st.Get_count(parley::SHORT) == 7);
    std::vector<short> in(7);
    m.Recv(in, &st);
    CHECK(!m && in[6] == prev(c) && st.Get_source() == prev(c));
    s.Wait();
    CHECK(!c.Iprobe(parley::ANY_SOURCE, 14));
    CHECK(!c.Improbe(parley::ANY_SOURCE, 14).has_value());
    // Improbe + Irecv on a Message.
    parley::Request s2 = c.Isend(v, next(c), 15);
    std::optional<parley::Message> om;
    while (!(om = c.Improbe(prev(c), 15))) {
    }
    parley::Request r = om->Irecv(in);
    r.Wait();
    s2.Wait();
    CHECK(in[0] == prev(c));
  }
}

TEST_CASE("Waitany, Waitsome, Testall and Testany complete many requests") {
  const auto& c = parley::COMM_WORLD;
  constexpr int n = 40;  // more than the 32 handles kept on the stack
  std::vector<int> in(n, -1), out(n);
  std::vector<parley::Request> recvs, sends;
  for (int i = 0; i < n; ++i) recvs.push_back(c.Irecv(in[static_cast<std::size_t>(i)], prev(c), 100 + i));
  for (int i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = c.Get_rank() * 1000 + i;
    sends.push_back(c.Isend(out[static_cast<std::size_t>(i)], next(c), 100 + i));
  }
  parley::Status st;
  int idx = parley::Request::Waitany(recvs, &st);
  CHECK(idx >= 0 && idx < n && recvs[static_cast<std::size_t>(idx)].Is_null() && st.Get_tag() == 100 + idx);
  int done = 1;
  while (done < n) {
    std::vector<parley::Status> sts;
    std::vector<int> some = parley::Request::Waitsome(recvs, &sts);
    CHECK(!some.empty() && sts.size() == some.size());
    done += static_cast<int>(some.size());
  }
  CHECK(parley::Request::Waitsome(recvs).empty());  // none active any more
  auto [any_index, any_flag] = parley::Request::Testany(recvs);
  CHECK(any_flag && any_index == parley::UNDEFINED);
  while (!parley::Request::Testall(sends)) {
  }
  for (int i = 0; i < n; ++i) CHECK(in[static_cast<std::size_t>(i)] == prev(c) * 1000 + i);
}

TEST_CASE("persistent Send_init and Recv_init restart with new contents; Startall starts both") {
  const auto& c = parley::COMM_WORLD;
  std::array<int, 2> out{}, in{};
  std::vector<parley::Prequest> reqs;
  reqs.push_back(c.Recv_init(in, prev(c), 16));
  reqs.push_back(c.Send_init(out, next(c), 16));
  for (int round = 0; round < 3; ++round) {
    out = {c.Get_rank(), round};
    parley::Prequest::Startall(reqs);
    parley::Request::Waitall(reqs);
    CHECK(in[0] == prev(c) && in[1] == round);
    CHECK(!reqs[0].Is_null());  // persistent requests stay allocated, inactive
  }
  reqs[0].Start();
  reqs[1].Start();
  reqs[1].Wait();
  reqs[0].Wait();
}

TEST_CASE("Bsend goes through the attached buffer; Ssend and Issend complete with their receive") {
  const auto& c = parley::COMM_WORLD;
  std::vector<char> space(4096 + parley::BSEND_OVERHEAD);
  parley::Attach_buffer(space.data(), static_cast<int>(space.size()));
  std::vector<double> v(16, c.Get_rank());
  c.Bsend(v, next(c), 17);  // completes locally, even before the receive is posted
  std::vector<double> in(16);
  c.Recv(in, prev(c), 17);
  CHECK(in[15] == prev(c));
  auto [addr, size] = parley::Detach_buffer();
  CHECK(addr == space.data() && size == static_cast<int>(space.size()));
  parley::Request r = c.Irecv(in, prev(c), 18);
  parley::Request s = c.Issend(v, next(c), 18);
  r.Wait();
  s.Wait();
  CHECK(in[0] == prev(c));
}

TEST_CASE("a Grequest completes when the program says so and its query fills the status") {
  int queried = 0, freed = 0;
  parley::Grequest g = parley::Grequest::Start(
      [&](parley::Status& st) {
        ++queried;
        st.Set_source(42);
        st.Set_tag(7);
        st.Set_elements(parley::BYTE, 5);
      },
      [&] { ++freed; });
  CHECK(!g.Test());
  g.Complete();
  parley::Status st;
  g.Wait(&st);
  CHECK(queried >= 1 && freed == 1 && g.Is_null());
  CHECK(st.Get_source() == 42 && st.Get_tag() == 7 && st.Get_count() == 5);
}

TEST_CASE("Cancel of a receive nobody matches reports Is_cancelled") {
  const auto& c = parley::COMM_SELF;
  int x = 0;
  parley::Request r = c.Irecv(x, 0, 999);
  r.Cancel();
  parley::Status st;
  r.Wait(&st);
  CHECK(st.Is_cancelled());
}

TEST_CASE("PROC_NULL sends and receives complete at once with an empty status") {
  const auto& c = parley::COMM_WORLD;
  int x = 5;
  c.Send(x, parley::PROC_NULL, 0);
  parley::Status st;
  c.Recv(x, parley::PROC_NULL, 0, &st);
  CHECK(x == 5 && st.Get_source() == parley::PROC_NULL && st.Get_count() == 0);
}

TEST_CASE("bad arguments throw parley::Exception with the right error class") {
  const auto& c = parley::COMM_WORLD;
  int x = 1;
  CHECK_THROWS_CLASS(MPI_ERR_RANK, c.Send(x, c.Get_size(), 0));
  CHECK_THROWS_CLASS(MPI_ERR_TAG, c.Send(x, 0, -5));
  try {
    c.Send(x, c.Get_size() + 3, 0);
    CHECK(false);
  } catch (const parley::Exception& e) {
    CHECK(e.Get_error_class() == parley::ERR_RANK);
    CHECK(!e.Get_error_string().empty() && std::string(e.what()).size() > 0);
    const std::runtime_error& base = e;  // an Exception is a std::runtime_error
    CHECK(base.what() == e.what());
  }
  // Truncation: a 4-int message into a 2-int buffer.
  std::array<int, 4> four{1, 2, 3, 4};
  std::array<int, 2> two{};
  parley::Request s = parley::COMM_SELF.Isend(four, 0, 3);
  CHECK_THROWS_CLASS(MPI_ERR_TRUNCATE, parley::COMM_SELF.Recv(two, 0, 3));
  s.Wait();
}

TEST_CASE("Status defaults and setters") {
  parley::Status st;
  CHECK(st.Get_source() == parley::ANY_SOURCE && st.Get_tag() == parley::ANY_TAG &&
        st.Get_error() == parley::SUCCESS);
  st.Set_source(3);
  st.Set_tag(4);
  st.Set_elements(parley::INT, 6);
  st.Set_cancelled(true);
  CHECK(st.Get_source() == 3 && st.Get_tag() == 4 && st.Get_count(parley::INT) == 6 && st.Is_cancelled());
}

int main() { return harness::run("cxx-p2p"); }
