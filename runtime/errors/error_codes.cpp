// Error classes, their descriptions, and the table of message-carrying codes.
#include "errors/error_codes.hpp"

#include <mpi.h>

#include <array>
#include <map>
#include <mutex>

namespace parley::errors {
namespace {

// Issued codes look like: bit 30 clear, class in bits 0-7, message slot in
// bits 8-27; predefined classes are < 128. User classes and codes
// (MPI_Add_error_class/code) are numbered from one counter above
// MPI_ERR_LASTCODE, as MPI-3.1 §8.5 implies (MPI_LASTUSEDCODE, the largest
// in use, is never below MPI_ERR_LASTCODE); they carry no message slot.
constexpr int kClassBits = 8;
constexpr int kClassMask = (1 << kClassBits) - 1;
constexpr int kSlots = 4096;
constexpr int kUserCodeBase = MPI_ERR_LASTCODE + 1;
constexpr int kUserLimit = 1 << 20;  // user classes and codes together

struct MessageSlot {
  int code = 0;
  std::string text;
};

struct Table {
  std::mutex lock;
  std::array<MessageSlot, kSlots> slots;
  unsigned next_slot = 0;
  unsigned generation = 1;
  int next_user = kUserCodeBase;                // the next user class or code
  std::map<int, int> user_code_class;           // user class or code -> class
  std::map<int, std::string> user_strings;      // user class/code -> text
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

const char* class_description(int error_class) {
  switch (error_class) {
    case MPI_SUCCESS: return "no error";
    case MPI_ERR_BUFFER: return "invalid buffer pointer";
    case MPI_ERR_COUNT: return "invalid count argument";
    case MPI_ERR_TYPE: return "invalid datatype";
    case MPI_ERR_TAG: return "invalid tag";
    case MPI_ERR_COMM: return "invalid communicator";
    case MPI_ERR_RANK: return "invalid rank";
    case MPI_ERR_ROOT: return "invalid root";
    case MPI_ERR_GROUP: return "invalid group";
    case MPI_ERR_OP: return "invalid reduction operation";
    case MPI_ERR_TOPOLOGY: return "invalid topology";
    case MPI_ERR_DIMS: return "invalid dimension argument";
    case MPI_ERR_ARG: return "invalid argument";
    case MPI_ERR_UNKNOWN: return "unknown error";
    case MPI_ERR_TRUNCATE: return "message truncated on receive";
    case MPI_ERR_OTHER: return "other error";
    case MPI_ERR_INTERN: return "internal error";
    case MPI_ERR_IN_STATUS: return "error code is in status";
    case MPI_ERR_PENDING: return "pending request";
    case MPI_ERR_REQUEST: return "invalid request";
    case MPI_ERR_ACCESS: return "permission denied";
    case MPI_ERR_AMODE: return "invalid file access mode";
    case MPI_ERR_BAD_FILE: return "invalid file name";
    case MPI_ERR_CONVERSION: return "error in data conversion function";
    case MPI_ERR_DUP_DATAREP: return "data representation already registered";
    case MPI_ERR_FILE_EXISTS: return "file exists";
    case MPI_ERR_FILE_IN_USE: return "file in use by another process";
    case MPI_ERR_FILE: return "invalid file handle";
    case MPI_ERR_INFO: return "invalid info object";
    case MPI_ERR_INFO_KEY: return "info key too long";
    case MPI_ERR_INFO_VALUE: return "info value too long";
    case MPI_ERR_INFO_NOKEY: return "info key not defined";
    case MPI_ERR_IO: return "I/O error";
    case MPI_ERR_NAME: return "invalid service name (no port published under it)";
    case MPI_ERR_NO_MEM: return "out of memory";
    case MPI_ERR_NOT_SAME: return "collective arguments not identical on all processes";
    case MPI_ERR_NO_SPACE: return "not enough space";
    case MPI_ERR_NO_SUCH_FILE: return "file does not exist";
    case MPI_ERR_PORT: return "invalid port name";
    case MPI_ERR_QUOTA: return "quota exceeded";
    case MPI_ERR_READ_ONLY: return "file is read-only";
    case MPI_ERR_SERVICE: return "invalid service name to unpublish";
    case MPI_ERR_SPAWN: return "error spawning processes";
    case MPI_ERR_UNSUPPORTED_DATAREP: return "unsupported data representation";
    case MPI_ERR_UNSUPPORTED_OPERATION: return "unsupported operation";
    case MPI_ERR_WIN: return "invalid window";
    case MPI_ERR_BASE: return "invalid base address";
    case MPI_ERR_LOCKTYPE: return "invalid lock type";
    case MPI_ERR_KEYVAL: return "invalid attribute key";
    case MPI_ERR_RMA_CONFLICT: return "conflicting RMA accesses";
    case MPI_ERR_RMA_SYNC: return "RMA call outside its synchronization";
    case MPI_ERR_SIZE: return "invalid size";
    case MPI_ERR_DISP: return "invalid displacement";
    case MPI_ERR_ASSERT: return "invalid assert argument";
    case MPI_ERR_RMA_RANGE: return "RMA target memory out of the window";
    case MPI_ERR_RMA_ATTACH: return "memory cannot be attached";
    case MPI_ERR_RMA_SHARED: return "memory cannot be shared";
    case MPI_ERR_RMA_FLAVOR: return "wrong window flavor";
    case MPI_ERR_SESSION: return "invalid session";
    case MPI_ERR_PROC_ABORTED: return "peer process aborted";
    case MPI_ERR_VALUE_TOO_LARGE: return "value too large to store";
    // The tool interface's return codes share the numbering and are
    // accepted by MPI_Error_class/MPI_Error_string too.
    case MPI_T_ERR_MEMORY: return "MPI_T: out of memory";
    case MPI_T_ERR_NOT_INITIALIZED: return "MPI_T: tool interface not initialized";
    case MPI_T_ERR_CANNOT_INIT: return "MPI_T: tool interface cannot be initialized";
    case MPI_T_ERR_INVALID_INDEX: return "MPI_T: invalid index";
    case MPI_T_ERR_INVALID_ITEM: return "MPI_T: invalid item index";
    case MPI_T_ERR_INVALID_HANDLE: return "MPI_T: invalid handle";
    case MPI_T_ERR_OUT_OF_HANDLES: return "MPI_T: no more handles";
    case MPI_T_ERR_OUT_OF_SESSIONS: return "MPI_T: no more sessions";
    case MPI_T_ERR_INVALID_SESSION: return "MPI_T: invalid session";
    case MPI_T_ERR_CVAR_SET_NOT_NOW: return "MPI_T: control variable cannot be set now";
    case MPI_T_ERR_CVAR_SET_NEVER: return "MPI_T: control variable can never be set";
    case MPI_T_ERR_PVAR_NO_STARTSTOP: return "MPI_T: performance variable cannot be started or stopped";
    case MPI_T_ERR_PVAR_NO_WRITE: return "MPI_T: performance variable cannot be written";
    case MPI_T_ERR_PVAR_NO_ATOMIC: return "MPI_T: performance variable cannot be read and reset atomically";
    case MPI_T_ERR_INVALID_NAME: return "MPI_T: invalid variable or category name";
    case MPI_T_ERR_INVALID: return "MPI_T: invalid use of the tool interface";
    case MPI_T_ERR_NOT_SUPPORTED: return "MPI_T: operation not supported";
    default: return nullptr;
  }
}

int code_from_status(const Status& status) {
  if (status.is_ok()) return MPI_SUCCESS;
  // A user class has no room in the low byte: the class itself is the code
  // (its text is the user's string).
  if (status.error_class() >= kUserCodeBase) return status.error_class();
  Table& t = table();
  std::lock_guard<std::mutex> guard(t.lock);
  unsigned slot = t.next_slot++;
  if (t.next_slot == kSlots) {
    t.next_slot = 0;
    ++t.generation;
  }
  // Slot index + 1 so that a code never equals its bare class.
  int code = ((static_cast<int>(slot) + 1) << kClassBits) | (status.error_class() & kClassMask);
  t.slots[slot].code = code;
  t.slots[slot].text = status.message();
  return code;
}

int class_of(int code) {
  if (code >= kUserCodeBase) {
    Table& t = table();
    std::lock_guard<std::mutex> guard(t.lock);
    auto it = t.user_code_class.find(code);
    return it == t.user_code_class.end() ? MPI_ERR_UNKNOWN : it->second;
  }
  if (code < 0) return MPI_ERR_UNKNOWN;
  return code & kClassMask;
}

bool is_valid_code(int code) {
  if (code < 0) return false;
  if (code >= kUserCodeBase) {
    Table& t = table();
    std::lock_guard<std::mutex> guard(t.lock);
    return t.user_code_class.count(code) != 0;
  }
  return class_description(code & kClassMask) != nullptr;
}

std::string string_of(int code) {
  Table& t = table();
  {
    std::lock_guard<std::mutex> guard(t.lock);
    auto user = t.user_strings.find(code);
    if (user != t.user_strings.end()) return user->second;
    // A user class or code without a string of its own reads as empty
    // (MPI-3.1 §8.5), even when its class has one.
    if (code >= kUserCodeBase) return "";
    if (code > 0 && (code >> kClassBits) != 0) {
      const MessageSlot& s = t.slots[((code >> kClassBits) - 1) % kSlots];
      if (s.code == code) return s.text;
    }
  }
  const char* d = class_description(class_of(code));
  if (d != nullptr) return d;
  return "invalid error code " + std::to_string(code);
}

namespace {

bool is_user_class(const Table& t, int c) {
  auto it = t.user_code_class.find(c);
  return it != t.user_code_class.end() && it->second == c;
}

}  // namespace

Result<int> add_error_class() {
  Table& t = table();
  std::lock_guard<std::mutex> guard(t.lock);
  if (t.next_user - kUserCodeBase >= kUserLimit)
    return Status(MPI_ERR_OTHER, "no more user error classes or codes available (limit " + std::to_string(kUserLimit) + ")");
  int c = t.next_user++;
  t.user_code_class[c] = c;  // a class is its own class
  return c;
}

Result<int> add_error_code(int error_class) {
  Table& t = table();
  std::lock_guard<std::mutex> guard(t.lock);
  if (!is_user_class(t, error_class) &&
      (error_class <= MPI_SUCCESS || error_class >= kUserCodeBase || class_description(error_class) == nullptr))
    return Status(MPI_ERR_ARG, "invalid error class " + std::to_string(error_class));
  if (t.next_user - kUserCodeBase >= kUserLimit)
    return Status(MPI_ERR_OTHER, "no more user error classes or codes available (limit " + std::to_string(kUserLimit) + ")");
  int code = t.next_user++;
  t.user_code_class[code] = error_class;
  return code;
}

Status set_error_string(int code, std::string text) {
  if (text.size() >= MPI_MAX_ERROR_STRING)
    return Status(MPI_ERR_ARG, "error string longer than MPI_MAX_ERROR_STRING-1");
  Table& t = table();
  std::lock_guard<std::mutex> guard(t.lock);
  if (!t.user_code_class.count(code))
    return Status(MPI_ERR_ARG, "error code " + std::to_string(code) + " is not user-defined");
  t.user_strings[code] = std::move(text);
  return Status::ok();
}

int last_used_code() {
  Table& t = table();
  std::lock_guard<std::mutex> guard(t.lock);
  // The largest user class or code, MPI_ERR_LASTCODE before any (every
  // predefined class and every issued code is below it).
  return t.next_user - 1;
}

}  // namespace parley::errors
