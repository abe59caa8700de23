// The matching engine: posted receives and unexpected messages, per
// communicator context, in MPI order. A receive for a specific (source, tag)
// and an arrival matched against specific receives touch only their own
// bucket; wildcard receives live on a per-context list ordered by posting.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/intrusive_list.hpp"

namespace parley::p2p {

inline constexpr int kAnySource = -2;  // MPI_ANY_SOURCE
inline constexpr int kAnyTag = -1;     // MPI_ANY_TAG

struct MatchKey {
  std::uint32_t context;
  int source;
  int tag;
  bool operator==(const MatchKey&) const = default;
};

// A receive waiting for its message. Owned by the caller (a request).
struct PostedRecv {
  MatchKey key;            // source/tag may be wildcards
  std::uint64_t seq = 0;   // posting order, set by post()
  void* owner = nullptr;   // the request this receive belongs to
  ListLink link;           // bucket list or the context's wildcard list
};

// A message (or rendezvous announcement) that arrived before its receive.
// Owned by the caller; the engine only links it.
struct Unexpected {
  MatchKey key;            // concrete source and tag
  std::uint64_t seq = 0;   // arrival order, set by add_unexpected()
  void* owner = nullptr;   // the protocol's record of the message
  ListLink bucket_link;    // its (context, source, tag) bucket
  ListLink context_link;   // all unexpected messages of the context, by arrival
};

class MatchEngine {
 public:
  MatchEngine() = default;
  MatchEngine(const MatchEngine&) = delete;
  MatchEngine& operator=(const MatchEngine&) = delete;
  MatchEngine(MatchEngine&&) = delete;
  MatchEngine& operator=(MatchEngine&&) = delete;
  ~MatchEngine() = default;

  // An arrival from (source, tag) on context: the earliest-posted receive
  // that matches it, removed from the queues, or nullptr.
  PostedRecv* match_arrival(std::uint32_t context, int source, int tag);

  // Queues an arrival nobody was waiting for.
  void add_unexpected(Unexpected* u);

  // The earliest unexpected message a receive for key would match; removed
  // when take is true (receive), left in place for a probe.
  Unexpected* find_unexpected(const MatchKey& key, bool take) {
    if (unexpected_ == 0) return nullptr;  // the common case, inline in the caller
    return find_unexpected_queued(key, take);
  }
  void remove_unexpected(Unexpected* u);

  // Queues a receive; call find_unexpected(take=true) first.
  void post(PostedRecv* r);

  // Removes a still-posted receive (MPI_Cancel). False if already matched.
  bool cancel(PostedRecv* r);

  // Takes every posted receive with a specific source for which
  // pred(const PostedRecv&) is true out of matching and appends it to out
  // (a peer was lost: its receives can never be matched). Wildcard
  // receives stay: another source may still match them. Walks every
  // bucket: for rare events only.
  template <class Pred>
  void take_posted_if(Pred pred, std::vector<PostedRecv*>& out) {
    for (auto& [key, b] : buckets_) {
      for (PostedRecv* r = b->posted.front(); r != nullptr;) {
        PostedRecv* next = b->posted.next(r);
        if (pred(*r)) {
          b->posted.remove(r);
          --posted_;
          out.push_back(r);
        }
        r = next;
      }
    }
  }

  std::size_t posted_count() const { return posted_; }
  std::size_t unexpected_count() const { return unexpected_; }

 private:
  struct KeyHash {
    std::size_t operator()(const MatchKey& k) const {
      std::uint64_t h = (std::uint64_t{k.context} << 40) ^ (std::uint64_t(std::uint32_t(k.source)) << 20) ^
                        std::uint32_t(k.tag);
      return static_cast<std::size_t>(h * 0x9e3779b97f4a7c15ull >> 16);
    }
  };
  struct Bucket {
    IntrusiveList<PostedRecv, &PostedRecv::link> posted;
    IntrusiveList<Unexpected, &Unexpected::bucket_link> unexpected;
    bool listed = false;  // its key is in emptied_
  };
  struct Context {
    IntrusiveList<PostedRecv, &PostedRecv::link> wildcard;
    IntrusiveList<Unexpected, &Unexpected::context_link> unexpected;
  };

  static bool matches(const MatchKey& pattern, const MatchKey& concrete) {
    return pattern.context == concrete.context &&
           (pattern.source == kAnySource || pattern.source == concrete.source) &&
           (pattern.tag == kAnyTag || pattern.tag == concrete.tag);
  }
  // The lookups and the emptiness check inline their common case (the bucket
  // looked up last; a bucket still in use) into each caller: they run once or
  // twice per message.
  Bucket& bucket(const MatchKey& k) {
    if (last_bucket_ != nullptr && last_key_ == k) [[likely]] return *last_bucket_;
    return bucket_slow(k);
  }
  Bucket* find_bucket(const MatchKey& k) {
    if (last_bucket_ != nullptr && last_key_ == k) [[likely]] return last_bucket_;
    return find_bucket_slow(k);
  }
  void drop_bucket_if_empty(const MatchKey& k, Bucket& b) {
    if (!b.posted.empty() || !b.unexpected.empty() || b.listed) return;
    list_emptied(k, b);
  }
  Unexpected* find_unexpected_queued(const MatchKey& key, bool take);
  Bucket& bucket_slow(const MatchKey& k);
  Bucket* find_bucket_slow(const MatchKey& k);
  void list_emptied(const MatchKey& k, Bucket& b);
  Context& context(std::uint32_t id);

  std::unordered_map<MatchKey, std::unique_ptr<Bucket>, KeyHash> buckets_;
  // The bucket looked up last: a ping-pong, a window of sends and a halo
  // exchange use one (source, tag) pair over and over, so most lookups end
  // here without hashing. Buckets live on the heap, so the pointer stays
  // good until the bucket is erased (drop_bucket_if_empty forgets it then).
  MatchKey last_key_{};
  Bucket* last_bucket_ = nullptr;
  // Buckets that went empty, oldest first. They stay in the map so that a
  // (source, tag) pair used over and over does not allocate per message;
  // beyond kEmptyKept of them the oldest still-empty ones are dropped, which
  // bounds the memory of pairs that are never used again.
  static constexpr std::size_t kEmptyKept = 256;
  std::deque<MatchKey> emptied_;
  std::unordered_map<std::uint32_t, std::unique_ptr<Context>> contexts_;
  std::uint64_t next_post_seq_ = 0;
  std::uint64_t next_arrival_seq_ = 0;
  std::size_t posted_ = 0;
  std::size_t unexpected_ = 0;
  std::size_t wildcards_ = 0;  // posted receives with MPI_ANY_SOURCE or MPI_ANY_TAG
};

}  // namespace parley::p2p
