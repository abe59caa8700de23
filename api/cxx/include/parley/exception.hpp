// parley::Exception and check(): the one place where an MPI return code becomes a C++ exception
// (STYLE §7). Written against the public mpi.h only.
#pragma once

#include <mpi.h>

#include <stdexcept>
#include <string>

namespace parley {

// An MPI error: the code a call returned, its class, and the implementation's text for it.
class Exception : public std::runtime_error {
 public:
  explicit Exception(int code) : Exception(code, std::string()) {}
  // `context` (e.g. "Comm.Send") is prefixed to the implementation's text.
  Exception(int code, const std::string& context)
      : std::runtime_error(compose(code, context)), code_(code), class_(error_class_of(code)) {}

  int Get_error_code() const noexcept { return code_; }
  int Get_error_class() const noexcept { return class_; }
  std::string Get_error_string() const { return error_string_of(code_); }

 private:
  static int error_class_of(int code) noexcept {
    int cls = code;
    if (MPI_Error_class(code, &cls) != MPI_SUCCESS) cls = code;
    return cls;
  }
  static std::string error_string_of(int code) {
    char text[MPI_MAX_ERROR_STRING] = {};
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
    return std::string(text, static_cast<std::size_t>(len));
  }
  static std::string compose(int code, const std::string& context) {
    return context.empty() ? error_string_of(code) : context + ": " + error_string_of(code);
  }

  int code_;
  int class_;
};

namespace detail {

[[noreturn]] inline void raise(int code) { throw Exception(code); }

}  // namespace detail

// Turns an MPI return code into parley::Exception; every MPI call in this layer goes through it.
inline void check(int rc) {
  if (rc != MPI_SUCCESS) [[unlikely]]
    detail::raise(rc);
}

}  // namespace parley
