// Environment management: Init/Finalize and friends, initialisation on first use, and finalisation at
// exit only when this layer did the initialising (as mpi4py does). Also the module-level constants.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "parley/exception.hpp"

namespace parley {

inline constexpr int ANY_SOURCE = MPI_ANY_SOURCE;
inline constexpr int ANY_TAG = MPI_ANY_TAG;
inline constexpr int PROC_NULL = MPI_PROC_NULL;
inline constexpr int ROOT = MPI_ROOT;
inline constexpr int UNDEFINED = MPI_UNDEFINED;
inline constexpr int IDENT = MPI_IDENT;
inline constexpr int CONGRUENT = MPI_CONGRUENT;
inline constexpr int SIMILAR = MPI_SIMILAR;
inline constexpr int UNEQUAL = MPI_UNEQUAL;
inline constexpr int CART = MPI_CART;
inline constexpr int GRAPH = MPI_GRAPH;
inline constexpr int DIST_GRAPH = MPI_DIST_GRAPH;
inline constexpr int KEYVAL_INVALID = MPI_KEYVAL_INVALID;
inline constexpr int TAG_UB = MPI_TAG_UB;
inline constexpr int HOST = MPI_HOST;
inline constexpr int IO = MPI_IO;
inline constexpr int WTIME_IS_GLOBAL = MPI_WTIME_IS_GLOBAL;
inline constexpr int COMM_TYPE_SHARED = MPI_COMM_TYPE_SHARED;
inline constexpr int THREAD_SINGLE = MPI_THREAD_SINGLE;
inline constexpr int THREAD_FUNNELED = MPI_THREAD_FUNNELED;
inline constexpr int THREAD_SERIALIZED = MPI_THREAD_SERIALIZED;
inline constexpr int THREAD_MULTIPLE = MPI_THREAD_MULTIPLE;
inline constexpr int BSEND_OVERHEAD = MPI_BSEND_OVERHEAD;
inline constexpr int SUCCESS = MPI_SUCCESS;
inline constexpr int ERR_BUFFER = MPI_ERR_BUFFER;
inline constexpr int ERR_COUNT = MPI_ERR_COUNT;
inline constexpr int ERR_TYPE = MPI_ERR_TYPE;
inline constexpr int ERR_TAG = MPI_ERR_TAG;
inline constexpr int ERR_COMM = MPI_ERR_COMM;
inline constexpr int ERR_RANK = MPI_ERR_RANK;
inline constexpr int ERR_ROOT = MPI_ERR_ROOT;
inline constexpr int ERR_GROUP = MPI_ERR_GROUP;
inline constexpr int ERR_OP = MPI_ERR_OP;
inline constexpr int ERR_TOPOLOGY = MPI_ERR_TOPOLOGY;
inline constexpr int ERR_DIMS = MPI_ERR_DIMS;
inline constexpr int ERR_ARG = MPI_ERR_ARG;
inline constexpr int ERR_UNKNOWN = MPI_ERR_UNKNOWN;
inline constexpr int ERR_TRUNCATE = MPI_ERR_TRUNCATE;
inline constexpr int ERR_OTHER = MPI_ERR_OTHER;
inline constexpr int ERR_INTERN = MPI_ERR_INTERN;
inline constexpr int ERR_IN_STATUS = MPI_ERR_IN_STATUS;
inline constexpr int ERR_PENDING = MPI_ERR_PENDING;
inline constexpr int ERR_REQUEST = MPI_ERR_REQUEST;
inline constexpr int ERR_INFO_KEY = MPI_ERR_INFO_KEY;
inline constexpr int ERR_INFO_VALUE = MPI_ERR_INFO_VALUE;
inline constexpr int ERR_KEYVAL = MPI_ERR_KEYVAL;
inline constexpr int ERR_UNSUPPORTED_OPERATION = MPI_ERR_UNSUPPORTED_OPERATION;
inline constexpr int TYPECLASS_INTEGER = MPI_TYPECLASS_INTEGER;
inline constexpr int TYPECLASS_REAL = MPI_TYPECLASS_REAL;
inline constexpr int TYPECLASS_COMPLEX = MPI_TYPECLASS_COMPLEX;
inline constexpr int COMBINER_NAMED = MPI_COMBINER_NAMED;
inline constexpr int COMBINER_VECTOR = MPI_COMBINER_VECTOR;
inline constexpr int COMBINER_CONTIGUOUS = MPI_COMBINER_CONTIGUOUS;
inline constexpr int COMBINER_DARRAY = MPI_COMBINER_DARRAY;
inline constexpr int DISTRIBUTE_BLOCK = MPI_DISTRIBUTE_BLOCK;
inline constexpr int DISTRIBUTE_CYCLIC = MPI_DISTRIBUTE_CYCLIC;
inline constexpr int DISTRIBUTE_NONE = MPI_DISTRIBUTE_NONE;
inline constexpr int DISTRIBUTE_DFLT_DARG = MPI_DISTRIBUTE_DFLT_DARG;

namespace detail {

struct EnvState {
  std::atomic<bool> ready{false};  // MPI is initialised and WORLD/SELF return errors
  std::atomic<bool> ours{false};   // this layer called MPI_Init, so it finalises at exit
  std::mutex lock;
};
inline EnvState env_state;

inline void finalize_at_exit() noexcept {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (env_state.ours.load() && initialized && !finalized) MPI_Finalize();
}

// After MPI is up: errors on the predefined communicators come back as codes, which check() throws.
inline void after_init() {
  check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  check(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  env_state.ready.store(true, std::memory_order_release);
}

inline void mark_ours() {
  if (!env_state.ours.exchange(true)) std::atexit(finalize_at_exit);
}

inline void init_slow() {
  std::lock_guard<std::mutex> guard(env_state.lock);
  if (env_state.ready.load(std::memory_order_acquire)) return;
  int initialized = 0, finalized = 0;
  check(MPI_Initialized(&initialized));
  check(MPI_Finalized(&finalized));
  if (finalized) throw Exception(MPI_ERR_OTHER, "parley: MPI is already finalized");
  if (!initialized) {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided));
    mark_ours();
  }
  after_init();
}

// Initialises MPI on first use unless the program (or plain MPI code) already did. One load when ready.
inline void ensure_init() {
  if (!env_state.ready.load(std::memory_order_acquire)) [[unlikely]]
    init_slow();
}

}  // namespace detail

inline bool Is_initialized() {
  int flag = 0;
  check(MPI_Initialized(&flag));
  return flag != 0;
}

inline bool Is_finalized() {
  int flag = 0;
  check(MPI_Finalized(&flag));
  return flag != 0;
}

// Initialises MPI explicitly (instead of on first use); MPI is then finalised at exit unless Finalize()
// was called. Throws if MPI is already initialised.
inline void Init() {
  std::lock_guard<std::mutex> guard(detail::env_state.lock);
  if (Is_initialized()) throw Exception(MPI_ERR_OTHER, "parley::Init: MPI is already initialized");
  check(MPI_Init(nullptr, nullptr));
  detail::mark_ours();
  detail::after_init();
}

// Like Init, asking for thread support `required`; returns the level provided.
inline int Init_thread(int required = MPI_THREAD_MULTIPLE) {
  std::lock_guard<std::mutex> guard(detail::env_state.lock);
  if (Is_initialized()) throw Exception(MPI_ERR_OTHER, "parley::Init_thread: MPI is already initialized");
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, required, &provided));
  detail::mark_ours();
  detail::after_init();
  return provided;
}

// Finalises MPI (collective over all processes). Objects still alive afterwards are not freed.
inline void Finalize() { check(MPI_Finalize()); }

inline int Query_thread() {
  detail::ensure_init();
  int level = 0;
  check(MPI_Query_thread(&level));
  return level;
}

inline bool Is_thread_main() {
  detail::ensure_init();
  int flag = 0;
  check(MPI_Is_thread_main(&flag));
  return flag != 0;
}

// The MPI standard version the library implements: {version, subversion}.
inline std::pair<int, int> Get_version() {
  int version = 0, subversion = 0;
  check(MPI_Get_version(&version, &subversion));
  return {version, subversion};
}

inline std::string Get_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  check(MPI_Get_library_version(text, &len));
  return std::string(text, static_cast<std::size_t>(len));
}

inline std::string Get_processor_name() {
  detail::ensure_init();
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int len = 0;
  check(MPI_Get_processor_name(name, &len));
  return std::string(name, static_cast<std::size_t>(len));
}

inline double Wtime() {
  detail::ensure_init();
  return MPI_Wtime();
}

inline double Wtick() {
  detail::ensure_init();
  return MPI_Wtick();
}

inline int Get_error_class(int errorcode) {
  int cls = 0;
  check(MPI_Error_class(errorcode, &cls));
  return cls;
}

inline std::string Get_error_string(int errorcode) { return Exception(errorcode).Get_error_string(); }

// Attaches a user buffer for buffered sends (MPI_Buffer_attach); the memory must outlive the attachment.
inline void Attach_buffer(void* buffer, int size) {
  detail::ensure_init();
  check(MPI_Buffer_attach(buffer, size));
}

// Detaches the buffered-send buffer, waiting for pending buffered sends; returns {address, size}.
inline std::pair<void*, int> Detach_buffer() {
  detail::ensure_init();
  void* addr = nullptr;
  int size = 0;
  check(MPI_Buffer_detach(&addr, &size));
  return {addr, size};
}

// Memory for MPI (e.g. for one-sided windows); give it back with Free_mem.
inline void* Alloc_mem(MPI_Aint size, MPI_Info info = MPI_INFO_NULL) {
  detail::ensure_init();
  void* base = nullptr;
  check(MPI_Alloc_mem(size, info, &base));
  return base;
}
inline void Free_mem(void* base) { check(MPI_Free_mem(base)); }

// User error classes and codes, with their text (Get_error_string answers it).
inline int Add_error_class() {
  detail::ensure_init();
  int cls = 0;
  check(MPI_Add_error_class(&cls));
  return cls;
}
inline int Add_error_code(int errorclass) {
  detail::ensure_init();
  int code = 0;
  check(MPI_Add_error_code(errorclass, &code));
  return code;
}
inline void Add_error_string(int errorcode, const std::string& text) {
  detail::ensure_init();
  check(MPI_Add_error_string(errorcode, text.c_str()));
}

inline MPI_Aint Get_address(const void* location) {
  MPI_Aint addr = 0;
  check(MPI_Get_address(location, &addr));
  return addr;
}

}  // namespace parley
