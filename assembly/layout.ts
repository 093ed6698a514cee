// Fixed memory layout shared with every host. docs/ABI.md is the host-side copy of these numbers;
// test/abi.test.ts checks that the two agree through the exported sizes.

export const ABI_VERSION: i32 = 1;

// Scratch buffers in static memory. The host writes requests into IO and reads results from RESULT.
export const IO_SIZE: i32 = 65536;
export const RESULT_SIZE: i32 = 4096;
export const IO: usize = memory.data(65536, 16);
export const RESULT: usize = memory.data(4096, 16);
// Normalised copy of one string value before hashing (values longer than this are cut, see input.ts).
export const SCRATCH_SIZE: i32 = 1024;
export const SCRATCH: usize = memory.data(1024, 16);

// Limits on one call record (bytes). Larger input is refused with ERR_TOO_LONG / ERR_TOO_MANY_ARGS.
export const MAX_IDENT_BYTES: i32 = 256;
export const MAX_TOOL_BYTES: i32 = 256;
export const MAX_KEY_BYTES: i32 = 256;
export const MAX_VALUE_BYTES: i32 = 1024;
export const MAX_ARGS: i32 = 128;
// Values past the encoding limits (an array's elements after its first 16, strings inside nested objects)
// come after the ordinary entries, at most MAX_EXTRA of them, then one T_OMITTED summary of the rest.
export const MAX_EXTRA: i32 = 64;

// Error codes (negative results). Keep in sync with docs/ABI.md and js/core/errors.ts.
export const ERR_NOT_INITIALISED: i32 = -1;
export const ERR_BAD_RECORD: i32 = -2;
export const ERR_BAD_TIME: i32 = -3;
export const ERR_INVALID_UTF8: i32 = -4;
export const ERR_EMPTY_TOOL: i32 = -5;
export const ERR_TOO_LONG: i32 = -6;
export const ERR_TOO_MANY_ARGS: i32 = -7;
export const ERR_BAD_CONFIG: i32 = -8;
export const ERR_BUDGET: i32 = -9;
export const ERR_ALLOWLIST_FULL: i32 = -10;
export const ERR_BAD_ARG_TYPE: i32 = -11;
export const ERR_BAD_TZ: i32 = -12;

// Argument entry types in a call record.
export const T_NULL: u8 = 0;
export const T_BOOL: u8 = 1;
export const T_NUMBER: u8 = 2;
export const T_STRING: u8 = 3;
export const T_ARRAY: u8 = 4;
export const T_OBJECT: u8 = 5;
export const T_ELEM_STRING: u8 = 6; // one string element of the array entry with the same key
export const T_ELEM_NUMBER: u8 = 7; // one number element of the array entry with the same key
export const T_TAIL_STRING: u8 = 8; // a string element of the array with the same key, past its first 16 scalars
export const T_NESTED_STRING: u8 = 9; // a string inside a nested object or array; key: its path ("msg.to")
export const T_OMITTED: u8 = 10; // key "", value: u32 pairs (entry index of a top-level array/object, values not passed)

// Signals, in result order. Reason code = signal id + 1.
export const SIG_UNSEEN_TOOL: i32 = 0;
export const SIG_UNSEEN_SHAPE: i32 = 1;
export const SIG_UNSEEN_VALUE: i32 = 2;
export const SIG_BURST: i32 = 3;
export const SIG_RATE_SPIKE: i32 = 4;
export const SIG_RARE_TOOL: i32 = 5;
export const SIG_OFF_HOURS: i32 = 6;
export const SIG_UNUSUAL_HOUR: i32 = 7;
export const SIG_UNSEEN_TRANSITION: i32 = 8;
export const SIGNAL_COUNT: i32 = 9;

export const REASON_ALLOWLISTED: i32 = 10;
export const REASON_LEARNING: i32 = 11;
export const REASON_CLOCK_STEP: i32 = 12; // the call's time is more than a burst window before the entity's latest
export const REASON_VALUES_UNJUDGED: i32 = 13; // the host could not pass some values (past the limits): not looked at

// Result area layout (byte offsets into RESULT).
export const RES_ACTION: i32 = 0; // i32: 0 allow, 1 warn, 2 block
export const RES_FLAGS: i32 = 4; // i32: see FLAG_*
export const RES_MODE: i32 = 8; // i32: baseline used, see MODE_*
export const RES_NREASONS: i32 = 12; // i32
export const RES_RISK: i32 = 16; // f64
export const RES_SIGNALS: i32 = 24; // f64[SIGNAL_COUNT]
export const RES_ENTITY_LEARNED: i32 = 96; // f64 calls the entity's own baseline has learned
export const RES_ENTITY_AGE: i32 = 104; // f64 ms since the entity's first call
export const RES_BASELINE_CALLS: i32 = 112; // f64 calls learned by the baseline that judged the call
export const RES_WINDOW_COUNT: i32 = 120; // f64 calls in the burst window, this one included
export const RES_REASONS: i32 = 128; // REASON_SIZE bytes each
export const REASON_SIZE: i32 = 40; // i32 code, i32 flags, f64 score, f64 actual, f64 typical, f64 context
export const MAX_REASONS: i32 = 16;

export const FLAG_LEARNED: i32 = 1; // the call entered the baselines
export const FLAG_ALLOWLISTED: i32 = 2;
export const FLAG_NEW_ENTITY: i32 = 4; // the entity was created by this call
export const FLAG_EVICTED: i32 = 8; // creating the entity evicted another one
export const FLAG_CANDIDATE: i32 = 16; // the call's unseen tool was counted towards tenant adoption
export const FLAG_PROMOTED: i32 = 32; // ...and that made the tool known to the tenant
export const FLAG_CLOCK_STEP: i32 = 64; // the clock stepped back past the burst window (REASON_CLOCK_STEP)

export const REASON_FLAG_SHADOW: i32 = 1; // computed and reported, not counted in risk
export const REASON_FLAG_TENANT: i32 = 2; // judged against the tenant baseline
export const REASON_FLAG_ESTIMATE: i32 = 4; // actual figure is an estimate (burst above the ring's size)
export const REASON_FLAG_TENANT_KNOWN: i32 = 8; // unseen for the entity, but its tenant knows it
export const REASON_FLAG_DOMAIN_KNOWN: i32 = 16; // a never-seen value at a domain already used with the key
export const REASON_FLAG_DOMAIN_NEW: i32 = 32; // a never-seen address at a domain nobody in its tenant used
export const REASON_FLAG_UNJUDGED: i32 = 64; // values of a repeating array key past the limits, not looked at

export const MODE_OWN: i32 = 0; // the entity's own baseline
export const MODE_TENANT: i32 = 1; // the entity is learning; its tenant's baseline judged it
export const MODE_COLD: i32 = 2; // neither has enough evidence: only absolute signals count

export const ACTION_ALLOW: i32 = 0;
export const ACTION_WARN: i32 = 1;
export const ACTION_BLOCK: i32 = 2;
