// The shared segment: create / attach / unlink by name, nothing left in
// /dev/shm (also when a child is killed), layout sizes, configuration.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/mman.h>
#include <fcntl.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "shm_test_util.hpp"
#include "transport/shm/shm_segment.hpp"

using namespace parley::transport;
using namespace parley::transport::shm;

namespace {

// Files in /dev/shm whose name starts with prefix.
std::size_t shm_files_with(const std::string& prefix) {
  std::size_t n = 0;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0) ++n;
    }
    closedir(d);
  }
  return n;
}

std::string unique_job() { return "test" + std::to_string(getpid()); }

}  // namespace

TEST_CASE("segment names are sanitised and prefixed") {
  CHECK(segment_name("job/1:a", "n0") == "/parley-job_1_a-n0");
  CHECK(segment_name(std::string(500, 'x'), "t").size() <= 200);
}

TEST_CASE("local ranks attach by name and the segment is unlinked once all attached") {
  constexpr std::uint32_t kRanks = 4;
  const std::string job = unique_job() + "a";
  const std::string name = segment_name(job, "node0");
  Segment seg;
  REQUIRE(Segment::create(name, kRanks, ShmConfig{}, seg).ok());
  REQUIRE(seg.mark_attached() == 1);
  seg.rank_info(0)->pid.store(getpid());
  std::vector<pid_t> kids;
  for (std::uint32_t r = 1; r < kRanks; ++r) {
    kids.push_back(parley::test::fork_child([&name, r] {
      Segment mine;
      if (!Segment::attach(name, mine).ok()) return 2;
      if (mine.layout().local_size() != kRanks) return 3;
      mine.rank_info(r)->pid.store(getpid());
      mine.mark_attached();
      return 0;
    }));
  }
  REQUIRE(parley::test::wait_until([&] { return seg.attached_count() == kRanks; }, kids));
  REQUIRE(seg.unlink().ok());
  REQUIRE(seg.unlink().ok());  // idempotent
  CHECK(shm_files_with("parley-" + job) == 0);
  for (std::uint32_t r = 1; r < kRanks; ++r) {
    CHECK(parley::test::wait_child(kids[r - 1]) == 0);
    CHECK(seg.rank_info(r)->pid.load() == kids[r - 1]);
  }
  Segment late;
  CHECK_FALSE(Segment::attach(name, late).ok());  // gone from the namespace
}

TEST_CASE("nothing is left in /dev/shm when a rank is killed mid-run") {
  const std::string job = unique_job() + "k";
  const std::string name = segment_name(job, "node0");
  Segment seg;
  REQUIRE(Segment::create(name, 3, ShmConfig{}, seg).ok());
  seg.mark_attached();
  std::vector<pid_t> kids;
  for (int i = 0; i < 2; ++i) {
    kids.push_back(parley::test::fork_child([&name] {
      Segment mine;
      if (!Segment::attach(name, mine).ok()) return 2;
      mine.mark_attached();
      // Stay "mid-run" until killed (the watchdog bounds it).
      for (;;) pause();
    }));
  }
  REQUIRE(parley::test::wait_until([&] { return seg.attached_count() == 3; }, kids));
  REQUIRE(seg.unlink().ok());
  kill(kids[0], SIGKILL);
  CHECK(parley::test::wait_child(kids[0]) == 128 + SIGKILL);
  CHECK(shm_files_with("parley-" + job) == 0);
  kill(kids[1], SIGKILL);
  CHECK(parley::test::wait_child(kids[1]) == 128 + SIGKILL);
  CHECK(shm_files_with("parley-" + job) == 0);

  // A process killed right after create_anonymous() leaves nothing either.
  pid_t k = parley::test::fork_child([] {
    Segment s;
    if (!Segment::create_anonymous(2, ShmConfig{}, s).ok()) return 2;
    raise(SIGKILL);
    return 0;
  });
  CHECK(parley::test::wait_child(k) == 128 + SIGKILL);
  CHECK(shm_files_with("parley-anon-" + std::to_string(k) + "-") == 0);
}

TEST_CASE("attach refuses missing and foreign files, create refuses an existing name") {
  Segment s;
  CHECK_FALSE(Segment::attach("/parley-does-not-exist-" + unique_job(), s).ok());
  const std::string foreign = "/parley-foreign-" + unique_job();
  int fd = shm_open(foreign.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, 1 << 20) == 0);
  close(fd);
  CHECK(Segment::attach(foreign, s).code == Code::invalid);
  CHECK_FALSE(Segment::create(foreign, 2, ShmConfig{}, s).ok());
  shm_unlink(foreign.c_str());
}

TEST_CASE("layout blocks are aligned and disjoint; cost per pair is bounded") {
  for (std::uint32_t n : {1u, 2u, 8u, 64u, 65u}) {
    SegmentLayout l;
    REQUIRE(SegmentLayout::compute(n, ShmConfig{}, l).ok());
    CHECK(l.total_size() % 4096 == 0);
    for (std::uint32_t r = 0; r < n; ++r) CHECK(l.recv_ctl_offset(r) % kCacheLine == 0);
    if (n >= 2) {
      CHECK(l.ring_offset(0, 1) % kCacheLine == 0);
      CHECK(l.ring_offset(n - 1, n - 2) + l.ring_bytes() <= l.pipe_offset(0, 1));
      CHECK(l.pipe_offset(n - 1, n - 2) + l.pipe_bytes() <= l.total_size());
      CHECK(l.ring_offset(1, 0) != l.ring_offset(0, 1));
    }
    // Everything but the per-pair areas is small.
    CHECK(l.total_size() <= n * (n - (n > 0)) * l.per_pair_bytes() + 4096 * (4 + n));
  }
  SegmentLayout big;
  REQUIRE(SegmentLayout::compute(64, ShmConfig{}, big).ok());
  CHECK(big.per_pair_bytes() <= 128 * 1024);
  CHECK(SegmentLayout::compute(0, ShmConfig{}, big).code == Code::invalid);
}

TEST_CASE("configuration comes from PARLEY_SHM_* and bad values are refused") {
  REQUIRE(setenv("PARLEY_SHM_CELL_SIZE", "128", 1) == 0);
  REQUIRE(setenv("PARLEY_SHM_RING_CELLS", "1k", 1) == 0);
  ShmConfig c;
  REQUIRE(ShmConfig::from_env(c).ok());
  CHECK(c.cell_size == 128);
  CHECK(c.ring_cells == 1024);
  REQUIRE(setenv("PARLEY_SHM_CELL_SIZE", "100", 1) == 0);
  CHECK(ShmConfig::from_env(c).code == Code::invalid);
  REQUIRE(setenv("PARLEY_SHM_CELL_SIZE", "64x", 1) == 0);
  CHECK(ShmConfig::from_env(c).code == Code::invalid);
  unsetenv("PARLEY_SHM_CELL_SIZE");
  unsetenv("PARLEY_SHM_RING_CELLS");
  REQUIRE(ShmConfig::from_env(c).ok());
  CHECK(c.cell_size == ShmConfig{}.cell_size);
}
