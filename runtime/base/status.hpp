// Status and Result: how runtime functions report errors (an MPI error class
// plus a message written by the place that first detected the problem).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace parley {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(int error_class, std::string message)
      : error_class_(error_class), message_(std::make_unique<std::string>(std::move(message))) {}
  // Success is the hot path: an ok Status is two words and allocates nothing;
  // only an error carries its message on the heap.
  Status(const Status& o)
      : error_class_(o.error_class_), message_(o.message_ ? std::make_unique<std::string>(*o.message_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) {
      error_class_ = o.error_class_;
      message_ = o.message_ ? std::make_unique<std::string>(*o.message_) : nullptr;
    }
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status ok() { return Status(); }

  bool is_ok() const { return error_class_ == 0; }
  explicit operator bool() const { return is_ok(); }
  int error_class() const { return error_class_; }
  const std::string& message() const { return message_ ? *message_ : empty(); }

 private:
  static const std::string& empty() {
    static const std::string none;
    return none;
  }
  int error_class_ = 0;  // MPI_SUCCESS
  std::unique_ptr<std::string> message_;
};

// A value or the Status explaining why there is none. Outputs are only
// produced on success, so callers never see half-written results.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool is_ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  Status status() const { return is_ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace parley
