// Error handling at the C edge: the error handler's action, predefined
// communicators' handlers, error codes/strings, and "not implemented" stubs.
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "abi/not_implemented.h"
#include "c_api.hpp"
#include "comm_handles.hpp"
#include "errors/error_codes.hpp"

namespace parley::c {
namespace {

std::unique_ptr<Communicator> g_world;
std::unique_ptr<Communicator> g_self;

[[noreturn]] void fatal(const char* function, int code, const std::string& text) {
  const auto& job = Runtime::get().job();
  const int cls = errors::class_of(code);
  // User classes (MPI_Add_error_class) have no predefined description.
  const char* what = errors::class_description(cls);
  std::string msg = "parley: rank " + std::to_string(job.rank) + " on " + job.hostname + ": " + text +
                    " (error class " + std::to_string(cls) + ": " + (what ? what : "user-defined class") + ")";
  (void)function;
  if (!Runtime::get().initialized() || Runtime::get().finalized()) {
    std::fprintf(stderr, "%s\n", msg.c_str());
    std::fflush(stderr);
    _exit(1);
  }
  // The launcher prints the message with the rank and host; as a singleton
  // the client prints it itself.
  // The job's exit status: the class where it fits a status byte (user
  // classes, above MPI_ERR_LASTCODE, would read as 0 there).
  Runtime::get().abort(cls > 0 && cls < 256 ? cls : MPI_ERR_OTHER, msg);
}

}  // namespace

void create_predefined_comms() {
  const auto& job = Runtime::get().job();
  // Context ids 0/1 belong to WORLD, 2/3 to SELF; later ones are agreed
  // collectively by the communicator constructors (runtime/comm/context_pool).
  g_world = std::make_unique<Communicator>(job.rank, Group::identity(job.size), 0, "MPI_COMM_WORLD",
                                           MPI_ERRORS_ARE_FATAL);
  auto self = std::make_shared<Group>();
  self->append(job.rank);
  g_self = std::make_unique<Communicator>(0, std::move(self), 2, "MPI_COMM_SELF", MPI_ERRORS_ARE_FATAL);
}

void destroy_predefined_comms() {
  // Kept alive after MPI_Finalize: the few calls legal afterwards (and error
  // reports from illegal ones) still consult WORLD's error handler.
}

Status not_initialized() {
  if (Runtime::get().state() == Runtime::State::kNotInitialized) return Status(MPI_ERR_OTHER, "called before MPI_Init");
  return Status(MPI_ERR_OTHER, "called after MPI_Finalize");
}

Communicator* lookup_comm(MPI_Comm comm) {
  if (comm == MPI_COMM_WORLD) return g_world.get();
  if (comm == MPI_COMM_SELF) return g_self.get();
  return lookup_user_comm(comm);  // comm.cpp's handle table
}

namespace {

// User error handlers (MPI_Comm/Win/File_create_errhandler): handles
// 0x94000000 | index. A freed handler stays callable for the objects that
// still use it, as the standard requires, so slots are never reused. Each
// remembers what kind of object it was made for: it may only be attached
// to objects of that kind (MPI-3.1 §8.3).
constexpr std::uint32_t kUserErrhTag = 0x94000000u;
constexpr std::uint32_t kUserErrhMask = 0xfc000000u;
enum class ErrhKind { comm, win, file };
struct UserErrhandler {
  ErrhKind kind;
  void (*fn)();  // one of the three MPI_X_errhandler_function types, by kind
  bool freed;
};
std::vector<UserErrhandler>& user_errhandlers() {
  static std::vector<UserErrhandler> table;
  return table;
}

UserErrhandler* user_errhandler(MPI_Errhandler h) {
  auto u = static_cast<std::uint32_t>(h);
  if ((u & kUserErrhMask) != kUserErrhTag) return nullptr;
  std::uint32_t index = u & ~kUserErrhMask;
  return index < user_errhandlers().size() ? &user_errhandlers()[index] : nullptr;
}

bool is_predefined_errhandler(MPI_Errhandler h) {
  return h == MPI_ERRORS_ARE_FATAL || h == MPI_ERRORS_RETURN || h == MPI_ERRORS_ABORT;
}

template <class Fn>
MPI_Errhandler make_user_errhandler(ErrhKind kind, Fn* fn) {
  user_errhandlers().push_back(UserErrhandler{kind, reinterpret_cast<void (*)()>(fn), false});
  return static_cast<MPI_Errhandler>(kUserErrhTag | static_cast<std::uint32_t>(user_errhandlers().size() - 1));
}

const char* kind_name(ErrhKind k) {
  switch (k) {
    case ErrhKind::comm: return "communicators";
    case ErrhKind::win: return "windows";
    default: return "files";
  }
}

// Whether `h` may be attached to an object of kind `kind`: a predefined
// handler, or a live user handler made for that kind.
Status check_errhandler_for(MPI_Errhandler h, ErrhKind kind) {
  if (is_predefined_errhandler(h)) return Status::ok();
  if (h == MPI_ERRHANDLER_NULL) return Status(MPI_ERR_ARG, "errhandler is MPI_ERRHANDLER_NULL");
  const UserErrhandler* u = user_errhandler(h);
  if (u == nullptr || u->freed) return Status(MPI_ERR_ARG, "invalid error handler " + std::to_string(h));
  if (u->kind != kind)
    return Status(MPI_ERR_ARG, "error handler " + std::to_string(h) + " was created for " + kind_name(u->kind) +
                                   ", not " + kind_name(kind));
  return Status::ok();
}

}  // namespace

bool is_valid_errhandler(MPI_Errhandler handler) {
  if (is_predefined_errhandler(handler)) return true;
  const UserErrhandler* u = user_errhandler(handler);
  return u != nullptr && !u->freed;
}

MPI_Errhandler create_user_errhandler(MPI_Comm_errhandler_function* fn) {
  return make_user_errhandler(ErrhKind::comm, fn);
}

bool free_user_errhandler(MPI_Errhandler h) {
  UserErrhandler* u = user_errhandler(h);
  if (u == nullptr || u->freed) return false;
  u->freed = true;
  return true;
}

// Calls a user communicator handler with the communicator and code; false
// if h is not one.
bool call_user_errhandler(MPI_Errhandler h, MPI_Comm comm, int code) {
  UserErrhandler* u = user_errhandler(h);
  if (u == nullptr || u->kind != ErrhKind::comm) return false;
  reinterpret_cast<MPI_Comm_errhandler_function*>(u->fn)(&comm, &code);
  return true;
}

namespace {

// The default error handler for file errors: MPI_FILE_NULL's (MPI-3.1
// §13.7), MPI_ERRORS_RETURN until MPI_File_set_errhandler(MPI_FILE_NULL)
// changes it. No file can be opened yet, so every file error is one on
// MPI_FILE_NULL or on an invalid handle, and goes to it.
MPI_Errhandler g_file_null_errhandler = MPI_ERRORS_RETURN;

}  // namespace

// Calls a user file handler; false if h is not one.
bool call_user_file_errhandler(MPI_Errhandler h, MPI_File fh, int code) {
  UserErrhandler* u = user_errhandler(h);
  if (u == nullptr || u->kind != ErrhKind::file) return false;
  reinterpret_cast<MPI_File_errhandler_function*>(u->fn)(&fh, &code);
  return true;
}

// Reports a file error through the default file error handler (see above).
int report_file(const char* function, MPI_File fh, const Status& status) {
  Status named(status.error_class(), std::string(function) + ": " + status.message());
  int code = errors::code_from_status(named);
  MPI_Errhandler h = g_file_null_errhandler;
  if (h == MPI_ERRORS_RETURN) return code;
  if (call_user_file_errhandler(h, fh, code)) return code;
  fatal(function, code, named.message());
}

int report(const char* function, MPI_Comm comm, const Status& status) {
  Status named(status.error_class(), std::string(function) + ": " + status.message());
  int code = errors::code_from_status(named);
  Communicator* c = lookup_comm(comm);
  if (c == nullptr) {
    c = g_world.get();  // errors on invalid handles go to WORLD's handler
    comm = MPI_COMM_WORLD;
  }
  int handler = c != nullptr ? c->errhandler() : MPI_ERRORS_ARE_FATAL;
  if (handler == MPI_ERRORS_RETURN) return code;
  // A user handler decides; if it returns, the call returns the code.
  if (call_user_errhandler(handler, comm, code)) return code;
  fatal(function, code, named.message());
}

}  // namespace parley::c

using parley::Status;
using parley::c::report;

extern "C" int parley_not_implemented(const char* function_name) {
  return report(function_name, MPI_COMM_WORLD,
                Status(MPI_ERR_UNSUPPORTED_OPERATION, "not implemented in Parley yet"));
}

extern "C" void parley_not_implemented_fatal(const char* function_name) {
  std::fprintf(stderr, "parley: %s: not implemented in Parley yet\n", function_name);
  std::fflush(stderr);
  if (parley::Runtime::get().initialized() && !parley::Runtime::get().finalized())
    parley::Runtime::get().abort(MPI_ERR_UNSUPPORTED_OPERATION, std::string(function_name) + ": not implemented in Parley yet");
  _exit(1);
}

int PMPI_Error_class(int errorcode, int* errorclass) {
  PARLEY_API_LOCK();
  if (errorclass == nullptr) return report("MPI_Error_class", MPI_COMM_WORLD, parley::c::null_arg("errorclass"));
  if (!parley::errors::is_valid_code(errorcode))
    return report("MPI_Error_class", MPI_COMM_WORLD,
                  Status(MPI_ERR_ARG, "invalid error code " + std::to_string(errorcode)));
  *errorclass = parley::errors::class_of(errorcode);
  return MPI_SUCCESS;
}

int PMPI_Error_string(int errorcode, char* string, int* resultlen) {
  PARLEY_API_LOCK();
  if (string == nullptr) return report("MPI_Error_string", MPI_COMM_WORLD, parley::c::null_arg("string"));
  if (resultlen == nullptr) return report("MPI_Error_string", MPI_COMM_WORLD, parley::c::null_arg("resultlen"));
  if (!parley::errors::is_valid_code(errorcode))
    return report("MPI_Error_string", MPI_COMM_WORLD,
                  Status(MPI_ERR_ARG, "invalid error code " + std::to_string(errorcode)));
  std::string text = parley::errors::string_of(errorcode);
  std::size_t n = std::min<std::size_t>(text.size(), MPI_MAX_ERROR_STRING - 1);
  std::memcpy(string, text.data(), n);
  string[n] = '\0';
  *resultlen = static_cast<int>(n);
  return MPI_SUCCESS;
}

int PMPI_Add_error_class(int* errorclass) {
  PARLEY_API_LOCK();
  if (errorclass == nullptr) return report("MPI_Add_error_class", MPI_COMM_WORLD, parley::c::null_arg("errorclass"));
  auto r = parley::errors::add_error_class();
  if (!r.is_ok()) return report("MPI_Add_error_class", MPI_COMM_WORLD, r.status());
  *errorclass = r.value();
  return MPI_SUCCESS;
}

int PMPI_Add_error_code(int errorclass, int* errorcode) {
  PARLEY_API_LOCK();
  if (errorcode == nullptr) return report("MPI_Add_error_code", MPI_COMM_WORLD, parley::c::null_arg("errorcode"));
  auto r = parley::errors::add_error_code(errorclass);
  if (!r.is_ok()) return report("MPI_Add_error_code", MPI_COMM_WORLD, r.status());
  *errorcode = r.value();
  return MPI_SUCCESS;
}

int PMPI_Add_error_string(int errorcode, const char* string) {
  PARLEY_API_LOCK();
  if (string == nullptr) return report("MPI_Add_error_string", MPI_COMM_WORLD, parley::c::null_arg("string"));
  if (Status st = parley::errors::set_error_string(errorcode, string); !st)
    return report("MPI_Add_error_string", MPI_COMM_WORLD, st);
  return MPI_SUCCESS;
}

int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_set_errhandler";
  parley::Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (Status st = parley::c::check_errhandler_for(errhandler, parley::c::ErrhKind::comm); !st)
    return report(fn, comm, st);
  c->set_errhandler(errhandler);
  return MPI_SUCCESS;
}

int PMPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_get_errhandler";
  parley::Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (errhandler == nullptr) return report(fn, comm, parley::c::null_arg("errhandler"));
  *errhandler = c->errhandler();
  return MPI_SUCCESS;
}

int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function* comm_errhandler_fn, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_create_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (comm_errhandler_fn == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("comm_errhandler_fn"));
  if (errhandler == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("errhandler"));
  *errhandler = parley::c::create_user_errhandler(comm_errhandler_fn);
  return MPI_SUCCESS;
}

int PMPI_Errhandler_free(MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Errhandler_free";
  if (errhandler == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("errhandler"));
  if (!parley::c::is_valid_errhandler(*errhandler))
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_ARG, "invalid error handler " + std::to_string(*errhandler)));
  // A user handler stays valid for the communicators still using it.
  (void)parley::c::free_user_errhandler(*errhandler);
  // Predefined handlers are never destroyed; the handle is nulled as the standard asks.
  *errhandler = MPI_ERRHANDLER_NULL;
  return MPI_SUCCESS;
}

int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_call_errhandler";
  parley::Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (c->errhandler() == MPI_ERRORS_RETURN) return MPI_SUCCESS;
  if (parley::c::call_user_errhandler(c->errhandler(), comm, errorcode)) return MPI_SUCCESS;
  return report(fn, comm, Status(parley::errors::class_of(errorcode), parley::errors::string_of(errorcode)));
}

// The MPI-1 names, deprecated but still in MPICH's header.
int PMPI_Errhandler_create(MPI_Comm_errhandler_function* comm_errhandler_fn, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  return PMPI_Comm_create_errhandler(comm_errhandler_fn, errhandler);
}
int PMPI_Errhandler_set(MPI_Comm comm, MPI_Errhandler errhandler) { return PMPI_Comm_set_errhandler(comm, errhandler); }
int PMPI_Errhandler_get(MPI_Comm comm, MPI_Errhandler* errhandler) { return PMPI_Comm_get_errhandler(comm, errhandler); }

// --- windows and files (MPI-3.1 §8.3.2, §8.3.3) ----------------------------
// Handlers for windows and files can be made, freed and attached to what
// exists: no window can be created yet, so every window handle is invalid
// (MPI_ERR_WIN through WORLD's handler, as for any invalid handle); no file
// can be opened yet, so the one file object is MPI_FILE_NULL, whose handler
// is the default for file errors and can be read and replaced.

Status parley::c::invalid_win(MPI_Win win) {
  if (win == MPI_WIN_NULL) return Status(MPI_ERR_WIN, "window is MPI_WIN_NULL");
  return Status(MPI_ERR_WIN, "invalid window handle " + std::to_string(win) +
                                 " (no window exists: one-sided communication is not implemented yet)");
}

namespace {

Status invalid_file() {
  return Status(MPI_ERR_FILE, "invalid file handle (no file is open: MPI-IO is not implemented yet)");
}

}  // namespace

int PMPI_Win_create_errhandler(MPI_Win_errhandler_function* win_errhandler_fn, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_create_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (win_errhandler_fn == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("win_errhandler_fn"));
  if (errhandler == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("errhandler"));
  *errhandler = parley::c::make_user_errhandler(parley::c::ErrhKind::win, win_errhandler_fn);
  return MPI_SUCCESS;
}

int PMPI_Win_set_errhandler(MPI_Win win, MPI_Errhandler errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_set_errhandler";
  (void)errhandler;
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  return report(fn, MPI_COMM_WORLD, parley::c::invalid_win(win));
}

int PMPI_Win_get_errhandler(MPI_Win win, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_get_errhandler";
  (void)errhandler;
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  return report(fn, MPI_COMM_WORLD, parley::c::invalid_win(win));
}

int PMPI_Win_call_errhandler(MPI_Win win, int errorcode) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_call_errhandler";
  (void)errorcode;
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  return report(fn, MPI_COMM_WORLD, parley::c::invalid_win(win));
}

int PMPI_File_create_errhandler(MPI_File_errhandler_function* file_errhandler_fn, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_File_create_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return parley::c::report_file(fn, MPI_FILE_NULL, st);
  if (file_errhandler_fn == nullptr)
    return parley::c::report_file(fn, MPI_FILE_NULL, parley::c::null_arg("file_errhandler_fn"));
  if (errhandler == nullptr) return parley::c::report_file(fn, MPI_FILE_NULL, parley::c::null_arg("errhandler"));
  *errhandler = parley::c::make_user_errhandler(parley::c::ErrhKind::file, file_errhandler_fn);
  return MPI_SUCCESS;
}

int PMPI_File_set_errhandler(MPI_File file, MPI_Errhandler errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_File_set_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return parley::c::report_file(fn, file, st);
  if (file != MPI_FILE_NULL) return parley::c::report_file(fn, file, invalid_file());
  if (Status st = parley::c::check_errhandler_for(errhandler, parley::c::ErrhKind::file); !st)
    return parley::c::report_file(fn, file, st);
  parley::c::g_file_null_errhandler = errhandler;
  return MPI_SUCCESS;
}

int PMPI_File_get_errhandler(MPI_File file, MPI_Errhandler* errhandler) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_File_get_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return parley::c::report_file(fn, file, st);
  if (file != MPI_FILE_NULL) return parley::c::report_file(fn, file, invalid_file());
  if (errhandler == nullptr) return parley::c::report_file(fn, file, parley::c::null_arg("errhandler"));
  *errhandler = parley::c::g_file_null_errhandler;
  return MPI_SUCCESS;
}

int PMPI_File_call_errhandler(MPI_File fh, int errorcode) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_File_call_errhandler";
  if (Status st = parley::c::require_initialized(); !st) return parley::c::report_file(fn, fh, st);
  if (fh != MPI_FILE_NULL) return parley::c::report_file(fn, fh, invalid_file());
  // MPI_FILE_NULL's handler is invoked with the user's code; when it
  // returns, the call succeeds (as MPI_Comm_call_errhandler does).
  MPI_Errhandler h = parley::c::g_file_null_errhandler;
  if (h == MPI_ERRORS_RETURN) return MPI_SUCCESS;
  if (parley::c::call_user_file_errhandler(h, fh, errorcode)) return MPI_SUCCESS;
  (void)parley::c::report_file(fn, fh, Status(parley::errors::class_of(errorcode), parley::errors::string_of(errorcode)));
  return MPI_SUCCESS;
}
