// Collectives through the C++ API, upper-case (typed buffers, counts deduced per process, IN_PLACE) and
// lower-case (objects, any callable as the reduction op), on WORLD and on a split. On an MPI without
// collectives every case is skipped (the harness prints "SKIP collectives: ...").
#include <numeric>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {
std::vector<parley::Intracomm> comms() {
  std::vector<parley::Intracomm> all;
  all.push_back(parley::COMM_WORLD.Dup());
  all.push_back(parley::COMM_WORLD.Split(parley::COMM_WORLD.Get_rank() % 2, 0));
  return all;
}
}  // namespace

COLL_CASE("Barrier, Bcast, Gather, Scatter, Allgather and Alltoall move the expected blocks") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    c.Barrier();
    std::vector<int> b(3, r == 0 ? 42 : -1);
    c.Bcast(b, 0);
    CHECK(b[2] == 42);
    std::array<int, 2> mine{r, 10 * r};
    std::vector<int> all(r == 0 ? static_cast<std::size_t>(2 * n) : 0);
    if (r == 0)
      c.Gather(mine, all, 0);
    else
      c.Gather(mine, nullptr, 0);
    if (r == 0)
      for (int i = 0; i < n; ++i) CHECK(all[static_cast<std::size_t>(2 * i + 1)] == 10 * i);
    std::vector<int> deal(static_cast<std::size_t>(n));
    std::iota(deal.begin(), deal.end(), 100);
    int got = -1;
    c.Scatter(deal, got, 0);
    CHECK(got == 100 + r);
    std::vector<double> everyone(static_cast<std::size_t>(n));
    c.Allgather(static_cast<double>(r), everyone);
    for (int i = 0; i < n; ++i) CHECK(everyone[static_cast<std::size_t>(i)] == i);
    std::vector<int> out(static_cast<std::size_t>(n)), in(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = r * 100 + i;
    c.Alltoall(out, in);
    for (int i = 0; i < n; ++i) CHECK(in[static_cast<std::size_t>(i)] == i * 100 + r);
    // IN_PLACE allgather.
    std::vector<int> ip(static_cast<std::size_t>(n), -1);
    ip[static_cast<std::size_t>(r)] = r * 3;
    c.Allgather(parley::IN_PLACE, ip);
    for (int i = 0; i < n; ++i) CHECK(ip[static_cast<std::size_t>(i)] == 3 * i);
  }
}

COLL_CASE("the v variants honour per-process counts and default packed displacements") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    std::vector<int> counts(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) counts[static_cast<std::size_t>(i)] = i + 1;
    const int total = n * (n + 1) / 2;
    std::vector<int> mine(static_cast<std::size_t>(r + 1), r);
    std::vector<int> all(static_cast<std::size_t>(total), -1);
    c.Allgatherv(mine, all, counts);
    for (int i = 0, at = 0; i < n; at += i + 1, ++i) CHECK(all[static_cast<std::size_t>(at + i)] == i);
    std::vector<int> g(r == 0 ? static_cast<std::size_t>(total) : 0);
    c.Gatherv(mine, g, counts, {}, 0);
    if (r == 0) CHECK(g == all);
    std::vector<int> back(static_cast<std::size_t>(r + 1), -1);
    c.Scatterv(all, counts, {}, back, 0);
    CHECK(back == mine);
    // Alltoallv: one element to everyone, displacements defaulted.
    std::vector<int> ones(static_cast<std::size_t>(n), 1), out(static_cast<std::size_t>(n), r),
        in(static_cast<std::size_t>(n));
    c.Alltoallv(out, ones, {}, in, ones);
    for (int i = 0; i < n; ++i) CHECK(in[static_cast<std::size_t>(i)] == i);
    // Alltoallw: the same with explicit byte displacements and types.
    std::vector<int> bytes(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) bytes[static_cast<std::size_t>(i)] = i * static_cast<int>(sizeof(int));
    std::vector<MPI_Datatype> types(static_cast<std::size_t>(n), MPI_INT);
    std::vector<int> inw(static_cast<std::size_t>(n), -1);
    c.Alltoallw(out.data(), ones, bytes, types, inw.data(), ones, bytes, types);
    CHECK(inw == in);
  }
}

COLL_CASE("Reduce, Allreduce, Reduce_scatter, Scan and Exscan with predefined and user ops") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    std::array<long, 2> v{r, 1}, sum{};
    c.Reduce(v, sum, parley::SUM, 0);
    if (r == 0) CHECK(sum[0] == n * (n - 1) / 2 && sum[1] == n);
    double mx = 0;
    c.Allreduce(static_cast<double>(r), mx, parley::MAX);
    CHECK(mx == n - 1);
    int inplace = r + 1;
    c.Allreduce(parley::IN_PLACE, inplace, parley::PROD);
    int fact = 1;
    for (int i = 1; i <= n; ++i) fact *= i;
    CHECK(inplace == fact);
    parley::Op maxop =
        parley::Op::Create<int>([](const int& a, const int& b) { return a > b ? a : b; }, true);
    int umax = 0;
    c.Allreduce(r * 7, umax, maxop);
    CHECK(umax == (n - 1) * 7);
    std::vector<int> each(static_cast<std::size_t>(n), 1);
    int block = 0;
    c.Reduce_scatter_block(each, block);
    CHECK(block == n);
    std::vector<int> counts(static_cast<std::size_t>(n), 1);
    int rs = 0;
    c.Reduce_scatter(each, rs, counts);
    CHECK(rs == n);
    int prefix = 0;
    c.Scan(r + 1, prefix);
    CHECK(prefix == (r + 1) * (r + 2) / 2);
    int ex = -1;
    c.Exscan(r + 1, ex);
    if (r > 0) CHECK(ex == r * (r + 1) / 2);
    parley::Request req = c.Iallreduce(r, prefix);
    req.Wait();
    CHECK(prefix == n * (n - 1) / 2);
    parley::Request ib = c.Ibarrier();
    ib.Wait();
  }
}

COLL_CASE("object collectives: bcast, scatter, gather, allgather, alltoall") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    std::map<std::string, std::vector<int>> cfg;
    if (r == 0) cfg["steps"] = {1, 2, 3};
    cfg = c.bcast(cfg, 0);
    CHECK(cfg.at("steps").size() == 3);
    std::vector<std::string> jobs;
    if (r == 0)
      for (int i = 0; i < n; ++i) jobs.push_back("job " + std::to_string(i));
    CHECK(c.scatter(jobs, 0) == "job " + std::to_string(r));
    std::vector<std::string> names = c.gather(std::string(static_cast<std::size_t>(r + 1), 'a'), 0);
    CHECK(r == 0 ? names.size() == static_cast<std::size_t>(n) &&
                       names.back().size() == static_cast<std::size_t>(n)
                 : names.empty());
    std::vector<std::vector<int>> all = c.allgather(std::vector<int>(static_cast<std::size_t>(r), r));
    CHECK(all.size() == static_cast<std::size_t>(n) &&
          all[static_cast<std::size_t>(n - 1)].size() == static_cast<std::size_t>(n - 1));
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(std::to_string(r) + "->" + std::to_string(i));
    std::vector<std::string> in = c.alltoall(out);
    for (int i = 0; i < n; ++i)
      CHECK(in[static_cast<std::size_t>(i)] == std::to_string(i) + "->" + std::to_string(r));
  }
}

COLL_CASE("object reductions fold in rank order with any callable") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    std::string me(1, static_cast<char>('a' + r));
    std::string all_in_order;
    for (int i = 0; i < n; ++i) all_in_order += static_cast<char>('a' + i);
    std::optional<std::string> red = c.reduce(me, std::plus<>{}, 0);  // concatenation: not commutative
    CHECK(r == 0 ? red == all_in_order : !red.has_value());
    CHECK(c.allreduce(me) == all_in_order);
    CHECK(c.allreduce(r, [](int a, int b) { return a > b ? a : b; }) == n - 1);
    CHECK(c.scan(me) == all_in_order.substr(0, static_cast<std::size_t>(r + 1)));
    std::optional<std::string> ex = c.exscan(me);
    CHECK(r == 0 ? !ex.has_value() : *ex == all_in_order.substr(0, static_cast<std::size_t>(r)));
    c.barrier();
  }
}

int main() { return harness::run("cxx-coll"); }
