/* pmix_probe: a tiny PMIx client the launcher tests run as ranks (no MPI
 * library needed). argv[1] picks the behaviour; see usage() below. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pmix.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Same value as launcher/events.hpp and the runtime's bootstrap. */
#define PARLEY_EVENT_DUMP_STATE (PMIX_EXTERNAL_ERR_BASE - 1)

static pmix_proc_t me;
static uint32_t size;

static void die(const char *what, pmix_status_t rc) {
  fprintf(stderr, "probe rank %u: %s failed: %s\n", me.rank, what, PMIx_Error_string(rc));
  exit(3);
}

static uint32_t get_u32(pmix_rank_t rank, const char *key) {
  pmix_proc_t p;
  pmix_value_t *v = NULL;
  PMIX_LOAD_PROCID(&p, me.nspace, rank);
  pmix_status_t rc = PMIx_Get(&p, key, NULL, 0, &v);
  if (rc != PMIX_SUCCESS) die(key, rc);
  uint32_t out = 0;
  if (v->type == PMIX_UINT32) out = v->data.uint32;
  else if (v->type == PMIX_UINT16) out = v->data.uint16;
  else if (v->type == PMIX_PROC_RANK) out = v->data.rank;
  PMIX_VALUE_RELEASE(v);
  return out;
}

static char *get_str(pmix_rank_t rank, const char *key) {
  pmix_proc_t p;
  pmix_value_t *v = NULL;
  PMIX_LOAD_PROCID(&p, me.nspace, rank);
  pmix_status_t rc = PMIx_Get(&p, key, NULL, 0, &v);
  if (rc != PMIX_SUCCESS) die(key, rc);
  char *out = strdup(v->type == PMIX_STRING && v->data.string ? v->data.string : "?");
  PMIX_VALUE_RELEASE(v);
  return out;
}

static void fence(int collect) {
  pmix_info_t info;
  bool flag = collect ? true : false;
  PMIX_INFO_CONSTRUCT(&info);
  PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &flag, PMIX_BOOL);
  pmix_status_t rc = PMIx_Fence(NULL, 0, &info, 1);
  PMIX_INFO_DESTRUCT(&info);
  if (rc != PMIX_SUCCESS) die("PMIx_Fence", rc);
}

static void ready(void) {
  printf("rank %u ready\n", me.rank);
  fflush(stdout);
}

static void dump_handler(size_t id, pmix_status_t status, const pmix_proc_t *source, pmix_info_t info[],
                         size_t ninfo, pmix_info_t results[], size_t nresults,
                         pmix_event_notification_cbfunc_fn_t cbfunc, void *cbdata) {
  (void)id; (void)status; (void)source; (void)info; (void)ninfo; (void)results; (void)nresults;
  char line[64];
  int n = snprintf(line, sizeof line, "rank %u: blocked in pause\n", me.rank);
  (void)!write(STDOUT_FILENO, line, (size_t)n);
  if (cbfunc) cbfunc(PMIX_EVENT_ACTION_COMPLETE, NULL, 0, NULL, NULL, cbdata);
}

static void finish(void) {
  pmix_status_t rc = PMIx_Finalize(NULL, 0);
  if (rc != PMIX_SUCCESS) die("PMIx_Finalize", rc);
  exit(0);
}

static int usage(void) {
  fprintf(stderr,
          "usage: pmix_probe info | fence | fences N | exit R K | signal R SIG | abort R K | hang | dump |\n"
          "                  stdin | env VAR | spam LINES LEN | publish | nofinalize R | shm R\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *mode = argv[1];
  pmix_status_t rc = PMIx_Init(&me, NULL, 0);
  if (rc != PMIX_SUCCESS) {
    fprintf(stderr, "probe: PMIx_Init failed: %s\n", PMIx_Error_string(rc));
    return 3;
  }
  size = get_u32(PMIX_RANK_WILDCARD, PMIX_JOB_SIZE);
  int target = argc > 2 ? atoi(argv[2]) : 0;
  int arg = argc > 3 ? atoi(argv[3]) : 0;

  if (!strcmp(mode, "info")) {
    uint32_t lsize = get_u32(PMIX_RANK_WILDCARD, PMIX_LOCAL_SIZE);
    uint32_t lrank = get_u32(me.rank, PMIX_LOCAL_RANK);
    uint32_t appnum = get_u32(me.rank, PMIX_APPNUM);
    uint32_t appsize = get_u32(me.rank, PMIX_APP_SIZE);
    uint32_t univ = get_u32(PMIX_RANK_WILDCARD, PMIX_UNIV_SIZE);
    char *peers = get_str(PMIX_RANK_WILDCARD, PMIX_LOCAL_PEERS);
    char *host = get_str(me.rank, PMIX_HOSTNAME);
    const char *jobid = getenv("PARLEY_JOBID");
    printf("rank %u size %u local_rank %u local_size %u peers %s host %s appnum %u appsize %u univ %u "
           "argv0 %s jobid %s\n",
           me.rank, size, lrank, lsize, peers, host, appnum, appsize, univ, argv[0], jobid ? jobid : "-");
    free(peers);
    free(host);
    finish();
  }
  if (!strcmp(mode, "fences")) { /* `target` rounds of put + fence with data + check */
    for (int i = 0; i < target; ++i) {
      char key[64], mine[64];
      snprintf(key, sizeof key, "probe.round%d", i);
      snprintf(mine, sizeof mine, "r%u-i%d", me.rank, i);
      pmix_value_t v;
      PMIX_VALUE_LOAD(&v, mine, PMIX_STRING);
      rc = PMIx_Put(PMIX_GLOBAL, key, &v);
      PMIX_VALUE_DESTRUCT(&v);
      if (rc != PMIX_SUCCESS) die("PMIx_Put", rc);
      if ((rc = PMIx_Commit()) != PMIX_SUCCESS) die("PMIx_Commit", rc);
      fence(1);
      for (uint32_t r = 0; r < size; ++r) {
        char *got = get_str(r, key);
        char want[64];
        snprintf(want, sizeof want, "r%u-i%d", r, i);
        if (strcmp(got, want) != 0) {
          fprintf(stderr, "rank %u round %d: rank %u's value is '%s', expected '%s'\n", me.rank, i, r, got, want);
          return 4;
        }
        free(got);
      }
    }
    printf("rank %u fences ok (%d rounds)\n", me.rank, target);
    finish();
  }
  if (!strcmp(mode, "fence")) {
    char mine[64];
    snprintf(mine, sizeof mine, "value-of-%u", me.rank);
    pmix_value_t v;
    PMIX_VALUE_LOAD(&v, mine, PMIX_STRING);
    rc = PMIx_Put(PMIX_GLOBAL, "probe.value", &v);
    PMIX_VALUE_DESTRUCT(&v);
    if (rc != PMIX_SUCCESS) die("PMIx_Put", rc);
    if ((rc = PMIx_Commit()) != PMIX_SUCCESS) die("PMIx_Commit", rc);
    fence(1);
    for (uint32_t r = 0; r < size; ++r) {
      char *got = get_str(r, "probe.value");
      char want[64];
      snprintf(want, sizeof want, "value-of-%u", r);
      if (strcmp(got, want) != 0) {
        fprintf(stderr, "rank %u: rank %u's value is '%s', expected '%s'\n", me.rank, r, got, want);
        return 4;
      }
      free(got);
    }
    fence(0); /* and one without data */
    printf("rank %u fence ok (%u values)\n", me.rank, size);
    finish();
  }
  if (!strcmp(mode, "exit") || !strcmp(mode, "signal") || !strcmp(mode, "abort") ||
      !strcmp(mode, "nofinalize") || !strcmp(mode, "shm")) {
    ready();
    fence(0); /* everybody is up before rank R misbehaves */
    if ((int)me.rank == target) {
      if (!strcmp(mode, "exit")) exit(arg);
      if (!strcmp(mode, "signal")) raise(arg);
      if (!strcmp(mode, "abort")) {
        PMIx_Abort(arg, "probe abort", NULL, 0);
        pause();
      }
      if (!strcmp(mode, "nofinalize")) exit(0);
      if (!strcmp(mode, "shm")) {
        char name[256];
        snprintf(name, sizeof name, "/parley-%s-probe", getenv("PARLEY_JOBID"));
        int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
        if (fd < 0) die("shm_open", PMIX_ERROR);
        raise(SIGKILL);
      }
    }
    for (;;) pause();
  }
  if (!strcmp(mode, "hang")) {
    ready();
    for (;;) pause();
  }
  if (!strcmp(mode, "dump")) {
    pmix_status_t code = PARLEY_EVENT_DUMP_STATE;
    rc = PMIx_Register_event_handler(&code, 1, NULL, 0, dump_handler, NULL, NULL);
    if (rc < 0) die("PMIx_Register_event_handler", rc);
    ready();
    for (;;) pause();
  }
  if (!strcmp(mode, "stdin")) {
    if (me.rank == 0) {
      char line[4096];
      while (fgets(line, sizeof line, stdin)) printf("rank 0 got: %s", line);
      printf("rank 0 stdin eof\n");
    } else {
      char c;
      ssize_t n = read(STDIN_FILENO, &c, 1);
      printf("rank %u stdin %s\n", me.rank, n == 0 ? "empty" : "has data");
    }
    finish();
  }
  if (!strcmp(mode, "env")) {
    const char *v = argc > 2 ? getenv(argv[2]) : NULL;
    printf("rank %u %s=%s\n", me.rank, argc > 2 ? argv[2] : "?", v ? v : "(unset)");
    finish();
  }
  if (!strcmp(mode, "spam")) {
    int lines = target, len = arg;
    char *buf = malloc((size_t)len + 64);
    for (int i = 0; i < lines; ++i) {
      int n = snprintf(buf, 64, "rank %u line %d ", me.rank, i);
      for (int k = n; k < len + n; ++k) buf[k] = (char)('a' + me.rank % 26);
      buf[len + n] = '\n';
      /* Three writes per line: a launcher that forwards raw chunks interleaves. */
      int third = (len + n + 1) / 3;
      (void)!write(STDOUT_FILENO, buf, (size_t)third);
      (void)!write(STDOUT_FILENO, buf + third, (size_t)third);
      (void)!write(STDOUT_FILENO, buf + 2 * third, (size_t)(len + n + 1 - 2 * third));
    }
    free(buf);
    finish();
  }
  if (!strcmp(mode, "publish")) {
    if (me.rank == 0) {
      pmix_info_t info;
      PMIX_INFO_CONSTRUCT(&info);
      PMIX_INFO_LOAD(&info, "probe-service", "port-42", PMIX_STRING);
      if ((rc = PMIx_Publish(&info, 1)) != PMIX_SUCCESS) die("PMIx_Publish", rc);
      PMIX_INFO_DESTRUCT(&info);
      /* a second publish of the same name must fail */
      PMIX_INFO_LOAD(&info, "probe-service", "port-43", PMIX_STRING);
      rc = PMIx_Publish(&info, 1);
      PMIX_INFO_DESTRUCT(&info);
      if (rc == PMIX_SUCCESS) {
        fprintf(stderr, "rank 0: duplicate publish succeeded\n");
        return 5;
      }
    }
    fence(0);
    if (me.rank != 0 || size == 1) {
      pmix_pdata_t pd;
      PMIX_PDATA_CONSTRUCT(&pd);
      PMIX_LOAD_KEY(pd.key, "probe-service");
      if ((rc = PMIx_Lookup(&pd, 1, NULL, 0)) != PMIX_SUCCESS) die("PMIx_Lookup", rc);
      printf("rank %u looked up probe-service=%s (published by rank %u)\n", me.rank, pd.value.data.string,
             pd.proc.rank);
      PMIX_PDATA_DESTRUCT(&pd);
    }
    fence(0);
    if (me.rank == 0) {
      char *keys[] = {"probe-service", NULL};
      if ((rc = PMIx_Unpublish(keys, NULL, 0)) != PMIX_SUCCESS) die("PMIx_Unpublish", rc);
      pmix_pdata_t pd;
      PMIX_PDATA_CONSTRUCT(&pd);
      PMIX_LOAD_KEY(pd.key, "probe-service");
      rc = PMIx_Lookup(&pd, 1, NULL, 0);
      printf("rank 0 lookup after unpublish: %s\n", rc == PMIX_SUCCESS ? "found" : "not found");
      PMIX_PDATA_DESTRUCT(&pd);
    }
    finish();
  }
  return usage();
}
