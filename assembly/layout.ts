// The module's ABI as constants: the one description every host is generated from. scripts/gen-abi.mjs
// reads this file and config.ts and writes the JS, Python and C constants, the config slot tables, the
// error tables and the tables in docs/ABI.md; `node scripts/gen-abi.mjs --check` fails when they are stale.
//
// How the generator reads it: every `export const NAME: type = value;` with a number value is a constant,
// grouped by its prefix (RES_, FLAG_, ERR_, ...). The trailing comment is its meaning in the docs. Lines
// `// @tag text` right above a constant add fields: @message (the host's error text), @code (the name
// hosts report, when it is not NAME without its prefix), @name (a signal's camelCase name), @reason (its
// reason code), @actual/@typical/@context (what a reason's figures hold), @type (a RESULT field's type),
// @value (the constant a limit id reports), @doc (a longer meaning; lines join).

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
// How far hosts look into one argument (the core does not walk JSON; hosts read these through limit()).
export const MAX_ELEMENTS: i32 = 16; // scalar elements of one array passed as element entries
export const MAX_SCANNED: i32 = 4096; // elements of one array looked at
export const MAX_WALK: i32 = 4096; // members of one argument's nested objects and arrays visited
export const MAX_DEPTH: i32 = 16; // levels of nesting visited below a top-level argument

// Ids of limit(id).
// @value MAX_IDENT_BYTES
export const LIMIT_IDENT_BYTES: i32 = 0; // bytes of a tenant or principal
// @value MAX_TOOL_BYTES
export const LIMIT_TOOL_BYTES: i32 = 1; // bytes of a tool name
// @value MAX_KEY_BYTES
export const LIMIT_KEY_BYTES: i32 = 2; // bytes of an argument key (or a nested value's path)
// @value MAX_VALUE_BYTES
export const LIMIT_VALUE_BYTES: i32 = 3; // bytes of a string value (hosts cut longer ones)
// @value MAX_ARGS
export const LIMIT_ARGS: i32 = 4; // ordinary argument entries
// @value MAX_EXTRA
export const LIMIT_EXTRA: i32 = 5; // extra entries: values past the limits
// @value MAX_ELEMENTS
export const LIMIT_ELEMENTS: i32 = 6; // scalar elements of one array passed as types 6/7
// @value MAX_SCANNED
export const LIMIT_SCANNED: i32 = 7; // elements of one array looked at
// @value MAX_WALK
export const LIMIT_WALK: i32 = 8; // nested members visited per top-level argument
// @value MAX_DEPTH
export const LIMIT_DEPTH: i32 = 9; // nesting levels visited per top-level argument

// Error codes (negative results).
// @message the module has no configuration yet
export const ERR_NOT_INITIALISED: i32 = -1; // `init` has not succeeded
// @message the call record is malformed
// @doc the call record's lengths run past the buffer, or a value's length does not fit its type,
// @doc or a bad allowlist kind
export const ERR_BAD_RECORD: i32 = -2;
// @message time must be a finite number of milliseconds since the epoch, 0..8.64e15
export const ERR_BAD_TIME: i32 = -3; // time is NaN, infinite, negative or above 8.64e15
// @message a name is not valid UTF-8
// @doc tenant, principal, tool or a key is not valid UTF-8 (overlongs, surrogates and > U+10FFFF refused)
export const ERR_INVALID_UTF8: i32 = -4;
// @message the tool name is empty
export const ERR_EMPTY_TOOL: i32 = -5; // tool name of length 0 (in `check`/`learn`)
// @message a name, key or value is longer than the core accepts
export const ERR_TOO_LONG: i32 = -6; // an identity, tool, key or value is over its limit
// @message the call has more argument entries than the core accepts
export const ERR_TOO_MANY_ARGS: i32 = -7; // more than 128 argument entries, or more than 64 extra entries
// @message the configuration was refused by the core
// @doc `init` refused the config; the first bad slot index is written as an i32 at `result_ptr()`;
// @doc the previous config stays in force
export const ERR_BAD_CONFIG: i32 = -8;
// @message the memory budget cannot hold the configured state
// @doc the budget cannot hold the layout (or memory could not grow); the detector is not initialised
export const ERR_BUDGET: i32 = -9;
// @message the allowlist is full
export const ERR_ALLOWLIST_FULL: i32 = -10; // 1 024 allowlist entries already
// @message an argument entry has an unknown type
export const ERR_BAD_ARG_TYPE: i32 = -11; // an argument entry type above 10
// @message the UTC offset must be within ±1439 minutes
export const ERR_BAD_TZ: i32 = -12; // `tz_minutes` outside ±1439

// Error codes of the record transfer and snapshot exports (transfer.ts, snapshot.ts).
// @code RECORD_LENGTH
// @message the record's length does not match its header and this detector's record size
export const ERR_XFER_LENGTH: i32 = -20; // `len` is not 40 + this core's record size (or exceeds XFER)
// @code RECORD_FOREIGN
// @message the bytes are not a toolwatch record (bad magic)
export const ERR_XFER_MAGIC: i32 = -21; // bad magic: not a record
// @code RECORD_VERSION
// @message the record was written by a newer format or ABI version
export const ERR_XFER_VERSION: i32 = -22; // written by a newer record format or ABI version
// @code RECORD_INCOMPATIBLE
// @message the record has another layout (caps, burst threshold or hash seed differ)
export const ERR_XFER_LAYOUT: i32 = -23; // record size or layout hash differ (caps, burst threshold or hash seed)
// @code RECORD_CORRUPT
// @message the record's checksum does not match its bytes
export const ERR_XFER_CHECKSUM: i32 = -24; // checksum mismatch
// @code RECORD_KEY
// @message the record belongs to another identity or kind
// @doc the record belongs to another identity, or is a tenant record given as an entity (or the reverse)
export const ERR_XFER_KEY: i32 = -25;
// @code RECORD_INVALID
// @message the record has fields out of range
export const ERR_XFER_INVALID: i32 = -26; // checksum right but fields out of range (ring position, times, flags)
// @code RECORD_KIND
// @message which must be 0 (entity) or 1 (tenant)
export const ERR_XFER_KIND: i32 = -27; // `which` is neither 0 nor 1
// @code SNAPSHOT_FOREIGN
// @message the bytes are not a toolwatch snapshot (bad magic)
export const ERR_SNAP_FOREIGN: i32 = -30; // bad magic: not a snapshot
// @code SNAPSHOT_VERSION
// @message the snapshot was written by a newer format or ABI version
export const ERR_SNAP_VERSION: i32 = -31; // written by a newer snapshot format or ABI version
// @code SNAPSHOT_TRUNCATED
// @message the snapshot is shorter (or longer) than its header says
// @doc the size given differs from the size in the header (truncated or extended), or under 64 bytes
export const ERR_SNAP_TRUNCATED: i32 = -32;
// @code SNAPSHOT_CORRUPT
// @message the snapshot's checksum does not match its bytes
export const ERR_SNAP_CORRUPT: i32 = -33; // checksum mismatch
// @code SNAPSHOT_INCOMPATIBLE
// @message the snapshot has another record layout (caps, burst threshold or hash seed differ)
// @doc another record size or layout hash (caps, burst threshold or hash seed)
export const ERR_SNAP_INCOMPATIBLE: i32 = -34;
// @code SNAPSHOT_CAPACITY
// @host SNAPSHOT_INCOMPATIBLE
// @message the snapshot holds more records than this detector's capacity
// @doc a replace restore of more records than this detector's capacity (hosts report it as incompatible)
export const ERR_SNAP_CAPACITY: i32 = -35;
// @code SNAPSHOT_SEQUENCE
// @message snapshot chunks arrived out of order
// @doc a chunk out of order or of the wrong size, a read outside the prepared snapshot, or no restore in
// @doc progress
export const ERR_SNAP_SEQUENCE: i32 = -36;
// @code SNAPSHOT_INVALID
// @message the snapshot's checksum is right but its contents break the core's invariants
// @doc checksum right but the contents break the core's invariants (a crafted file)
export const ERR_SNAP_INVALID: i32 = -37;

// The call record in IO: a header, the names, then the argument entries.
export const CALL_TENANT_LEN: i32 = 0; // u32 bytes of the tenant (0 = no tenant)
export const CALL_PRINCIPAL_LEN: i32 = 4; // u32 bytes of the principal
export const CALL_TOOL_LEN: i32 = 8; // u32 bytes of the tool name
export const CALL_ARG_COUNT: i32 = 12; // u32 entries: ≤ 128 ordinary, ≤ 64 extra, then ≤ 1 summary
export const CALL_HEADER: i32 = 16; // tenant, principal, tool bytes follow (UTF-8, no terminators)
// One argument entry, from its start.
export const ENTRY_TYPE: i32 = 0; // u8 T_*; then a zero byte
export const ENTRY_KEY_LEN: i32 = 2; // u16
export const ENTRY_VALUE_LEN: i32 = 4; // u32
export const ENTRY_HEADER: i32 = 8; // key bytes follow, then value bytes

// Argument entry types in a call record.
export const T_NULL: u8 = 0; // a top-level argument whose value is null
export const T_BOOL: u8 = 1; // a boolean argument (value: 1 byte 0/1)
export const T_NUMBER: u8 = 2; // a number argument (value: f64)
export const T_STRING: u8 = 3; // a string argument (value: UTF-8)
export const T_ARRAY: u8 = 4; // an array argument (no value; its elements follow as types 6/7)
export const T_OBJECT: u8 = 5; // an object argument (no value)
export const T_ELEM_STRING: u8 = 6; // one string element of the array entry with the same key
export const T_ELEM_NUMBER: u8 = 7; // one number element of the array entry with the same key
export const T_TAIL_STRING: u8 = 8; // a string element of the array with the same key, past its first 16 scalars
export const T_NESTED_STRING: u8 = 9; // a string inside a nested object or array; key: its path ("msg.to")
// @doc key "", value: u32 pairs (entry index of a top-level array or object, values not passed under it)
export const T_OMITTED: u8 = 10;

// Signals, in result order. Reason code = signal id + 1.
// @actual 0
// @typical distinct tools known
// @context calls learned
export const SIG_UNSEEN_TOOL: i32 = 0;
// @name unseenArgShape
// @reason UNSEEN_ARG_SHAPE
// @actual 0
// @typical uses of the tool
// @context shapes known
export const SIG_UNSEEN_SHAPE: i32 = 1;
// @name unseenArgValue
// @reason UNSEEN_ARG_VALUE
// @actual distinct values seen for the key
// @typical calls with the key
// @context index of the argument entry
export const SIG_UNSEEN_VALUE: i32 = 2;
// @actual calls in window (this one included)
// @typical threshold
// @context window seconds
export const SIG_BURST: i32 = 3;
// @actual calls in window
// @typical usual calls in window (EWMA)
// @context window seconds
export const SIG_RATE_SPIKE: i32 = 4;
// @actual the tool's share of calls
// @typical rare-share setting
// @context calls counted
export const SIG_RARE_TOOL: i32 = 5;
// @actual UTC hour
// @typical window start
// @context window end
export const SIG_OFF_HOURS: i32 = 6;
// @actual activity at this hour vs a flat week
// @typical unusual-hour ratio
// @context local hour of week (Mon 00h = 0)
export const SIG_UNUSUAL_HOUR: i32 = 7;
// @actual unusual steps in a row, this one included (0 while the previous tool has under 5 uses)
// @typical transitions known
// @context uses of the previous tool
export const SIG_UNSEEN_TRANSITION: i32 = 8;
export const SIGNAL_COUNT: i32 = 9;

// Reason codes after the signals' (1..SIGNAL_COUNT).
// @actual 0
// @typical 0
// @context 0
export const REASON_ALLOWLISTED: i32 = 10;
// @actual calls learned by the entity
// @typical entity minimum calls
// @context ms since its first call
export const REASON_LEARNING: i32 = 11;
// @actual seconds the time stepped back
// @typical tolerance: the burst window, seconds
// @context the entity's latest time before the step (ms)
export const REASON_CLOCK_STEP: i32 = 12; // the call's time is more than a burst window before the entity's latest
// @actual values the host could not pass (summary)
// @typical extra entries allowed (64)
// @context entry index of the first array or object concerned
export const REASON_VALUES_UNJUDGED: i32 = 13; // the host could not pass some values (past the limits): not looked at

// Result area layout (byte offsets into RESULT).
// @type i32
export const RES_ACTION: i32 = 0; // action: 0 allow, 1 warn, 2 block
// @type i32
export const RES_FLAGS: i32 = 4; // flags, see FLAG_*
// @type i32
export const RES_MODE: i32 = 8; // baseline that judged the call, see MODE_*
// @type i32
export const RES_N_REASONS: i32 = 12; // number of reasons (≤ 16)
// @type f64
export const RES_RISK: i32 = 16; // risk, 0..1
// @type f64[SIGNAL_COUNT]
export const RES_SIGNALS: i32 = 24; // signal scores 0..1, in signal order
// @type f64
export const RES_ENTITY_LEARNED: i32 = 96; // calls the entity's own baseline has learned
// @type f64
export const RES_ENTITY_AGE: i32 = 104; // ms since the entity's first call
// @type f64
export const RES_BASELINE_CALLS: i32 = 112; // calls learned by the baseline that judged the call
// @type f64
export const RES_WINDOW_COUNT: i32 = 120; // calls in the burst window, this one included
// @type reason[MAX_REASONS]
export const RES_REASONS: i32 = 128; // the reasons, REASON_SIZE bytes each
export const REASON_SIZE: i32 = 40; // bytes of one reason
export const MAX_REASONS: i32 = 16;
// One reason, from its start.
// @type i32
export const RSN_CODE: i32 = 0; // reason code: signal id + 1, or REASON_*
// @type i32
export const RSN_FLAGS: i32 = 4; // reason flags, see REASON_FLAG_*
// @type f64
export const RSN_SCORE: i32 = 8; // the signal's score
// @type f64
export const RSN_ACTUAL: i32 = 16; // the observed figure
// @type f64
export const RSN_TYPICAL: i32 = 24; // what the baseline expects
// @type f64
export const RSN_CONTEXT: i32 = 32; // a figure that places the other two

export const FLAG_LEARNED: i32 = 1; // the call entered the baselines
export const FLAG_ALLOWLISTED: i32 = 2; // allowlisted
export const FLAG_NEW_ENTITY: i32 = 4; // the entity was created by this call
export const FLAG_EVICTED: i32 = 8; // creating the entity evicted another one
export const FLAG_CANDIDATE: i32 = 16; // the call's unseen tool was counted towards tenant adoption
export const FLAG_PROMOTED: i32 = 32; // ...and that made the tool known to the tenant
export const FLAG_CLOCK_STEP: i32 = 64; // the clock stepped back past the burst window (REASON_CLOCK_STEP)

export const REASON_FLAG_SHADOW: i32 = 1; // computed and reported, not counted in risk
export const REASON_FLAG_TENANT: i32 = 2; // judged against the tenant baseline
export const REASON_FLAG_ESTIMATE: i32 = 4; // actual figure is an estimate (burst above the ring's size)
export const REASON_FLAG_TENANT_KNOWN: i32 = 8; // unseen for the entity, but its tenant knows it
export const REASON_FLAG_DOMAIN_KNOWN: i32 = 16; // a never-seen value at a domain or issuer already used
export const REASON_FLAG_DOMAIN_NEW: i32 = 32; // a first contact: an address or account nobody in its tenant used
export const REASON_FLAG_UNJUDGED: i32 = 64; // values of a repeating array key past the limits, not looked at

export const MODE_OWN: i32 = 0; // the entity's own baseline
export const MODE_TENANT: i32 = 1; // the entity is learning; its tenant's baseline judged it
export const MODE_COLD: i32 = 2; // neither has enough evidence: only absolute signals count

export const ACTION_ALLOW: i32 = 0;
export const ACTION_WARN: i32 = 1;
export const ACTION_BLOCK: i32 = 2;

// allow_add(kind)
export const ALLOW_TOOL: i32 = 0; // the tool, for everyone
export const ALLOW_PRINCIPAL: i32 = 1; // the principal, in any tenant
export const ALLOW_TENANT: i32 = 2; // the whole tenant
export const ALLOW_ENTITY: i32 = 3; // one (tenant, principal)

// restore_begin(total, mode)
export const RESTORE_REPLACE: i32 = 0; // the snapshot replaces the state
export const RESTORE_MERGE: i32 = 1; // the snapshot is merged into the state (docs/STATE.md "Merge")

// Ids of stat(id).
export const STAT_ENTITIES: i32 = 0; // tracked entities
export const STAT_TENANTS: i32 = 1; // tracked tenants
export const STAT_CAPACITY: i32 = 2; // record capacity
export const STAT_ENTITY_EVICTIONS: i32 = 3; // entity evictions
export const STAT_SLOT_EVICTIONS: i32 = 4; // slot evictions (per-record caps)
export const STAT_CHECKS: i32 = 5; // checks
export const STAT_ALLOWED: i32 = 6; // allowed
export const STAT_WARNED: i32 = 7; // warned
export const STAT_BLOCKED: i32 = 8; // blocked
export const STAT_LEARNED: i32 = 9; // calls learned
export const STAT_PROMOTIONS: i32 = 10; // tools promoted by peer adoption
export const STAT_ARENA_BYTES: i32 = 11; // arena bytes in use (fixed at `init`)
export const STAT_BUDGET_BYTES: i32 = 12; // budget bytes
export const STAT_MEMORY_BYTES: i32 = 13; // memory bytes (`memory.buffer` size)
export const STAT_RECORD_BYTES: i32 = 14; // bytes per record
export const STAT_RECORDS_USED: i32 = 15; // records handed out (high-water mark)
export const STAT_ALLOWLIST_ENTRIES: i32 = 16; // allowlist entries
export const STAT_COUNT: i32 = 17;

// entity_info(): f64 figures at these offsets of RESULT.
export const INFO_TRACKED: i32 = 0; // 1 tracked, 0 not
export const INFO_LEARNED: i32 = 8; // calls learned
export const INFO_SEEN: i32 = 16; // calls checked
export const INFO_FIRST: i32 = 24; // first seen, ms
export const INFO_LAST: i32 = 32; // last seen, ms
export const INFO_OK: i32 = 40; // post-invoke outcomes without error
export const INFO_ERRORS: i32 = 48; // post-invoke outcomes with error
export const INFO_SIZE: i32 = 56;
