/* The core (wasm2c) as a shared library for the Python host's native backend
 * (hosts/python/toolwatch_wasm/native.py, loaded with ctypes). It exposes the core's raw exports and
 * its linear memory, nothing else: marshalling, validation and decisions stay in the Python host, so
 * this path decides byte for byte like the wasmtime one (the conformance vectors run on both).
 *
 * Every export is called under the trap guard; a trap returns TWC_TRAPPED and the instance must be
 * discarded (the Python host starts a new one, as it does with wasmtime). Load it with ctypes.PyDLL:
 * calls then keep the GIL, which also serialises use of wasm2c's one global jump buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h" /* wasm2c output of build/toolwatch.wasm (see Makefile) */
#include "toolwatch_abi.generated.h"
#include "wasm-rt-impl.h"

#define TWC_TRAPPED INT32_MIN
/* built with -fvisibility=hidden: only these functions leave the library, not the runtime's symbols */
#define TWC_API __attribute__((visibility("default")))

#ifndef TWC_WASM_SHA256
#define TWC_WASM_SHA256 ""
#endif

typedef struct {
  Z_toolwatch_instance_t inst;
  uint32_t io, io_size;
  uint32_t lim[TOOLWATCH_LIMIT_DEPTH + 1]; /* limit(id) of every id (docs/ABI.md "Limits") */
} twc;

/* sha-256 of the .wasm this library was translated from: the host refuses a library built from
 * another core than the one it would otherwise run. */
TWC_API const char *twc_wasm_sha256(void) { return TWC_WASM_SHA256; }

static int ready = 0;

TWC_API twc *twc_new(void) {
  if (!ready) {
    wasm_rt_init();
    Z_toolwatch_init_module();
    ready = 1;
  }
  twc *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  if (wasm_rt_impl_try() != 0) {
    free(c);
    return NULL;
  }
  Z_toolwatch_instantiate(&c->inst);
  c->io = Z_toolwatchZ_io_ptr(&c->inst);
  c->io_size = Z_toolwatchZ_io_size(&c->inst);
  for (uint32_t i = 0; i <= TOOLWATCH_LIMIT_DEPTH; i++)
    c->lim[i] = Z_toolwatchZ_limit(&c->inst, i);
  return c;
}

TWC_API void twc_free(twc *c) {
  if (!c)
    return;
  Z_toolwatch_free(&c->inst);
  free(c);
}

/* Base and size of linear memory: valid until the next call that grows it (init). */
TWC_API uint8_t *twc_memory(twc *c, uint64_t *size) {
  wasm_rt_memory_t *m = Z_toolwatchZ_memory(&c->inst);
  *size = m->size;
  return m->data;
}

/* The exports by number, grouped by signature (docs/ABI.md). */
enum {
  /* () -> i32 */ E_ABI_VERSION,
  E_IO_PTR,
  E_IO_SIZE,
  E_RESULT_PTR,
  E_RESULT_SIZE,
  E_CONFIG_COUNT,
  E_INIT,
  E_XFER_PTR,
  E_XFER_SIZE,
  E_RESTORE_END,
  E_ENTITY_INFO,
  /* (i32) -> f64 */ E_CONFIG_DEFAULT,
  E_CONFIG_VALUE,
  E_STAT,
  /* (i32) -> i32 */ E_LIMIT,
  E_ALLOW_ADD,
  E_RECORD_EXPORT,
  E_RECORD_DROP,
  /* (i32, i32) -> i32 */ E_RECORD_IMPORT,
  E_RECORD_MERGE,
  /* (f64, i32) -> i32 */ E_CHECK,
  E_LEARN,
  E_AFTER,
  E_SNAPSHOT_READ,
  E_RESTORE_BEGIN,
  E_RESTORE_CHUNK,
  /* () -> f64 */ E_SNAPSHOT_BEGIN,
  /* () -> i64 */ E_STATE_HASH,
  /* () -> void */ E_ALLOW_CLEAR,
  E_RESTORE_ABORT,
  E_COUNT
};

static const char *const NAMES[E_COUNT] = {
    "abi_version",   "io_ptr",        "io_size",        "result_ptr",  "result_size",   "config_count",
    "init",          "xfer_ptr",      "xfer_size",      "restore_end", "entity_info",   "config_default",
    "config_value",  "stat",          "limit",          "allow_add",   "record_export", "record_drop",
    "record_import", "record_merge",  "check",          "learn",       "after",         "snapshot_read",
    "restore_begin", "restore_chunk", "snapshot_begin", "state_hash",  "allow_clear",   "restore_abort",
};

/* The export's number, or -1. */
TWC_API int twc_export(const char *name) {
  for (int i = 0; i < E_COUNT; i++)
    if (strcmp(NAMES[i], name) == 0)
      return i;
  return -1;
}

static uint32_t f64_i32(Z_toolwatch_instance_t *in, int e, double f, uint32_t a) {
  switch (e) {
  case E_CHECK:
    return Z_toolwatchZ_check(in, f, a);
  case E_LEARN:
    return Z_toolwatchZ_learn(in, f, a);
  case E_AFTER:
    return Z_toolwatchZ_after(in, f, a);
  case E_SNAPSHOT_READ:
    return Z_toolwatchZ_snapshot_read(in, f, a);
  case E_RESTORE_BEGIN:
    return Z_toolwatchZ_restore_begin(in, f, a);
  default:
    return Z_toolwatchZ_restore_chunk(in, f, a);
  }
}

/* Any export: f is the f64 argument, a and b the i32 ones, in signature order. The result goes to
 * *out_f (f64 results) or *out_i (i32 results, sign-extended; the i64 of state_hash). Returns 0, or
 * TWC_TRAPPED. */
TWC_API int32_t twc_call(twc *c, int e, double f, uint32_t a, uint32_t b, double *out_f, int64_t *out_i) {
  Z_toolwatch_instance_t *in = &c->inst;
  if (wasm_rt_impl_try() != 0)
    return TWC_TRAPPED;
  switch (e) {
  case E_ABI_VERSION:
    *out_i = (int32_t)Z_toolwatchZ_abi_version(in);
    break;
  case E_IO_PTR:
    *out_i = (int32_t)Z_toolwatchZ_io_ptr(in);
    break;
  case E_IO_SIZE:
    *out_i = (int32_t)Z_toolwatchZ_io_size(in);
    break;
  case E_RESULT_PTR:
    *out_i = (int32_t)Z_toolwatchZ_result_ptr(in);
    break;
  case E_RESULT_SIZE:
    *out_i = (int32_t)Z_toolwatchZ_result_size(in);
    break;
  case E_CONFIG_COUNT:
    *out_i = (int32_t)Z_toolwatchZ_config_count(in);
    break;
  case E_INIT:
    *out_i = (int32_t)Z_toolwatchZ_init(in);
    break;
  case E_XFER_PTR:
    *out_i = (int32_t)Z_toolwatchZ_xfer_ptr(in);
    break;
  case E_XFER_SIZE:
    *out_i = (int32_t)Z_toolwatchZ_xfer_size(in);
    break;
  case E_RESTORE_END:
    *out_i = (int32_t)Z_toolwatchZ_restore_end(in);
    break;
  case E_ENTITY_INFO:
    *out_i = (int32_t)Z_toolwatchZ_entity_info(in);
    break;
  case E_CONFIG_DEFAULT:
    *out_f = Z_toolwatchZ_config_default(in, a);
    break;
  case E_CONFIG_VALUE:
    *out_f = Z_toolwatchZ_config_value(in, a);
    break;
  case E_STAT:
    *out_f = Z_toolwatchZ_stat(in, a);
    break;
  case E_LIMIT:
    *out_i = (int32_t)Z_toolwatchZ_limit(in, a);
    break;
  case E_ALLOW_ADD:
    *out_i = (int32_t)Z_toolwatchZ_allow_add(in, a);
    break;
  case E_RECORD_EXPORT:
    *out_i = (int32_t)Z_toolwatchZ_record_export(in, a);
    break;
  case E_RECORD_DROP:
    *out_i = (int32_t)Z_toolwatchZ_record_drop(in, a);
    break;
  case E_RECORD_IMPORT:
    *out_i = (int32_t)Z_toolwatchZ_record_import(in, a, b);
    break;
  case E_RECORD_MERGE:
    *out_i = (int32_t)Z_toolwatchZ_record_merge(in, a, b);
    break;
  case E_CHECK:
  case E_LEARN:
  case E_AFTER:
  case E_SNAPSHOT_READ:
  case E_RESTORE_BEGIN:
  case E_RESTORE_CHUNK:
    *out_i = (int32_t)f64_i32(in, e, f, a);
    break;
  case E_SNAPSHOT_BEGIN:
    *out_f = Z_toolwatchZ_snapshot_begin(in);
    break;
  case E_STATE_HASH:
    *out_i = (int64_t)Z_toolwatchZ_state_hash(in);
    break;
  case E_ALLOW_CLEAR:
    Z_toolwatchZ_allow_clear(in);
    break;
  case E_RESTORE_ABORT:
    Z_toolwatchZ_restore_abort(in);
    break;
  default:
    return TWC_TRAPPED; /* not an export: the host never asks */
  }
  return 0;
}

/* The hot path in one crossing: copies a call record into IO and calls check, learn or after
 * (e = E_CHECK, E_LEARN, E_AFTER). Returns the export's result, or TWC_TRAPPED; a record longer than
 * IO (the encoders never make one) is BAD_RECORD. */
TWC_API int32_t twc_run(twc *c, int e, const uint8_t *record, uint32_t len, double t, int32_t x) {
  Z_toolwatch_instance_t *in = &c->inst;
  if (len > c->io_size || (e != E_CHECK && e != E_LEARN && e != E_AFTER))
    return -2;
  memcpy(Z_toolwatchZ_memory(in)->data + c->io, record, len);
  if (wasm_rt_impl_try() != 0)
    return TWC_TRAPPED;
  return (int32_t)f64_i32(in, e, t, (uint32_t)x);
}
