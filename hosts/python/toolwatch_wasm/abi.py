"""Host-side copy of the core's layout (assembly/layout.ts, docs/ABI.md)."""

ABI_VERSION = 1

# RESULT area byte offsets
RES_ACTION, RES_FLAGS, RES_MODE, RES_NREASONS, RES_RISK, RES_SIGNALS = 0, 4, 8, 12, 16, 24
RES_ENTITY_LEARNED, RES_ENTITY_AGE, RES_BASELINE_CALLS, RES_WINDOW_COUNT, RES_REASONS = 96, 104, 112, 120, 128
REASON_SIZE = 40

FLAG_LEARNED, FLAG_ALLOWLISTED, FLAG_NEW_ENTITY, FLAG_EVICTED, FLAG_CANDIDATE, FLAG_PROMOTED = 1, 2, 4, 8, 16, 32
FLAG_CLOCK_STEP = 64
REASON_FLAG_SHADOW, REASON_FLAG_TENANT, REASON_FLAG_ESTIMATE, REASON_FLAG_TENANT_KNOWN = 1, 2, 4, 8
REASON_FLAG_DOMAIN_KNOWN, REASON_FLAG_DOMAIN_NEW, REASON_FLAG_UNJUDGED = 16, 32, 64

# argument entry types in a call record
T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_ELEM_STRING, T_ELEM_NUMBER = range(8)
T_TAIL_STRING, T_NESTED_STRING, T_OMITTED = 8, 9, 10  # values past the limits, and the summary of the rest

SIGNALS = ("unseenTool", "unseenArgShape", "unseenArgValue", "burst", "rateSpike", "rareTool", "offHours",
           "unusualHour", "unseenTransition")
REASON_CODES = ("", "UNSEEN_TOOL", "UNSEEN_ARG_SHAPE", "UNSEEN_ARG_VALUE", "BURST", "RATE_SPIKE", "RARE_TOOL",
                "OFF_HOURS", "UNUSUAL_HOUR", "UNSEEN_TRANSITION", "ALLOWLISTED", "LEARNING", "CLOCK_STEP",
                "VALUES_UNJUDGED")
ACTIONS = ("allow", "warn", "block")
MODES = ("own", "tenant", "cold")

STATS = ("entities", "tenants", "capacity", "entity_evictions", "slot_evictions", "checks", "allowed", "warned",
         "blocked", "learned", "promotions", "arena_bytes", "budget_bytes", "memory_bytes", "record_bytes",
         "records_used", "allowlist_entries")

LIMIT_IDENT, LIMIT_TOOL, LIMIT_KEY, LIMIT_VALUE, LIMIT_ARGS, LIMIT_EXTRA = range(6)
ALLOW_TOOL, ALLOW_PRINCIPAL, ALLOW_TENANT, ALLOW_ENTITY = range(4)

ERR_BAD_CONFIG = -8
CORE_ERRORS = {
    -1: ("NOT_INITIALISED", "the module has no configuration yet"),
    -2: ("BAD_RECORD", "the call record is malformed"),
    -3: ("BAD_TIME", "time must be a finite number of milliseconds since the epoch, 0..8.64e15"),
    -4: ("INVALID_UTF8", "a name is not valid UTF-8"),
    -5: ("EMPTY_TOOL", "the tool name is empty"),
    -6: ("TOO_LONG", "a name, key or value is longer than the core accepts"),
    -7: ("TOO_MANY_ARGS", "the call has more argument entries than the core accepts"),
    -8: ("BAD_CONFIG", "the configuration was refused by the core"),
    -9: ("BUDGET", "the memory budget cannot hold the configured state"),
    -10: ("ALLOWLIST_FULL", "the allowlist is full"),
    -11: ("BAD_ARG_TYPE", "an argument entry has an unknown type"),
    -12: ("BAD_TZ", "the UTC offset must be within ±1439 minutes"),
}

# state transfer errors (snapshots; docs/ABI.md "Snapshots and record transfer")
RESTORE_REPLACE, RESTORE_MERGE = 0, 1
STATE_ERRORS = {
    -30: ("SNAPSHOT_FOREIGN", "the bytes are not a toolwatch snapshot (bad magic)"),
    -31: ("SNAPSHOT_VERSION", "the snapshot was written by a newer format or ABI version"),
    -32: ("SNAPSHOT_TRUNCATED", "the snapshot is shorter (or longer) than its header says"),
    -33: ("SNAPSHOT_CORRUPT", "the snapshot's checksum does not match its bytes"),
    -34: ("SNAPSHOT_INCOMPATIBLE", "the snapshot has another record layout (caps, burst threshold or hash seed differ)"),
    -35: ("SNAPSHOT_INCOMPATIBLE", "the snapshot holds more records than this detector's capacity"),
    -36: ("SNAPSHOT_SEQUENCE", "snapshot chunks arrived out of order"),
    -37: ("SNAPSHOT_INVALID", "the snapshot's checksum is right but its contents break the core's invariants"),
}
