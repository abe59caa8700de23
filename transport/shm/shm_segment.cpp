// Segment: create / attach / unlink of the node-wide shared segment.
#include "transport/shm/shm_segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <utility>

namespace parley::transport::shm {
namespace {

constexpr std::size_t kMaxNameLength = 200;  // well under NAME_MAX with the "/dev/shm" prefix

TransportStatus os_error(const char* what) {
  int e = errno;
  Code c = (e == EACCES || e == EPERM) ? Code::not_permitted
           : (e == ENOSPC || e == ENOMEM || e == EFBIG) ? Code::no_space
                                                        : Code::system_error;
  return TransportStatus::error(c, what, e);
}

}  // namespace

std::string segment_name(std::string_view jobid, std::string_view tag) {
  std::string name = "/parley-";
  auto append = [&name](std::string_view part) {
    for (char ch : part) {
      bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '_' || ch == '-';
      name.push_back(keep ? ch : '_');
    }
  };
  append(jobid);
  name.push_back('-');
  append(tag);
  if (name.size() > kMaxNameLength) name.resize(kMaxNameLength);
  return name;
}

Segment::~Segment() { release(); }

Segment::Segment(Segment&& other) noexcept
    : name_(std::move(other.name_)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      layout_(other.layout_),
      linked_(std::exchange(other.linked_, false)) {}

Segment& Segment::operator=(Segment&& other) noexcept {
  if (this != &other) {
    release();
    name_ = std::move(other.name_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    layout_ = other.layout_;
    linked_ = std::exchange(other.linked_, false);
  }
  return *this;
}

void Segment::release() {
  if (base_ != nullptr) munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

TransportStatus Segment::create(const std::string& name, std::uint32_t local_size,
                                const ShmConfig& config, Segment& out) {
  SegmentLayout layout;
  if (auto st = SegmentLayout::compute(local_size, config, layout); !st.ok()) return st;
  const std::size_t size = layout.total_size();

  // tmpfs allocates pages on first touch; a segment larger than the free
  // space would map fine and then kill us with SIGBUS mid-run. Refuse now.
  struct statvfs vfs {};
  if (statvfs("/dev/shm", &vfs) == 0) {
    unsigned long long avail = static_cast<unsigned long long>(vfs.f_bavail) * vfs.f_frsize;
    if (avail < size) {
      return TransportStatus::error(Code::no_space,
                                    "shm segment: not enough free space in /dev/shm "
                                    "(lower PARLEY_SHM_RING_CELLS / PARLEY_SHM_PIPE_CHUNK)");
    }
  }

  int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return os_error("shm segment: shm_open(create) failed");
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    auto st = os_error("shm segment: ftruncate failed");
    close(fd);
    shm_unlink(name.c_str());
    return st;
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    auto st = os_error("shm segment: mmap failed");
    shm_unlink(name.c_str());
    return st;
  }

  // The file is zero-filled: every counter, flag and cell sequence starts at 0.
  auto* h = new (p) SegmentHeader{};
  h->magic = kSegmentMagic;
  h->version = kSegmentVersion;
  h->local_size = local_size;
  h->cell_size = config.cell_size;
  h->ring_cells = config.ring_cells;
  h->pipe_chunk = config.pipe_chunk;
  h->pipe_slots = config.pipe_slots;
  h->total_size = size;
  h->ready.store(kSegmentMagic, std::memory_order_release);

  Segment s;
  s.name_ = name;
  s.base_ = static_cast<std::byte*>(p);
  s.size_ = size;
  s.layout_ = layout;
  s.linked_ = true;
  out = std::move(s);
  return TransportStatus::success();
}

TransportStatus Segment::attach(const std::string& name, Segment& out) {
  int fd = shm_open(name.c_str(), O_RDWR, 0);
  if (fd < 0) return os_error("shm segment: shm_open(attach) failed");
  struct stat sb {};
  if (fstat(fd, &sb) != 0) {
    auto st = os_error("shm segment: fstat failed");
    close(fd);
    return st;
  }
  const auto size = static_cast<std::size_t>(sb.st_size);
  if (size < sizeof(SegmentHeader)) {
    close(fd);
    return TransportStatus::error(Code::invalid, "shm segment: file too small (not initialised?)");
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return os_error("shm segment: mmap failed");

  Segment s;
  s.name_ = name;
  s.base_ = static_cast<std::byte*>(p);
  s.size_ = size;
  SegmentHeader* h = s.header();
  if (h->ready.load(std::memory_order_acquire) != kSegmentMagic || h->magic != kSegmentMagic ||
      h->version != kSegmentVersion || h->total_size != size) {
    return TransportStatus::error(Code::invalid,
                                  "shm segment: not a Parley segment of this version");
  }
  ShmConfig c;
  c.cell_size = h->cell_size;
  c.ring_cells = h->ring_cells;
  c.pipe_chunk = h->pipe_chunk;
  c.pipe_slots = h->pipe_slots;
  if (auto st = SegmentLayout::compute(h->local_size, c, s.layout_); !st.ok()) return st;
  if (s.layout_.total_size() != size) {
    return TransportStatus::error(Code::invalid, "shm segment: layout does not match file size");
  }
  s.linked_ = true;
  out = std::move(s);
  return TransportStatus::success();
}

TransportStatus Segment::create_anonymous(std::uint32_t local_size, const ShmConfig& config,
                                          Segment& out) {
  static std::atomic<unsigned> counter{0};
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::string tag = std::to_string(getpid()) + "-" +
                    std::to_string(counter.fetch_add(1, std::memory_order_relaxed)) + "-" +
                    std::to_string(ts.tv_nsec);
  Segment s;
  if (auto st = create(segment_name("anon", tag), local_size, config, s); !st.ok()) return st;
  if (auto st = s.unlink(); !st.ok()) return st;
  out = std::move(s);
  return TransportStatus::success();
}

TransportStatus Segment::unlink() {
  if (!linked_) return TransportStatus::success();
  linked_ = false;
  if (shm_unlink(name_.c_str()) != 0 && errno != ENOENT) {
    return os_error("shm segment: shm_unlink failed");
  }
  return TransportStatus::success();
}

}  // namespace parley::transport::shm
