// Small helpers over libpmix's C API for the daemon: building pmix_info_t
// arrays and waiting on a non-blocking server call from the loop thread.
#pragma once

#include <pmix.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace parley::launcher {

// Owns a PMIx info list; add() copies the value (strings and nested arrays too).
class InfoList {
 public:
  InfoList() : list_(PMIx_Info_list_start()) {}
  InfoList(const InfoList&) = delete;
  InfoList& operator=(const InfoList&) = delete;
  InfoList(InfoList&&) = delete;
  InfoList& operator=(InfoList&&) = delete;
  ~InfoList() { PMIx_Info_list_release(list_); }

  void add_u32(const char* key, std::uint32_t v) { (void)PMIx_Info_list_add(list_, key, &v, PMIX_UINT32); }
  void add_u16(const char* key, std::uint16_t v) { (void)PMIx_Info_list_add(list_, key, &v, PMIX_UINT16); }
  void add_rank(const char* key, pmix_rank_t v) { (void)PMIx_Info_list_add(list_, key, &v, PMIX_PROC_RANK); }
  void add_bool(const char* key, bool v) { (void)PMIx_Info_list_add(list_, key, &v, PMIX_BOOL); }
  void add_str(const char* key, const std::string& v) {
    (void)PMIx_Info_list_add(list_, key, v.c_str(), PMIX_STRING);
  }
  void add_ptr(const char* key, const void* v, pmix_data_type_t t) { (void)PMIx_Info_list_add(list_, key, v, t); }
  // Adds `sub` as a nested PMIX_DATA_ARRAY of pmix_info_t.
  void add_array(const char* key, InfoList& sub) {
    pmix_data_array_t da;
    if (PMIx_Info_list_convert(sub.list_, &da) != PMIX_SUCCESS) return;
    (void)PMIx_Info_list_add(list_, key, &da, PMIX_DATA_ARRAY);
    PMIx_Data_array_destruct(&da);
  }
  // The list as an array the caller must PMIx_Data_array_destruct.
  [[nodiscard]] pmix_data_array_t convert() {
    pmix_data_array_t da{};
    if (PMIx_Info_list_convert(list_, &da) != PMIX_SUCCESS) da = pmix_data_array_t{};
    return da;
  }

 private:
  void* list_;
};

// Counts down completions of non-blocking PMIx calls (op callbacks).
class OpWaiter {
 public:
  explicit OpWaiter(int expected) : left_(expected) {}
  static void callback(pmix_status_t status, void* cbdata) {
    auto* w = static_cast<OpWaiter*>(cbdata);
    std::lock_guard<std::mutex> lock(w->mu_);
    if (status != PMIX_SUCCESS && w->status_ == PMIX_SUCCESS) w->status_ = status;
    if (--w->left_ == 0) w->cv_.notify_all();
  }
  // A call that failed synchronously will never call back.
  void cancel_one(pmix_status_t status) { callback(status, this); }
  [[nodiscard]] pmix_status_t wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return left_ <= 0; });
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
  pmix_status_t status_ = PMIX_SUCCESS;
};

}  // namespace parley::launcher
