/* The OpenMP entry points that MLIR's `convert-openmp-to-llvm` calls (the `__kmpc_*`
 * interface of LLVM's OpenMP runtime), implemented on torch's own OpenMP pool.
 *
 * torch bundles libgomp, loads it into the global symbol namespace and runs its
 * intra-op parallelism on that pool. libgomp has no `__kmpc_*` entry points, so this
 * shim maps them onto `GOMP_parallel` and friends. Kiln's parallel loops therefore run
 * on the very threads torch uses: the two never compete for cores, a thread count set
 * with `torch.set_num_threads` applies to both, and waking the team costs what a torch
 * parallel op costs. Without libgomp in the process (the symbols are weak), every
 * parallel region runs on the calling thread alone.
 *
 * Only the static schedule is needed: MLIR emits `__kmpc_for_static_init_8u` with
 * `kmp_sch_static` for every `omp.wsloop` Kiln generates. Symbols are hidden so the
 * kernels of one library always bind to this copy. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define MAX_SHARED_ARGS 4

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads,
                          unsigned flags) __attribute__((weak));
extern void GOMP_barrier(void) __attribute__((weak));
extern int omp_get_thread_num(void) __attribute__((weak));
extern int omp_get_num_threads(void) __attribute__((weak));

typedef struct {
  int32_t reserved_1, flags, reserved_2, reserved_3;
  const char *psource;
} KmpIdent;

typedef void (*Microtask)(int32_t *global_tid, int32_t *bound_tid, ...);

typedef struct {
  Microtask task;
  int32_t argc;
  void *args[MAX_SHARED_ARGS];
} Fork;

static int thread_num(void) { return omp_get_thread_num ? omp_get_thread_num() : 0; }
static int team_size(void) { return omp_get_num_threads ? omp_get_num_threads() : 1; }

static void run_microtask(void *data) {
  const Fork *fork = (const Fork *)data;
  int32_t tid = thread_num(), bound = tid;
  void *const *a = fork->args;
  switch (fork->argc) {
  case 0: fork->task(&tid, &bound); break;
  case 1: fork->task(&tid, &bound, a[0]); break;
  case 2: fork->task(&tid, &bound, a[0], a[1]); break;
  case 3: fork->task(&tid, &bound, a[0], a[1], a[2]); break;
  default: fork->task(&tid, &bound, a[0], a[1], a[2], a[3]); break;
  }
}

HIDDEN void __kmpc_fork_call(KmpIdent *location, int32_t argc, Microtask task, ...) {
  (void)location;
  if (argc < 0 || argc > MAX_SHARED_ARGS) {
    fprintf(stderr, "kiln: a parallel region passes %d shared arguments; at most %d are "
                    "supported\n", argc, MAX_SHARED_ARGS);
    abort();
  }
  Fork fork = {.task = task, .argc = argc};
  va_list shared;
  va_start(shared, task);
  for (int32_t i = 0; i < argc; ++i)
    fork.args[i] = va_arg(shared, void *);
  va_end(shared);
  if (GOMP_parallel)
    GOMP_parallel(run_microtask, &fork, 0, 0);
  else
    run_microtask(&fork);
}

HIDDEN int32_t __kmpc_global_thread_num(KmpIdent *location) {
  (void)location;
  return thread_num();
}

/* Gives this thread its contiguous share of the inclusive range [*lower, *upper]. */
HIDDEN void __kmpc_for_static_init_8u(KmpIdent *location, int32_t global_tid,
                                      int32_t schedule, int32_t *is_last, uint64_t *lower,
                                      uint64_t *upper, int64_t *stride, int64_t increment,
                                      int64_t chunk) {
  (void)location, (void)global_tid, (void)schedule, (void)chunk;
  uint64_t step = (uint64_t)(increment > 0 ? increment : 1);
  uint64_t trips = *upper >= *lower ? (*upper - *lower) / step + 1 : 0;
  uint64_t threads = (uint64_t)team_size(), tid = (uint64_t)thread_num();
  uint64_t share = trips / threads, extra = trips % threads;
  uint64_t first = tid * share + (tid < extra ? tid : extra);
  uint64_t count = share + (tid < extra ? 1 : 0);
  *stride = (int64_t)(trips * step);
  *is_last = count > 0 && first + count == trips;
  if (count == 0) { /* an empty range: upper - lower + 1 == 0 */
    *lower = 1;
    *upper = 0;
    return;
  }
  uint64_t start = *lower;
  *lower = start + first * step;
  *upper = start + (first + count - 1) * step;
}

HIDDEN void __kmpc_for_static_fini(KmpIdent *location, int32_t global_tid) {
  (void)location, (void)global_tid;
}

HIDDEN void __kmpc_barrier(KmpIdent *location, int32_t global_tid) {
  (void)location, (void)global_tid;
  if (GOMP_barrier && team_size() > 1)
    GOMP_barrier();
}
