// Lower-case (object) point-to-point: nested standard containers, strings, tuples, optionals, variants
// and user types with a serialize member travel with send/recv, isend/irecv (whose wait() yields the
// object), sendrecv and matched probes; receives need no size in advance. Vectors and strings of numbers
// travel as their bytes (the typed and object paths interoperate).
#include <complex>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "harness.hpp"

namespace {

struct Mesh {
  std::string name;
  std::vector<std::vector<double>> cells;
  std::map<std::string, int> tags;
  bool operator==(const Mesh&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, cells, tags);
  }
};

Mesh make_mesh(int rank) {
  Mesh m;
  m.name = "mesh of rank " + std::to_string(rank);
  for (int i = 0; i <= rank; ++i)
    m.cells.push_back(std::vector<double>(static_cast<std::size_t>(i + 1), rank + 0.5 * i));
  m.tags["rank"] = rank;
  m.tags["cells"] = rank + 1;
  return m;
}

using Nested = std::map<int, std::vector<std::pair<std::string, std::set<int>>>>;

Nested make_nested(int rank) {
  Nested n;
  n[rank] = {{"a", {1, 2, rank}}, {"b", {}}};
  n[-1] = {{std::string(1000, 'x'), {rank}}};
  return n;
}

int next(const parley::Comm& c) { return (c.Get_rank() + 1) % c.Get_size(); }
int prev(const parley::Comm& c) { return (c.Get_rank() + c.Get_size() - 1) % c.Get_size(); }

std::vector<parley::Intracomm> comms() {
  std::vector<parley::Intracomm> all;
  all.push_back(parley::COMM_WORLD.Dup());
  all.push_back(parley::COMM_WORLD.Split(0, -parley::COMM_WORLD.Get_rank()));
  return all;
}

}  // namespace

TEST_CASE("send and recv round-trip nested containers and a user type around the ring") {
  for (const parley::Intracomm& c : comms()) {
    parley::SendRequest s1 = c.isend(make_mesh(c.Get_rank()), next(c), 1);
    parley::SendRequest s2 = c.isend(make_nested(c.Get_rank()), next(c), 2);
    parley::Status st;
    Mesh m = c.recv<Mesh>(prev(c), 1, &st);
    CHECK(m == make_mesh(prev(c)));
    CHECK(st.Get_source() == prev(c) && st.Get_tag() == 1);
    CHECK(c.recv<Nested>(prev(c), 2) == make_nested(prev(c)));
    s1.wait();
    s2.wait();
  }
}

TEST_CASE("tuples, optionals, variants and strings keep their values") {
  const auto& c = parley::COMM_WORLD;
  using T =
      std::tuple<int, std::optional<std::string>, std::variant<double, std::string>, std::optional<int>>;
  T out{c.Get_rank(), std::string("hello"), std::string("variant"), std::nullopt};
  parley::SendRequest s = c.isend(out, next(c), 3);
  T in = c.recv<T>(prev(c), 3);
  s.wait();
  CHECK(std::get<0>(in) == prev(c) && std::get<1>(in) == std::string("hello"));
  CHECK(std::get<std::string>(std::get<2>(in)) == "variant" && !std::get<3>(in).has_value());
}

TEST_CASE("irecv's wait() yields the object; test() returns nullopt until it has arrived") {
  const auto& c = parley::COMM_WORLD;
  parley::RecvRequest<std::vector<std::string>> r = c.irecv<std::vector<std::string>>(prev(c), 4);
  std::vector<std::string> words{"one", "two", std::to_string(c.Get_rank())};
  parley::SendRequest s = c.isend(words, next(c), 4);
  std::vector<std::string> got = r.wait();
  CHECK(got.size() == 3 && got[2] == std::to_string(prev(c)));
  s.wait();
  // test() path: poll until the object is there.
  parley::RecvRequest<int> r2 = c.irecv<int>(prev(c), 5);
  parley::SendRequest s2 = c.isend(c.Get_rank() * 7, next(c), 5);
  std::optional<int> v;
  while (!(v = r2.test())) {
  }
  CHECK(*v == prev(c) * 7);
  s2.wait();
}

TEST_CASE("sendrecv exchanges objects of different types without deadlock") {
  for (const parley::Intracomm& c : comms()) {
    std::string got = c.sendrecv<std::string>(std::string(c.Get_rank() + 1, 'z'), next(c), 6, prev(c), 6);
    CHECK(got == std::string(prev(c) + 1, 'z'));
  }
}

TEST_CASE("mprobe matches a message whose Message.recv yields the object; probe and iprobe see it") {
  const auto& c = parley::COMM_WORLD;
  parley::SendRequest s = c.isend(std::vector<int>(100, c.Get_rank()), next(c), 7);
  CHECK(c.probe(prev(c), 7));
  CHECK(c.iprobe(prev(c), 7));
  parley::Message m = c.mprobe(prev(c), 7);
  std::vector<int> v = m.recv<std::vector<int>>();
  CHECK(v.size() == 100 && v[99] == prev(c));
  s.wait();
}

TEST_CASE("a large object (1 MiB of doubles) travels whole") {
  const auto& c = parley::COMM_WORLD;
  std::vector<double> big(131072);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i) + c.Get_rank();
  parley::SendRequest s = c.isend(big, next(c), 8);
  std::vector<double> in = c.recv<std::vector<double>>(prev(c), 8);
  s.wait();
  CHECK(in.size() == big.size() && in[12345] == 12345.0 + prev(c));
}

TEST_CASE("recv from PROC_NULL yields a default object") {
  CHECK(parley::COMM_WORLD.recv<std::string>(parley::PROC_NULL, 0).empty());
}

TEST_CASE("vectors and strings of numbers travel as their bytes: a typed Recv takes what send sent") {
  for (const parley::Intracomm& c : comms()) {
    std::vector<double> v(1000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = c.Get_rank() + 0.25 * static_cast<double>(i);
    parley::Request typed = c.Isend(std::span<const double>(v), next(c), 20);  // typed send, object receive
    std::vector<double> got = c.recv<std::vector<double>>(prev(c), 20);
    typed.Wait();
    CHECK(got.size() == 1000 && got[999] == prev(c) + 0.25 * 999);
    parley::Request r = c.Irecv(got, prev(c), 21);  // object send, typed receive
    c.send(v, next(c), 21);
    r.Wait();
    CHECK(got[1] == prev(c) + 0.25);
    // irecv (wait and test), ssend, complex numbers, a string and an empty vector.
    parley::RecvRequest<std::vector<std::complex<float>>> rc =
        c.irecv<std::vector<std::complex<float>>>(prev(c), 22);
    parley::RecvRequest<std::string> rs = c.irecv<std::string>(prev(c), 23);
    parley::RecvRequest<std::vector<int>> re = c.irecv<std::vector<int>>(prev(c), 24);
    parley::SendRequest sc =
        c.isend(std::vector<std::complex<float>>(3, {1.0f, float(c.Get_rank())}), next(c), 22);
    parley::SendRequest ss = c.issend(std::string(c.Get_rank() + 3, 's'), next(c), 23);
    parley::SendRequest se = c.isend(std::vector<int>{}, next(c), 24);
    std::optional<std::vector<std::complex<float>>> cv;
    while (!(cv = rc.test())) {
    }
    CHECK(cv->size() == 3 && (*cv)[2] == std::complex<float>(1.0f, float(prev(c))));
    CHECK(rs.wait() == std::string(prev(c) + 3, 's'));
    CHECK(re.wait().empty());
    sc.wait();
    ss.wait();
    se.wait();
  }
}

TEST_CASE("a message that is not a whole number of elements throws ERR_TRUNCATE and is consumed") {
  const auto& c = parley::COMM_WORLD;
  std::vector<char> odd(7, 'x');
  for (int round = 0; round < 3; ++round) {
    parley::Request s = c.Isend(odd, next(c), 25);
    bool threw = false;
    try {
      if (round == 0) (void)c.recv<std::vector<double>>(prev(c), 25);
      if (round == 1) (void)c.irecv<std::vector<double>>(prev(c), 25).wait();
      if (round == 2) {
        parley::RecvRequest<std::vector<double>> r = c.irecv<std::vector<double>>(prev(c), 25);
        while (!r.test()) {
        }
      }
    } catch (const parley::Exception& e) {
      threw = e.Get_error_class() == parley::ERR_TRUNCATE;
    }
    CHECK(threw);
    s.Wait();
  }
  parley::SendRequest last = c.isend(std::vector<double>{1.5}, next(c), 25);
  CHECK(c.recv<std::vector<double>>(prev(c), 25) == std::vector<double>{1.5});  // the failed ones took theirs
  last.wait();
}

int main() { return harness::run("cxx-object"); }
