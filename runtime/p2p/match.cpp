// Matching in MPI order: for an arrival, the earliest-posted matching
// receive (specific bucket head vs first matching wildcard); for a receive,
// the earliest-arrived matching message.
#include "p2p/match.hpp"

namespace parley::p2p {

MatchEngine::Bucket& MatchEngine::bucket_slow(const MatchKey& k) {
  auto& slot = buckets_[k];
  if (!slot) slot = std::make_unique<Bucket>();
  last_key_ = k;
  last_bucket_ = slot.get();
  return *slot;
}

MatchEngine::Bucket* MatchEngine::find_bucket_slow(const MatchKey& k) {
  auto it = buckets_.find(k);
  if (it == buckets_.end()) return nullptr;
  last_key_ = k;
  last_bucket_ = it->second.get();
  return last_bucket_;
}

MatchEngine::Context& MatchEngine::context(std::uint32_t id) {
  auto& slot = contexts_[id];
  if (!slot) slot = std::make_unique<Context>();
  return *slot;
}

void MatchEngine::list_emptied(const MatchKey& k, Bucket& b) {
  b.listed = true;
  emptied_.push_back(k);
  while (emptied_.size() > kEmptyKept) {
    auto it = buckets_.find(emptied_.front());
    emptied_.pop_front();
    Bucket& old = *it->second;
    old.listed = false;
    if (old.posted.empty() && old.unexpected.empty()) {
      if (last_bucket_ == &old) last_bucket_ = nullptr;
      buckets_.erase(it);
    }
  }
}

PostedRecv* MatchEngine::match_arrival(std::uint32_t context_id, int source, int tag) {
  const MatchKey k{context_id, source, tag};
  PostedRecv* specific = nullptr;
  Bucket* b = find_bucket(k);
  if (b != nullptr) specific = b->posted.front();

  PostedRecv* wild = nullptr;
  // Most programs post no wildcard receive at all: skip the context lookup.
  auto cit = wildcards_ != 0 ? contexts_.find(context_id) : contexts_.end();
  if (cit != contexts_.end()) {
    for (PostedRecv* r = cit->second->wildcard.front(); r != nullptr; r = cit->second->wildcard.next(r)) {
      // Wildcards are in posting order: once past the specific candidate, stop.
      if (specific != nullptr && r->seq > specific->seq) break;
      if (matches(r->key, k)) {
        wild = r;
        break;
      }
    }
  }
  PostedRecv* chosen = wild != nullptr ? wild : specific;
  if (chosen == nullptr) return nullptr;
  if (chosen == wild) {
    cit->second->wildcard.remove(wild);
    --wildcards_;
  } else {
    b->posted.remove(specific);
    drop_bucket_if_empty(k, *b);
  }
  --posted_;
  return chosen;
}

void MatchEngine::add_unexpected(Unexpected* u) {
  u->seq = next_arrival_seq_++;
  bucket(u->key).unexpected.push_back(u);
  context(u->key.context).unexpected.push_back(u);
  ++unexpected_;
}

Unexpected* MatchEngine::find_unexpected_queued(const MatchKey& key, bool take) {
  Unexpected* found = nullptr;
  if (key.source != kAnySource && key.tag != kAnyTag) {
    if (Bucket* b = find_bucket(key)) found = b->unexpected.front();
  } else {
    auto cit = contexts_.find(key.context);
    if (cit == contexts_.end()) return nullptr;
    auto& list = cit->second->unexpected;
    for (Unexpected* u = list.front(); u != nullptr; u = list.next(u)) {
      if (matches(key, u->key)) {
        found = u;
        break;
      }
    }
  }
  if (found != nullptr && take) remove_unexpected(found);
  return found;
}

void MatchEngine::remove_unexpected(Unexpected* u) {
  Bucket* b = find_bucket(u->key);
  b->unexpected.remove(u);
  drop_bucket_if_empty(u->key, *b);
  context(u->key.context).unexpected.remove(u);
  --unexpected_;
}

void MatchEngine::post(PostedRecv* r) {
  r->seq = next_post_seq_++;
  if (r->key.source == kAnySource || r->key.tag == kAnyTag) {
    context(r->key.context).wildcard.push_back(r);
    ++wildcards_;
  } else {
    bucket(r->key).posted.push_back(r);
  }
  ++posted_;
}

bool MatchEngine::cancel(PostedRecv* r) {
  if (!r->link.linked()) return false;
  if (r->key.source == kAnySource || r->key.tag == kAnyTag) {
    context(r->key.context).wildcard.remove(r);
    --wildcards_;
  } else {
    Bucket* b = find_bucket(r->key);
    b->posted.remove(r);
    drop_bucket_if_empty(r->key, *b);
  }
  --posted_;
  return true;
}

}  // namespace parley::p2p
