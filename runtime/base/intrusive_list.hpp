// A minimal intrusive doubly-linked list: nodes carry their own links, so
// queueing and unlinking never allocate (the matching fast path relies on it).
#pragma once

#include <cstddef>

namespace parley {

struct ListLink {
  ListLink* prev = nullptr;
  ListLink* next = nullptr;
  void* owner = nullptr;  // the node this link belongs to (set when queued)
  bool linked() const { return next != nullptr; }
};

// T must have a ListLink member; Member selects it (a node may sit on several
// lists through several links).
template <class T, ListLink T::*Member>
class IntrusiveList {
 public:
  IntrusiveList() { head_.prev = head_.next = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;
  IntrusiveList(IntrusiveList&&) = delete;
  IntrusiveList& operator=(IntrusiveList&&) = delete;
  ~IntrusiveList() = default;

  bool empty() const { return head_.next == &head_; }
  std::size_t size() const { return size_; }

  void push_back(T* item) {
    ListLink* l = &(item->*Member);
    l->owner = item;
    l->prev = head_.prev;
    l->next = &head_;
    head_.prev->next = l;
    head_.prev = l;
    ++size_;
  }

  void push_front(T* item) {
    ListLink* l = &(item->*Member);
    l->owner = item;
    l->next = head_.next;
    l->prev = &head_;
    head_.next->prev = l;
    head_.next = l;
    ++size_;
  }

  void remove(T* item) {
    ListLink* l = &(item->*Member);
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = nullptr;
    --size_;
  }

  T* front() const { return empty() ? nullptr : from_link(head_.next); }
  T* next(T* item) const {
    ListLink* n = (item->*Member).next;
    return n == &head_ ? nullptr : from_link(n);
  }

 private:
  static T* from_link(ListLink* l) { return static_cast<T*>(l->owner); }

  ListLink head_;
  std::size_t size_ = 0;
};

}  // namespace parley
