/* Prints every compile-time ABI fact of mpi.h as "NAME value" lines.
 * Built twice, against Parley's mpi.h and against MPICH's, and the two
 * outputs compared by compare_constants.py: any difference is an ABI break.
 * Needs only the header (no MPI library): it prints macros, enum values,
 * sizes, offsets and type identities, and never touches a library symbol. */
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Two-step stringification so that the macro's expansion is printed. */
#define PARLEY_STR2(x) #x
#define PARLEY_STR(x) PARLEY_STR2(x)

/* Integer-valued constants and handles. */
#define VAL(name) printf("%s %lld\n", #name, (long long)(name))
/* Pointer sentinels and null callbacks: the address they denote. */
#define PTR(name) printf("%s ptr:%lld\n", #name, (long long)(intptr_t)(name))
/* Macros that name a library symbol or type: the expansion, spelled out. */
#define SYM(name) printf("%s sym:%s\n", #name, PARLEY_STR(name))
/* Whether a flag macro is defined. */
#define DEFINED(name, yes) printf("%s defined:%d\n", name, yes)

/* The exact C type of an expression, for typedefs and exported variables. */
#define INT_TYPE_NAME(x) _Generic((x), \
    int: "int", long: "long", long long: "long-long", \
    unsigned: "unsigned", unsigned long: "unsigned-long", default: "other")
#define TYPE(T) printf("typedef %s size:%zu,type:%s\n", #T, sizeof(T), INT_TYPE_NAME((T)0))
#define PTR_TYPE(T, expected) \
    printf("typedef %s size:%zu,match:%d\n", #T, sizeof(T), _Generic((T)0, expected: 1, default: 0))
#define EXTERN(var, expected) printf("extern %s match:%d\n", #var, _Generic(&(var), expected: 1, default: 0))
/* Callback typedefs: the function type must be compatible with the standard's. */
#define CALLBACK(T, expected) printf("callback %s match:%d\n", #T, _Generic((T *)0, expected: 1, default: 0))
#define FIELD(S, f) printf("offsetof %s.%s %zu,size:%zu\n", #S, #f, offsetof(S, f), sizeof(((S *)0)->f))

static void values(void) {
  VAL(MPI_VERSION);
  VAL(MPI_SUBVERSION);
  PTR(MPI_STATUS_IGNORE);
  PTR(MPI_STATUSES_IGNORE);
  VAL(MPI_COMM_NULL);
  VAL(MPI_GROUP_NULL);
  VAL(MPI_DATATYPE_NULL);
  VAL(MPI_ERRHANDLER_NULL);
  VAL(MPI_OP_NULL);
  VAL(MPI_INFO_NULL);
  VAL(MPI_WIN_NULL);
  VAL(MPI_REQUEST_NULL);
  VAL(MPI_MESSAGE_NULL);
  VAL(MPI_SESSION_NULL);
  PTR(MPI_FILE_NULL);
  VAL(MPI_MESSAGE_NO_PROC);
  VAL(MPI_ANY_SOURCE);
  VAL(MPI_ANY_TAG);
  VAL(MPI_PROC_NULL);
  VAL(MPI_ROOT);
  VAL(MPI_BSEND_OVERHEAD);
  VAL(MPI_CHAR);
  VAL(MPI_SIGNED_CHAR);
  VAL(MPI_UNSIGNED_CHAR);
  VAL(MPI_BYTE);
  VAL(MPI_WCHAR);
  VAL(MPI_SHORT);
  VAL(MPI_UNSIGNED_SHORT);
  VAL(MPI_INT);
  VAL(MPI_UNSIGNED);
  VAL(MPI_LONG);
  VAL(MPI_UNSIGNED_LONG);
  VAL(MPI_LONG_LONG_INT);
  VAL(MPI_LONG_LONG);
  VAL(MPI_UNSIGNED_LONG_LONG);
  VAL(MPI_FLOAT);
  VAL(MPI_DOUBLE);
  VAL(MPI_LONG_DOUBLE);
  VAL(MPI_PACKED);
  VAL(MPI_LB);
  VAL(MPI_UB);
  VAL(MPI_INT8_T);
  VAL(MPI_INT16_T);
  VAL(MPI_INT32_T);
  VAL(MPI_INT64_T);
  VAL(MPI_UINT8_T);
  VAL(MPI_UINT16_T);
  VAL(MPI_UINT32_T);
  VAL(MPI_UINT64_T);
  VAL(MPI_C_BOOL);
  VAL(MPI_C_FLOAT_COMPLEX);
  VAL(MPI_C_COMPLEX);
  VAL(MPI_C_DOUBLE_COMPLEX);
  VAL(MPI_C_LONG_DOUBLE_COMPLEX);
  VAL(MPI_AINT);
  VAL(MPI_OFFSET);
  VAL(MPI_COUNT);
  VAL(MPI_CXX_BOOL);
  VAL(MPI_CXX_FLOAT_COMPLEX);
  VAL(MPI_CXX_DOUBLE_COMPLEX);
  VAL(MPI_CXX_LONG_DOUBLE_COMPLEX);
  VAL(MPI_FLOAT_INT);
  VAL(MPI_DOUBLE_INT);
  VAL(MPI_LONG_INT);
  VAL(MPI_SHORT_INT);
  VAL(MPI_LONG_DOUBLE_INT);
  VAL(MPI_2INT);
  VAL(MPI_CHARACTER);
  VAL(MPI_LOGICAL);
  VAL(MPI_INTEGER);
  VAL(MPI_REAL);
  VAL(MPI_DOUBLE_PRECISION);
  VAL(MPI_COMPLEX);
  VAL(MPI_DOUBLE_COMPLEX);
  VAL(MPI_2INTEGER);
  VAL(MPI_2REAL);
  VAL(MPI_2DOUBLE_PRECISION);
  VAL(MPI_INTEGER1);
  VAL(MPI_INTEGER2);
  VAL(MPI_INTEGER4);
  VAL(MPI_INTEGER8);
  VAL(MPI_INTEGER16);
  VAL(MPI_REAL4);
  VAL(MPI_REAL8);
  VAL(MPI_REAL16);
  VAL(MPI_COMPLEX8);
  VAL(MPI_COMPLEX16);
  VAL(MPI_COMPLEX32);
  VAL(MPI_TYPECLASS_REAL);
  VAL(MPI_TYPECLASS_INTEGER);
  VAL(MPI_TYPECLASS_COMPLEX);
  VAL(MPI_ORDER_C);
  VAL(MPI_ORDER_FORTRAN);
  VAL(MPI_DISTRIBUTE_BLOCK);
  VAL(MPI_DISTRIBUTE_CYCLIC);
  VAL(MPI_DISTRIBUTE_NONE);
  VAL(MPI_DISTRIBUTE_DFLT_DARG);
  VAL(MPI_MAX);
  VAL(MPI_MIN);
  VAL(MPI_SUM);
  VAL(MPI_PROD);
  VAL(MPI_LAND);
  VAL(MPI_BAND);
  VAL(MPI_LOR);
  VAL(MPI_BOR);
  VAL(MPI_LXOR);
  VAL(MPI_BXOR);
  VAL(MPI_MINLOC);
  VAL(MPI_MAXLOC);
  VAL(MPI_REPLACE);
  VAL(MPI_NO_OP);
  PTR(MPI_IN_PLACE);
  VAL(MPI_COMM_WORLD);
  VAL(MPI_COMM_SELF);
  VAL(MPI_GROUP_EMPTY);
  VAL(MPI_IDENT);
  VAL(MPI_CONGRUENT);
  VAL(MPI_SIMILAR);
  VAL(MPI_UNEQUAL);
  VAL(MPI_COMM_TYPE_SHARED);
  VAL(MPI_COMM_TYPE_HW_GUIDED);
  VAL(MPI_COMM_TYPE_HW_UNGUIDED);
  VAL(MPI_UNDEFINED);
  VAL(MPI_TAG_UB);
  VAL(MPI_HOST);
  VAL(MPI_IO);
  VAL(MPI_WTIME_IS_GLOBAL);
  VAL(MPI_UNIVERSE_SIZE);
  VAL(MPI_LASTUSEDCODE);
  VAL(MPI_APPNUM);
  VAL(MPI_WIN_BASE);
  VAL(MPI_WIN_SIZE);
  VAL(MPI_WIN_DISP_UNIT);
  VAL(MPI_WIN_CREATE_FLAVOR);
  VAL(MPI_WIN_MODEL);
  VAL(MPI_KEYVAL_INVALID);
  PTR(MPI_NULL_COPY_FN);
  PTR(MPI_NULL_DELETE_FN);
  SYM(MPI_DUP_FN);
  PTR(MPI_COMM_NULL_COPY_FN);
  PTR(MPI_COMM_NULL_DELETE_FN);
  SYM(MPI_COMM_DUP_FN);
  PTR(MPI_TYPE_NULL_COPY_FN);
  PTR(MPI_TYPE_NULL_DELETE_FN);
  SYM(MPI_TYPE_DUP_FN);
  PTR(MPI_WIN_NULL_COPY_FN);
  PTR(MPI_WIN_NULL_DELETE_FN);
  SYM(MPI_WIN_DUP_FN);
  VAL(MPI_THREAD_SINGLE);
  VAL(MPI_THREAD_FUNNELED);
  VAL(MPI_THREAD_SERIALIZED);
  VAL(MPI_THREAD_MULTIPLE);
  VAL(MPI_MAX_PROCESSOR_NAME);
  VAL(MPI_MAX_LIBRARY_VERSION_STRING);
  VAL(MPI_MAX_ERROR_STRING);
  VAL(MPI_MAX_PORT_NAME);
  VAL(MPI_MAX_OBJECT_NAME);
  VAL(MPI_MAX_INFO_KEY);
  VAL(MPI_MAX_INFO_VAL);
  VAL(MPI_MAX_DATAREP_STRING);
  VAL(MPI_MAX_STRINGTAG_LEN);
  VAL(MPI_MAX_PSET_NAME_LEN);
  VAL(MPI_ERRORS_ARE_FATAL);
  VAL(MPI_ERRORS_RETURN);
  VAL(MPI_ERRORS_ABORT);
  VAL(MPI_SUCCESS);
  VAL(MPI_ERR_BUFFER);
  VAL(MPI_ERR_COUNT);
  VAL(MPI_ERR_TYPE);
  VAL(MPI_ERR_TAG);
  VAL(MPI_ERR_COMM);
  VAL(MPI_ERR_RANK);
  VAL(MPI_ERR_ROOT);
  VAL(MPI_ERR_GROUP);
  VAL(MPI_ERR_OP);
  VAL(MPI_ERR_TOPOLOGY);
  VAL(MPI_ERR_DIMS);
  VAL(MPI_ERR_ARG);
  VAL(MPI_ERR_UNKNOWN);
  VAL(MPI_ERR_TRUNCATE);
  VAL(MPI_ERR_OTHER);
  VAL(MPI_ERR_INTERN);
  VAL(MPI_ERR_IN_STATUS);
  VAL(MPI_ERR_PENDING);
  VAL(MPI_ERR_REQUEST);
  VAL(MPI_ERR_ACCESS);
  VAL(MPI_ERR_AMODE);
  VAL(MPI_ERR_BAD_FILE);
  VAL(MPI_ERR_CONVERSION);
  VAL(MPI_ERR_DUP_DATAREP);
  VAL(MPI_ERR_FILE_EXISTS);
  VAL(MPI_ERR_FILE_IN_USE);
  VAL(MPI_ERR_FILE);
  VAL(MPI_ERR_INFO);
  VAL(MPI_ERR_INFO_KEY);
  VAL(MPI_ERR_INFO_VALUE);
  VAL(MPI_ERR_INFO_NOKEY);
  VAL(MPI_ERR_IO);
  VAL(MPI_ERR_NAME);
  VAL(MPI_ERR_NO_MEM);
  VAL(MPI_ERR_NOT_SAME);
  VAL(MPI_ERR_NO_SPACE);
  VAL(MPI_ERR_NO_SUCH_FILE);
  VAL(MPI_ERR_PORT);
  VAL(MPI_ERR_QUOTA);
  VAL(MPI_ERR_READ_ONLY);
  VAL(MPI_ERR_SERVICE);
  VAL(MPI_ERR_SPAWN);
  VAL(MPI_ERR_UNSUPPORTED_DATAREP);
  VAL(MPI_ERR_UNSUPPORTED_OPERATION);
  VAL(MPI_ERR_WIN);
  VAL(MPI_ERR_BASE);
  VAL(MPI_ERR_LOCKTYPE);
  VAL(MPI_ERR_KEYVAL);
  VAL(MPI_ERR_RMA_CONFLICT);
  VAL(MPI_ERR_RMA_SYNC);
  VAL(MPI_ERR_SIZE);
  VAL(MPI_ERR_DISP);
  VAL(MPI_ERR_ASSERT);
  VAL(MPI_ERR_RMA_RANGE);
  VAL(MPI_ERR_RMA_ATTACH);
  VAL(MPI_ERR_RMA_SHARED);
  VAL(MPI_ERR_RMA_FLAVOR);
  VAL(MPI_T_ERR_MEMORY);
  VAL(MPI_T_ERR_NOT_INITIALIZED);
  VAL(MPI_T_ERR_CANNOT_INIT);
  VAL(MPI_T_ERR_INVALID_INDEX);
  VAL(MPI_T_ERR_INVALID_ITEM);
  VAL(MPI_T_ERR_INVALID_HANDLE);
  VAL(MPI_T_ERR_OUT_OF_HANDLES);
  VAL(MPI_T_ERR_OUT_OF_SESSIONS);
  VAL(MPI_T_ERR_INVALID_SESSION);
  VAL(MPI_T_ERR_CVAR_SET_NOT_NOW);
  VAL(MPI_T_ERR_CVAR_SET_NEVER);
  VAL(MPI_T_ERR_PVAR_NO_STARTSTOP);
  VAL(MPI_T_ERR_PVAR_NO_WRITE);
  VAL(MPI_T_ERR_PVAR_NO_ATOMIC);
  VAL(MPI_T_ERR_INVALID_NAME);
  VAL(MPI_T_ERR_INVALID);
  VAL(MPI_ERR_SESSION);
  VAL(MPI_ERR_PROC_ABORTED);
  VAL(MPI_ERR_VALUE_TOO_LARGE);
  VAL(MPI_T_ERR_NOT_SUPPORTED);
  VAL(MPI_ERR_LASTCODE);
  VAL(MPI_INFO_ENV);
  PTR(MPI_ARGV_NULL);
  PTR(MPI_ARGVS_NULL);
  PTR(MPI_ERRCODES_IGNORE);
  VAL(MPI_LOCK_EXCLUSIVE);
  VAL(MPI_LOCK_SHARED);
  VAL(MPI_MODE_NOCHECK);
  VAL(MPI_MODE_NOSTORE);
  VAL(MPI_MODE_NOPUT);
  VAL(MPI_MODE_NOPRECEDE);
  VAL(MPI_MODE_NOSUCCEED);
  VAL(MPI_MODE_CREATE);
  VAL(MPI_MODE_RDONLY);
  VAL(MPI_MODE_WRONLY);
  VAL(MPI_MODE_RDWR);
  VAL(MPI_MODE_DELETE_ON_CLOSE);
  VAL(MPI_MODE_UNIQUE_OPEN);
  VAL(MPI_MODE_EXCL);
  VAL(MPI_MODE_APPEND);
  VAL(MPI_MODE_SEQUENTIAL);
  VAL(MPI_SEEK_SET);
  VAL(MPI_SEEK_CUR);
  VAL(MPI_SEEK_END);
  VAL(MPI_DISPLACEMENT_CURRENT);
  PTR(MPI_CONVERSION_FN_NULL);
  PTR(MPI_CONVERSION_FN_NULL_C);
  PTR(MPI_T_ENUM_NULL);
  PTR(MPI_T_CVAR_HANDLE_NULL);
  PTR(MPI_T_PVAR_HANDLE_NULL);
  PTR(MPI_T_PVAR_SESSION_NULL);
  VAL(MPI_F_STATUS_SIZE);
  VAL(MPI_F_SOURCE);
  VAL(MPI_F_TAG);
  VAL(MPI_F_ERROR);
  PTR(MPI_BOTTOM);
  SYM(MPIO_Request);
  VAL(MPIO_REQUEST_NULL);
  SYM(MPIO_Wait);
  SYM(MPIO_Test);
  SYM(PMPIO_Wait);
  SYM(PMPIO_Test);
  VAL(MPI_COMBINER_NAMED);
  VAL(MPI_COMBINER_DUP);
  VAL(MPI_COMBINER_CONTIGUOUS);
  VAL(MPI_COMBINER_VECTOR);
  VAL(MPI_COMBINER_HVECTOR_INTEGER);
  VAL(MPI_COMBINER_HVECTOR);
  VAL(MPI_COMBINER_INDEXED);
  VAL(MPI_COMBINER_HINDEXED_INTEGER);
  VAL(MPI_COMBINER_HINDEXED);
  VAL(MPI_COMBINER_INDEXED_BLOCK);
  VAL(MPI_COMBINER_STRUCT_INTEGER);
  VAL(MPI_COMBINER_STRUCT);
  VAL(MPI_COMBINER_SUBARRAY);
  VAL(MPI_COMBINER_DARRAY);
  VAL(MPI_COMBINER_F90_REAL);
  VAL(MPI_COMBINER_F90_COMPLEX);
  VAL(MPI_COMBINER_F90_INTEGER);
  VAL(MPI_COMBINER_RESIZED);
  VAL(MPI_COMBINER_HINDEXED_BLOCK);
  VAL(MPI_GRAPH);
  VAL(MPI_CART);
  VAL(MPI_DIST_GRAPH);
  VAL(MPI_WIN_FLAVOR_CREATE);
  VAL(MPI_WIN_FLAVOR_ALLOCATE);
  VAL(MPI_WIN_FLAVOR_DYNAMIC);
  VAL(MPI_WIN_FLAVOR_SHARED);
  VAL(MPI_WIN_SEPARATE);
  VAL(MPI_WIN_UNIFIED);
  VAL(MPI_T_VERBOSITY_INVALID);
  VAL(MPI_T_VERBOSITY_USER_BASIC);
  VAL(MPI_T_VERBOSITY_USER_DETAIL);
  VAL(MPI_T_VERBOSITY_USER_ALL);
  VAL(MPI_T_VERBOSITY_TUNER_BASIC);
  VAL(MPI_T_VERBOSITY_TUNER_DETAIL);
  VAL(MPI_T_VERBOSITY_TUNER_ALL);
  VAL(MPI_T_VERBOSITY_MPIDEV_BASIC);
  VAL(MPI_T_VERBOSITY_MPIDEV_DETAIL);
  VAL(MPI_T_VERBOSITY_MPIDEV_ALL);
  VAL(MPI_T_BIND_INVALID);
  VAL(MPI_T_BIND_NO_OBJECT);
  VAL(MPI_T_BIND_MPI_COMM);
  VAL(MPI_T_BIND_MPI_DATATYPE);
  VAL(MPI_T_BIND_MPI_ERRHANDLER);
  VAL(MPI_T_BIND_MPI_FILE);
  VAL(MPI_T_BIND_MPI_GROUP);
  VAL(MPI_T_BIND_MPI_OP);
  VAL(MPI_T_BIND_MPI_REQUEST);
  VAL(MPI_T_BIND_MPI_WIN);
  VAL(MPI_T_BIND_MPI_MESSAGE);
  VAL(MPI_T_BIND_MPI_INFO);
  VAL(MPI_T_SCOPE_INVALID);
  VAL(MPI_T_SCOPE_CONSTANT);
  VAL(MPI_T_SCOPE_READONLY);
  VAL(MPI_T_SCOPE_LOCAL);
  VAL(MPI_T_SCOPE_GROUP);
  VAL(MPI_T_SCOPE_GROUP_EQ);
  VAL(MPI_T_SCOPE_ALL);
  VAL(MPI_T_SCOPE_ALL_EQ);
  VAL(MPI_T_PVAR_CLASS_INVALID);
  VAL(MPI_T_PVAR_CLASS_STATE);
  VAL(MPI_T_PVAR_CLASS_LEVEL);
  VAL(MPI_T_PVAR_CLASS_SIZE);
  VAL(MPI_T_PVAR_CLASS_PERCENTAGE);
  VAL(MPI_T_PVAR_CLASS_HIGHWATERMARK);
  VAL(MPI_T_PVAR_CLASS_LOWWATERMARK);
  VAL(MPI_T_PVAR_CLASS_COUNTER);
  VAL(MPI_T_PVAR_CLASS_AGGREGATE);
  VAL(MPI_T_PVAR_CLASS_TIMER);
  VAL(MPI_T_PVAR_CLASS_GENERIC);
  VAL(MPI_T_CB_REQUIRE_NONE);
  VAL(MPI_T_CB_REQUIRE_MPI_RESTRICTED);
  VAL(MPI_T_CB_REQUIRE_THREAD_SAFE);
  VAL(MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE);
  VAL(MPI_T_SOURCE_ORDERED);
  VAL(MPI_T_SOURCE_UNORDERED);
}

static void flags(void) {
#ifdef MPI_INCLUDED
  DEFINED("MPI_INCLUDED", 1);
#else
  DEFINED("MPI_INCLUDED", 0);
#endif
#ifdef MPI_FILE_DEFINED
  DEFINED("MPI_FILE_DEFINED", 1);
#else
  DEFINED("MPI_FILE_DEFINED", 0);
#endif
#ifdef HAVE_MPI_OFFSET
  DEFINED("HAVE_MPI_OFFSET", 1);
#else
  DEFINED("HAVE_MPI_OFFSET", 0);
#endif
#ifdef MPIO_USES_MPI_REQUEST
  DEFINED("MPIO_USES_MPI_REQUEST", 1);
#else
  DEFINED("MPIO_USES_MPI_REQUEST", 0);
#endif
}

static void types(void) {
  TYPE(MPI_Aint);
  TYPE(MPI_Offset);
  TYPE(MPI_Count);
  TYPE(MPI_Fint);
  TYPE(MPI_Comm);
  TYPE(MPI_Group);
  TYPE(MPI_Datatype);
  TYPE(MPI_Op);
  TYPE(MPI_Errhandler);
  TYPE(MPI_Request);
  TYPE(MPI_Message);
  TYPE(MPI_Info);
  TYPE(MPI_Win);
  TYPE(MPI_Session);
  PTR_TYPE(MPI_File, struct ADIOI_FileD *);
  PTR_TYPE(MPI_T_enum, struct MPIR_T_enum_s *);
  PTR_TYPE(MPI_T_cvar_handle, struct MPIR_T_cvar_handle_s *);
  PTR_TYPE(MPI_T_pvar_handle, struct MPIR_T_pvar_handle_s *);
  PTR_TYPE(MPI_T_pvar_session, struct MPIR_T_pvar_session_s *);
  PTR_TYPE(MPI_T_event_registration, struct MPIR_T_event_registration_s *);
  PTR_TYPE(MPI_T_event_instance, struct MPIR_T_event_instance_s *);
  printf("typedef MPI_T_cb_safety size:%zu\n", sizeof(MPI_T_cb_safety));
  printf("typedef MPI_T_source_order size:%zu\n", sizeof(MPI_T_source_order));
}

static void layouts(void) {
  printf("sizeof MPI_Status %zu\n", sizeof(MPI_Status));
  FIELD(MPI_Status, count_lo);
  FIELD(MPI_Status, count_hi_and_cancelled);
  FIELD(MPI_Status, MPI_SOURCE);
  FIELD(MPI_Status, MPI_TAG);
  FIELD(MPI_Status, MPI_ERROR);
  printf("sizeof MPI_F08_status %zu\n", sizeof(MPI_F08_status));
  FIELD(MPI_F08_status, count_lo);
  FIELD(MPI_F08_status, count_hi_and_cancelled);
  FIELD(MPI_F08_status, MPI_SOURCE);
  FIELD(MPI_F08_status, MPI_TAG);
  FIELD(MPI_F08_status, MPI_ERROR);
}

static void externs(void) {
  EXTERN(MPI_UNWEIGHTED, int *const *);
  EXTERN(MPI_WEIGHTS_EMPTY, int *const *);
  EXTERN(MPI_F_STATUS_IGNORE, MPI_Fint **);
  EXTERN(MPI_F_STATUSES_IGNORE, MPI_Fint **);
  EXTERN(MPI_F08_STATUS_IGNORE, MPI_F08_status **);
  EXTERN(MPI_F08_STATUSES_IGNORE, MPI_F08_status **);
  EXTERN(MPI_T_PVAR_ALL_HANDLES, struct MPIR_T_pvar_handle_s *const *);
  /* The symbol MPI_DUP_FN and friends expand to, with its type. */
  printf("function MPIR_Dup_fn match:%d\n",
         _Generic(&MPIR_Dup_fn, int (*)(MPI_Comm, int, void *, void *, void *, int *): 1, default: 0));
}

static void callbacks(void) {
  CALLBACK(MPI_User_function, void (*)(void *, void *, int *, MPI_Datatype *));
  CALLBACK(MPI_User_function_c, void (*)(void *, void *, MPI_Count *, MPI_Datatype *));
  CALLBACK(MPI_Comm_copy_attr_function, int (*)(MPI_Comm, int, void *, void *, void *, int *));
  CALLBACK(MPI_Comm_delete_attr_function, int (*)(MPI_Comm, int, void *, void *));
  CALLBACK(MPI_Type_copy_attr_function, int (*)(MPI_Datatype, int, void *, void *, void *, int *));
  CALLBACK(MPI_Type_delete_attr_function, int (*)(MPI_Datatype, int, void *, void *));
  CALLBACK(MPI_Win_copy_attr_function, int (*)(MPI_Win, int, void *, void *, void *, int *));
  CALLBACK(MPI_Win_delete_attr_function, int (*)(MPI_Win, int, void *, void *));
  CALLBACK(MPI_Copy_function, int (*)(MPI_Comm, int, void *, void *, void *, int *));
  CALLBACK(MPI_Delete_function, int (*)(MPI_Comm, int, void *, void *));
  CALLBACK(MPI_Comm_errhandler_function, void (*)(MPI_Comm *, int *, ...));
  CALLBACK(MPI_File_errhandler_function, void (*)(MPI_File *, int *, ...));
  CALLBACK(MPI_Win_errhandler_function, void (*)(MPI_Win *, int *, ...));
  CALLBACK(MPI_Session_errhandler_function, void (*)(MPI_Session *, int *, ...));
  CALLBACK(MPI_Comm_errhandler_fn, void (*)(MPI_Comm *, int *, ...));
  CALLBACK(MPI_File_errhandler_fn, void (*)(MPI_File *, int *, ...));
  CALLBACK(MPI_Win_errhandler_fn, void (*)(MPI_Win *, int *, ...));
  CALLBACK(MPI_Session_errhandler_fn, void (*)(MPI_Session *, int *, ...));
  CALLBACK(MPI_Handler_function, void (*)(MPI_Comm *, int *, ...));
  CALLBACK(MPI_Grequest_query_function, int (*)(void *, MPI_Status *));
  CALLBACK(MPI_Grequest_free_function, int (*)(void *));
  CALLBACK(MPI_Grequest_cancel_function, int (*)(void *, int));
  CALLBACK(MPI_Datarep_conversion_function, int (*)(void *, MPI_Datatype, int, void *, MPI_Offset, void *));
  CALLBACK(MPI_Datarep_conversion_function_c,
           int (*)(void *, MPI_Datatype, MPI_Count, void *, MPI_Offset, void *));
  CALLBACK(MPI_Datarep_extent_function, int (*)(MPI_Datatype, MPI_Aint *, void *));
  CALLBACK(MPI_T_event_cb_function,
           void (*)(MPI_T_event_instance, MPI_T_event_registration, MPI_T_cb_safety, void *));
  CALLBACK(MPI_T_event_free_cb_function, void (*)(MPI_T_event_registration, MPI_T_cb_safety, void *));
  CALLBACK(MPI_T_event_dropped_cb_function,
           void (*)(MPI_Count, MPI_T_event_registration, int, MPI_T_cb_safety, void *));
}

int main(void) {
  values();
  flags();
  types();
  layouts();
  externs();
  callbacks();
  return 0;
}
