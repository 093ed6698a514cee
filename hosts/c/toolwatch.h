/* toolwatch for C: the WebAssembly core translated to C by wasm2c, behind a small API.
 *
 *   double cfg[TOOLWATCH_CONFIG_SLOTS];
 *   toolwatch_config_defaults(cfg);
 *   toolwatch_config_set(cfg, "minCalls", 20);
 *   toolwatch *tw = toolwatch_new(cfg, &rc);
 *   toolwatch_begin(tw, "acme", "alice", "send_email");
 *   toolwatch_arg_string(tw, "to", "bob@example.com", 15);
 *   toolwatch_decision d;
 *   int action = toolwatch_check(tw, now_ms, 0, &d);   // 0 allow, 1 warn, 2 block, <0 error
 *
 * Strings are UTF-8; names and keys are NUL-terminated, values carry their length. Errors are
 * negative codes; toolwatch_error_code() names them as every other host does (docs/HOSTS.md).
 */
#ifndef TOOLWATCH_H
#define TOOLWATCH_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI's constants (offsets, flags, limit ids, error codes, config slots), generated from the core's
 * sources: TOOLWATCH_<name in assembly/layout.ts or assembly/config.ts>. */
#include "toolwatch_abi.generated.h"

#define TOOLWATCH_CONFIG_BLOCK TOOLWATCH_CONFIG_COUNT
#define TOOLWATCH_SIGNALS_N TOOLWATCH_SIGNAL_COUNT

/* Core error codes are TOOLWATCH_ERR_* (docs/ABI.md); the host adds these. */
#define TOOLWATCH_E_ARGS_TOO_LARGE (-100)
#define TOOLWATCH_E_INVALID_TOOL (-101)
#define TOOLWATCH_E_INVALID_CONFIG (-102)
#define TOOLWATCH_E_INVALID_ALLOWLIST (-103)
#define TOOLWATCH_E_DETECTOR_FAILURE (-104)
#define TOOLWATCH_E_NO_MEMORY (-105)
#define TOOLWATCH_E_ABI_MISMATCH (-106)
#define TOOLWATCH_E_NO_CALL (-107)

typedef struct toolwatch toolwatch;

typedef struct {
  int code; /* signal id + 1, or TOOLWATCH_REASON_*; toolwatch_reason_name() */
  int flags;
  double score, actual, typical, context;
} toolwatch_reason;

typedef struct {
  int action; /* 0 allow, 1 warn, 2 block */
  int flags;  /* 1 learned, 2 allowlisted, 4 new entity, 8 evicted, 16 candidate, 32 promoted, 64 clock step */
  int mode;   /* baseline: 0 own, 1 tenant, 2 cold */
  int n_reasons;
  double risk;
  double signals[TOOLWATCH_SIGNALS_N];
  double entity_learned, entity_age_ms, baseline_calls, window_count;
  toolwatch_reason reasons[TOOLWATCH_MAX_REASONS];
} toolwatch_decision;

/* Config block: NaN = the core's default. Names are the JS config's camelCase settings, or
 * "signals.<signal>.weight" / "signals.<signal>.mode". Return 0 or TOOLWATCH_E_INVALID_CONFIG. */
void toolwatch_config_defaults(double *block);
int toolwatch_config_set(double *block, const char *name, double value);
int toolwatch_config_set_label(double *block, const char *name,
                               const char *label); /* action: warn|block; mode: on|off|shadow */
const char *toolwatch_config_slot_name(int slot);

/* A detector with its own instance of the core. config may be NULL (all defaults). On failure
 * returns NULL and, when rc is not NULL, the error code (the refused slot in *bad_slot if given). */
toolwatch *toolwatch_new(const double *config, int *rc, int *bad_slot);
void toolwatch_free(toolwatch *tw);

/* Builds a call: begin, then arguments in order. Errors stick until the call is used. */
int toolwatch_begin(toolwatch *tw, const char *tenant, const char *principal, const char *tool);
int toolwatch_arg_null(toolwatch *tw, const char *key);
int toolwatch_arg_bool(toolwatch *tw, const char *key, int value);
int toolwatch_arg_number(toolwatch *tw, const char *key, double value);
int toolwatch_arg_string(toolwatch *tw, const char *key, const char *value, size_t len);
int toolwatch_arg_object(toolwatch *tw, const char *key);
/* An array argument: then its string and number elements among its first 4096 (the other hosts look
 * no further); the first 16 are elements, later strings are passed as values past the limits. */
int toolwatch_arg_array(toolwatch *tw, const char *key);
int toolwatch_elem_string(toolwatch *tw, const char *value, size_t len);
int toolwatch_elem_number(toolwatch *tw, double value);
/* Values inside the latest array or object argument (docs/HOSTS.md "Values past the limits"): string
 * elements after the first 16 scalars go through toolwatch_elem_string; a string inside a nested object
 * or array is passed with its path ("message.to": object keys joined by ".", arrays add nothing); a
 * walk that stopped at a limit (4096 members, 16 levels, or an array past 4096 elements) is reported
 * once with toolwatch_nested_cut. What the core's budget cannot take is summarised for it. */
int toolwatch_nested_string(toolwatch *tw, const char *path, const char *value, size_t len);
int toolwatch_nested_cut(toolwatch *tw);

/* Scores the built call at time_ms (ms since the epoch) in the tenant's UTC offset (minutes). */
int toolwatch_check(toolwatch *tw, double time_ms, int tz_minutes, toolwatch_decision *out);
/* Operator feedback: learn the built call now. Returns 0 or an error. */
int toolwatch_learn(toolwatch *tw, double time_ms, int tz_minutes);
/* Post-invoke outcome. Returns 1 tracked, 0 not, or an error. */
int toolwatch_after(toolwatch *tw, const char *tenant, const char *principal, const char *tool, double time_ms,
                    int is_error);
/* kind: TOOLWATCH_ALLOW_*; unused names may be NULL. Returns 1 added, 0 already there, or an error. */
int toolwatch_allow(toolwatch *tw, int kind, const char *tenant, const char *principal, const char *tool);

/* The whole learned state as versioned, checksummed bytes (any host restores them). On success *out
 * is a malloc'ed buffer the caller frees. Returns 0 or an error. */
int toolwatch_snapshot(toolwatch *tw, uint8_t **out, size_t *len);
/* Replaces the state with a snapshot; a damaged or incompatible one is refused (SNAPSHOT_* codes,
 * -30..-37) and the state is left as it was. Returns the records restored or an error. */
int toolwatch_restore(toolwatch *tw, const uint8_t *data, size_t len);
/* Merges another replica's snapshot into this state. Returns the records merged or an error. */
int toolwatch_merge(toolwatch *tw, const uint8_t *data, size_t len);

uint64_t toolwatch_state_hash(toolwatch *tw);
double toolwatch_stat(toolwatch *tw, int id);
/* The RESULT bytes of the last decision, as the core wrote them. */
const uint8_t *toolwatch_result(toolwatch *tw, size_t *len);
/* Writes a raw call record into IO and calls check (fn 0) or learn (fn 1). For conformance tests. */
int toolwatch_raw(toolwatch *tw, const uint8_t *record, size_t len, int fn, double time_ms, int tz_minutes);

const char *toolwatch_error_code(int rc);
/* The message every host gives for rc (docs/ABI.md error tables); "" for the host's own codes. */
const char *toolwatch_error_message(int rc);
/* The module's limit(id) (TOOLWATCH_LIMIT_*): how far a caller building a call looks into one argument
 * (elements, scanned, walk, depth), as the other hosts do. */
int toolwatch_limit(toolwatch *tw, int id);
const char *toolwatch_action_name(int action);
const char *toolwatch_reason_name(int code);
const char *toolwatch_mode_name(int mode);

#ifdef __cplusplus
}
#endif
#endif
