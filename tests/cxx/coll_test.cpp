// Collectives through the C++ API, upper-case (typed buffers, counts deduced per process, IN_PLACE) and
// lower-case (objects, any callable as the reduction op), on WORLD and on a split. On an MPI without
// collectives every case is skipped (the harness prints "SKIP collectives: ...").
#include <array>
#include <cstdio>
#include <numeric>
#include <span>
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
// MPICH 4.0's persistent collectives are not usable: MPI_Gather_init never gathers and MPI_Scatter_init
// fails when started a second time (plain C programs show both), and started together they deliver wrong
// blocks; the persistent case is skipped there.
bool mpich_4_0() { return parley::Get_library_version().find("MPICH Version:\t4.0") != std::string::npos; }
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

COLL_CASE("every nonblocking collective gives what its blocking form gives") {
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    const auto un = static_cast<std::size_t>(n);
    std::vector<int> counts(un), displs(un), ones(un, 1), iota(un), bytes(un);
    for (int i = 0; i < n; ++i) {
      counts[static_cast<std::size_t>(i)] = i + 1;
      displs[static_cast<std::size_t>(i)] = i * (i + 1) / 2;
      iota[static_cast<std::size_t>(i)] = i;
      bytes[static_cast<std::size_t>(i)] = i * static_cast<int>(sizeof(int));
    }
    const int total = n * (n + 1) / 2;
    std::vector<int> deal(un);
    for (int i = 0; i < n; ++i) deal[static_cast<std::size_t>(i)] = 100 + i;
    int got = -1;
    parley::Request q = c.Iscatter(deal, got, 0);
    q.Wait();
    CHECK(got == 100 + r);
    std::vector<int> mine(static_cast<std::size_t>(r + 1), r), all(static_cast<std::size_t>(total), -1);
    std::vector<parley::Request> reqs;
    reqs.push_back(c.Iallgatherv(mine, all, counts, displs));
    std::vector<int> g(r == 0 ? static_cast<std::size_t>(total) : 0, -1);
    reqs.push_back(c.Igatherv(mine, g, counts, displs, 0));
    parley::Request::Waitall(reqs);
    for (int i = 0; i < n; ++i)
      CHECK(all[static_cast<std::size_t>(displs[static_cast<std::size_t>(i)] + i)] == i);
    if (r == 0) CHECK(g == all);
    std::vector<int> back(static_cast<std::size_t>(r + 1), -1);
    parley::Request sv = c.Iscatterv(all, counts, displs, back, 0);
    sv.Wait();
    CHECK(back == mine);
    std::vector<int> out(un), in(un, -1), inv(un, -1), inw(un, -1);
    for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = r * 100 + i;
    std::vector<MPI_Datatype> types(un, MPI_INT);
    reqs.clear();
    reqs.push_back(c.Ialltoall(out, in));
    reqs.push_back(c.Ialltoallv(out, ones, iota, inv, ones, iota));
    reqs.push_back(c.Ialltoallw(out.data(), ones, bytes, types, inw.data(), ones, bytes, types));
    parley::Request::Waitall(reqs);
    for (int i = 0; i < n; ++i) CHECK(in[static_cast<std::size_t>(i)] == i * 100 + r);
    CHECK(inv == in && inw == in);
    std::array<long, 2> v{r, 1}, sum{};
    std::vector<int> each(un, 1);
    int block = 0, rs = 0, prefix = 0, ex = -1;
    reqs.clear();
    if (r == 0)
      reqs.push_back(c.Ireduce(v, sum, parley::SUM, 0));
    else
      reqs.push_back(c.Ireduce(v, nullptr, parley::SUM, 0));
    reqs.push_back(c.Ireduce_scatter_block(each, block));
    reqs.push_back(c.Ireduce_scatter(each, rs, ones));
    reqs.push_back(c.Iscan(r + 1, prefix));
    reqs.push_back(c.Iexscan(r + 1, ex));
    parley::Request::Waitall(reqs);
    if (r == 0) CHECK(sum[0] == n * (n - 1) / 2 && sum[1] == n);
    CHECK(block == n && rs == n && prefix == (r + 1) * (r + 2) / 2);
    if (r > 0) CHECK(ex == r * (r + 1) / 2);
  }
}

COLL_CASE("persistent collectives restart with the buffers' new contents") {
  if (mpich_4_0()) {
    if (parley::COMM_WORLD.Get_rank() == 0) {
      // Flushed at once: MPICH forwards each rank's output in chunks, and a half-written line at exit
      // would be spliced with another rank's pass line.
      std::printf("SKIP persistent collectives: broken in MPICH 4.0\n");
      std::fflush(stdout);
    }
    return;
  }
  for (const parley::Intracomm& c : comms()) {
    const int r = c.Get_rank(), n = c.Get_size();
    const auto un = static_cast<std::size_t>(n);
    std::vector<int> ones(un, 1), iota(un), bytes(un);
    for (int i = 0; i < n; ++i) {
      iota[static_cast<std::size_t>(i)] = i;
      bytes[static_cast<std::size_t>(i)] = i * static_cast<int>(sizeof(int));
    }
    std::vector<MPI_Datatype> types(un, MPI_INT);
    int value = 0, bc = 0, sc = 0, red = 0, ared = 0, rsb = 0, rsv = 0, scan = 0, exs = 0;
    std::vector<int> deal(un), gat(r == 0 ? un : 0), ag(un), agv(un), a2a(un), a2av(un), a2aw(un), out(un),
        sv(un), one_each(un, 0);
    int scv = -1;
    std::vector<parley::Prequest> reqs;
    reqs.push_back(c.Barrier_init());
    reqs.push_back(c.Bcast_init(bc, 0));
    reqs.push_back(c.Gather_init(value, r == 0 ? std::span<int>(gat) : std::span<int>(), 0));
    reqs.push_back(c.Scatter_init(deal, sc, 0));
    reqs.push_back(c.Gatherv_init(value, r == 0 ? std::span<int>(sv) : std::span<int>(), ones, iota, 0));
    reqs.push_back(c.Scatterv_init(deal, ones, iota, scv, 0));
    reqs.push_back(c.Allgather_init(value, ag));
    reqs.push_back(c.Allgatherv_init(value, agv, ones, iota));
    reqs.push_back(c.Alltoall_init(out, a2a));
    reqs.push_back(c.Alltoallv_init(out, ones, iota, a2av, ones, iota));
    reqs.push_back(c.Alltoallw_init(out.data(), ones, bytes, types, a2aw.data(), ones, bytes, types));
    reqs.push_back(c.Reduce_init(value, red, parley::SUM, 0));
    reqs.push_back(c.Allreduce_init(value, ared, parley::MAX));
    reqs.push_back(c.Reduce_scatter_block_init(ones, rsb));
    reqs.push_back(c.Reduce_scatter_init(ones, rsv, ones));
    reqs.push_back(c.Scan_init(value, scan));
    reqs.push_back(c.Exscan_init(value, exs));
    for (int round = 0; round < 3; ++round) {
      value = 10 * round + r;
      if (r == 0) bc = 7 + round;
      for (int i = 0; i < n; ++i) {
        deal[static_cast<std::size_t>(i)] = round * 1000 + i;
        out[static_cast<std::size_t>(i)] = round * 1000 + r * 10 + i;
      }
      // Started in the same order everywhere; completed in any order.
      for (parley::Prequest& p : reqs) p.Start();
      parley::Request::Waitall(reqs);
      CHECK(bc == 7 + round && sc == round * 1000 + r && scv == sc);
      for (int i = 0; i < n; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        if (r == 0) CHECK(gat[ui] == 10 * round + i && sv[ui] == gat[ui]);
        CHECK(ag[ui] == 10 * round + i && agv[ui] == ag[ui]);
        CHECK(a2a[ui] == round * 1000 + i * 10 + r && a2av[ui] == a2a[ui] && a2aw[ui] == a2a[ui]);
      }
      if (r == 0) CHECK(red == n * 10 * round + n * (n - 1) / 2);
      CHECK(ared == 10 * round + n - 1 && rsb == n && rsv == n);
      CHECK(scan == (r + 1) * 10 * round + r * (r + 1) / 2);
      if (r > 0) CHECK(exs == r * 10 * round + r * (r - 1) / 2);
      CHECK(!reqs[0].Is_null());  // inactive, still allocated
    }
  }
}

int main() { return harness::run("cxx-coll"); }
