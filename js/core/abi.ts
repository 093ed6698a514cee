// Host-side copy of the module's layout (assembly/layout.ts). test/abi.test.ts checks both agree.

export const ABI_VERSION = 1;

export const RES = {
  action: 0,
  flags: 4,
  mode: 8,
  nReasons: 12,
  risk: 16,
  signals: 24,
  entityLearned: 96,
  entityAge: 104,
  baselineCalls: 112,
  windowCount: 120,
  reasons: 128,
} as const;
export const REASON_SIZE = 40;

export const FLAG = { learned: 1, allowlisted: 2, newEntity: 4, evicted: 8, candidate: 16, promoted: 32, clockStep: 64 } as const;
export const REASON_FLAG = { shadow: 1, tenant: 2, estimate: 4, tenantKnown: 8, domainKnown: 16, domainNew: 32, unjudged: 64 } as const;

export const ARG_TYPE = { null: 0, bool: 1, number: 2, string: 3, array: 4, object: 5, elemString: 6, elemNumber: 7,
  tailString: 8, nestedString: 9, omitted: 10 } as const;

export const SIGNALS = [
  "unseenTool",
  "unseenArgShape",
  "unseenArgValue",
  "burst",
  "rateSpike",
  "rareTool",
  "offHours",
  "unusualHour",
  "unseenTransition",
] as const;
export type SignalName = (typeof SIGNALS)[number];

export const REASON_CODES = [
  "",
  "UNSEEN_TOOL",
  "UNSEEN_ARG_SHAPE",
  "UNSEEN_ARG_VALUE",
  "BURST",
  "RATE_SPIKE",
  "RARE_TOOL",
  "OFF_HOURS",
  "UNUSUAL_HOUR",
  "UNSEEN_TRANSITION",
  "ALLOWLISTED",
  "LEARNING",
  "CLOCK_STEP",
  "VALUES_UNJUDGED",
] as const;
export type ReasonCode = Exclude<(typeof REASON_CODES)[number], "">;

export const ACTIONS = ["allow", "warn", "block"] as const;
export type Action = (typeof ACTIONS)[number];
export const MODES = ["own", "tenant", "cold"] as const;
export type BaselineMode = (typeof MODES)[number];

export const STAT = {
  entities: 0, tenants: 1, capacity: 2, entityEvictions: 3, slotEvictions: 4, checks: 5, allowed: 6,
  warned: 7, blocked: 8, learned: 9, promotions: 10, arenaBytes: 11, budgetBytes: 12, memoryBytes: 13,
  recordBytes: 14, recordsUsed: 15, allowlistEntries: 16,
} as const;

export const LIMIT = { identBytes: 0, toolBytes: 1, keyBytes: 2, valueBytes: 3, args: 4, extra: 5 } as const;

export const CORE_ERRORS: Record<number, { code: string; message: string }> = {
  [-1]: { code: "NOT_INITIALISED", message: "the module has no configuration yet" },
  [-2]: { code: "BAD_RECORD", message: "the call record is malformed" },
  [-3]: { code: "BAD_TIME", message: "time must be a finite number of milliseconds since the epoch, 0..8.64e15" },
  [-4]: { code: "INVALID_UTF8", message: "a name is not valid UTF-8" },
  [-5]: { code: "EMPTY_TOOL", message: "the tool name is empty" },
  [-6]: { code: "TOO_LONG", message: "a name, key or value is longer than the core accepts" },
  [-7]: { code: "TOO_MANY_ARGS", message: "the call has more argument entries than the core accepts" },
  [-8]: { code: "BAD_CONFIG", message: "the configuration was refused by the core" },
  [-9]: { code: "BUDGET", message: "the memory budget cannot hold the configured state" },
  [-10]: { code: "ALLOWLIST_FULL", message: "the allowlist is full" },
  [-11]: { code: "BAD_ARG_TYPE", message: "an argument entry has an unknown type" },
  [-12]: { code: "BAD_TZ", message: "the UTC offset must be within ±1439 minutes" },
};

/** The module's exports, as every host sees them. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  io_ptr(): number;
  io_size(): number;
  result_ptr(): number;
  result_size(): number;
  config_count(): number;
  config_default(i: number): number;
  config_value(i: number): number;
  limit(id: number): number;
  init(): number;
  check(time: number, tzMinutes: number): number;
  learn(time: number, tzMinutes: number): number;
  after(time: number, isError: number): number;
  allow_add(kind: number): number;
  allow_clear(): void;
  stat(id: number): number;
  state_hash(): bigint;
  entity_info(): number;
}
