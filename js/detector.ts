// The public detector: a thin host over the WebAssembly core. It validates and marshals; every
// detection rule lives in assembly/.
import {
  RES,
  REASON_SIZE,
  REASON_AT,
  FLAG,
  REASON_FLAG,
  SIGNALS,
  REASON_CODES,
  ACTIONS,
  MODES,
  STAT,
  RESULT_SIZE,
  ERR,
  SETTINGS,
  WEIGHT_SLOT,
  MODE_SLOT,
  LABELS,
  ALLOW,
  type Action,
  type BaselineMode,
  type CoreExports,
  type ReasonCode,
  type SignalName,
} from "./core/abi.js";
import { instantiateCore } from "./core/module.js";
import { Encoder } from "./core/encode.js";
import { ToolwatchError, coreError } from "./core/errors.js";
import { parseConfig } from "./config/parse.js";
import { toCoreBlock, settingOfSlot } from "./config/core-block.js";
import { HOST_DEFAULTS, type Config, type ConfigInput } from "./config/schema.js";
import { explain } from "./explain.js";
import { offsetMinutes, validateTimeZone } from "./timezone.js";
import { resolveIdentity, type Identity } from "./identity.js";
import { kindOf, type RecordKind, type StateExports } from "./core/state-exports.js";
import * as stateRecords from "./core/record-transfer.js";
import * as stateSnapshot from "./core/snapshot-transfer.js";

export interface CallInput {
  tool: string;
  args?: Record<string, unknown> | null;
  /** Who calls; or give `identity`. Missing principal = anonymous (see config.anonymous). */
  principal?: string;
  tenant?: string;
  identity?: Partial<Identity>;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  time?: number;
  /** Overrides the tenant's configured time zone for this call. */
  timeZone?: string | number;
}

export interface Reason {
  code: ReasonCode;
  /** Signal that produced it (absent for ALLOWLISTED / LEARNING / CLOCK_STEP / VALUES_UNJUDGED). */
  signal?: SignalName;
  score: number;
  weight: number;
  /** false in shadow mode: reported, not counted in the risk. */
  counted: boolean;
  actual: number;
  typical: number;
  context: number;
  /** Judged against the tenant baseline (the principal is still learning). */
  tenantBaseline: boolean;
  /** `actual` is an estimate (BURST above the ring's exact range). */
  estimate: boolean;
  /** Argument key, for UNSEEN_ARG_VALUE. */
  key?: string;
  message: string;
}

export interface Decision {
  action: Action;
  risk: number;
  signals: Record<SignalName, number>;
  reasons: Reason[];
  learning: { baseline: BaselineMode; learnedCalls: number; minCalls: number; ageMs: number; baselineCalls: number };
  /** The call entered the baselines. */
  learned: boolean;
  allowlisted: boolean;
  newEntity: boolean;
  tool: string;
  identity: Identity;
  time: number;
  /** Calls in the burst window, this one included. */
  windowCount: number;
  /** Set when the detector itself failed and the failure policy decided. */
  error?: { code: string; message: string };
}

export interface Stats {
  entities: number;
  tenants: number;
  capacity: number;
  entityEvictions: number;
  slotEvictions: number;
  checks: number;
  allowed: number;
  warned: number;
  blocked: number;
  learned: number;
  promotions: number;
  arenaBytes: number;
  budgetBytes: number;
  memoryBytes: number;
  recordBytes: number;
  allowlistEntries: number;
  recoveries: number;
}

export interface DetectorOptions {
  /** Called when the core traps and the detector recovers. */
  onError?: (err: unknown) => void;
}

/** Byte offset in RESULT of each signal's score (whatever the order of SIGNALS). */
const SIGNAL_OFFSET = Object.fromEntries(SIGNALS.map((s, i) => [s, RES.signals + i * 8])) as Record<SignalName, number>;

export type AllowEntry =
  | { tool: string }
  | { principal: string }
  | { tenant: string }
  | { tenant: string; principal: string };

/** Only a fault inside the core restarts it; anything else is the caller's input, refused with state unchanged. */
function isTrap(err: unknown): boolean {
  // wasm traps, and the stack overflow V8 reports as a RangeError (inputs are evaluated before the core runs)
  return err instanceof WebAssembly.RuntimeError || err instanceof RangeError;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A plain copy of the call's fields, read once: getters and Proxies cannot change or throw later. */
function readCall(call: unknown, what = "call"): CallInput {
  if (typeof call !== "object" || call === null)
    throw new ToolwatchError("INVALID_CALL", `${what} must be an object, got ${call === null ? "null" : typeof call}`);
  try {
    if (Array.isArray(call)) throw new ToolwatchError("INVALID_CALL", `${what} must be an object, got an array`);
    const c = call as CallInput;
    return {
      tool: c.tool,
      args: c.args,
      principal: c.principal,
      tenant: c.tenant,
      identity: c.identity,
      time: c.time,
      timeZone: c.timeZone,
    };
  } catch (err) {
    if (err instanceof ToolwatchError) throw err;
    throw new ToolwatchError("INVALID_CALL", `${what} could not be read (${errText(err)})`);
  }
}

/** principal and tenant of an identity object (other keys are ignored; no principal = anonymous). */
function readIdentity(id: unknown): Partial<Identity> {
  if (typeof id !== "object" || id === null)
    throw new ToolwatchError("INVALID_IDENTITY", `identity must be an object, got ${id === null ? "null" : typeof id}`);
  try {
    if (Array.isArray(id)) throw new ToolwatchError("INVALID_IDENTITY", "identity must be an object, got an array");
    const o = id as Partial<Identity>;
    return { principal: o.principal, tenant: o.tenant };
  } catch (err) {
    if (err instanceof ToolwatchError) throw err;
    throw new ToolwatchError("INVALID_IDENTITY", `identity could not be read (${errText(err)})`);
  }
}

/** "object" for usable args, else what they are, for the error (a revoked Proxy throws on inspection). */
function argsKind(a: unknown): string {
  if (typeof a !== "object" || a === null) return a === null ? "null" : typeof a;
  try {
    return Array.isArray(a) ? "an array" : "object";
  } catch {
    return "an unreadable object";
  }
}

export class Detector {
  readonly config: Config;
  private readonly module: WebAssembly.Module;
  private core!: CoreExports;
  private enc!: Encoder;
  private resultPtr = 0;
  private weights: number[] = [];
  private modes: number[] = [];
  private minCalls = 0;
  private readonly keys: string[] = [];
  private readonly options: DetectorOptions;
  private recoveries = 0;
  private readonly tzCache = new Map<string, { bucket: number; offset: number }>();
  private readonly allowEntries: AllowEntry[] = [];

  constructor(
    module: WebAssembly.Module,
    config?: ConfigInput | Record<string, unknown>,
    options: DetectorOptions = {},
  ) {
    this.module = module;
    this.config = parseConfig(config);
    this.options = options;
    if (this.config.timeZone !== undefined) validateTimeZone(this.config.timeZone);
    for (const tz of Object.values(this.config.timeZones ?? {})) validateTimeZone(tz);
    this.boot();
    const al = this.config.allowlist;
    for (const tool of al?.tools ?? []) this.allow({ tool });
    for (const principal of al?.principals ?? []) this.allow({ principal });
    for (const tenant of al?.tenants ?? []) this.allow({ tenant });
    for (const e of al?.entities ?? []) this.allow({ tenant: e.tenant, principal: e.principal });
  }

  private boot(): void {
    this.core = instantiateCore(this.module);
    this.enc = new Encoder(this.core);
    this.enc.config(toCoreBlock(this.config));
    const rc = this.core.init();
    if (rc < 0) {
      if (rc === ERR.badConfig) {
        const slot = new DataView(this.core.memory.buffer).getInt32(this.core.result_ptr(), true);
        throw new ToolwatchError(
          "INVALID_CONFIG",
          `config.${settingOfSlot(slot)}: refused by the core (value ${this.core.config_value(slot)} out of range or inconsistent)`,
        );
      }
      throw coreError(rc, "init");
    }
    this.resultPtr = this.core.result_ptr();
    this.weights = SIGNALS.map((_, i) => this.core.config_value(WEIGHT_SLOT + i));
    this.modes = SIGNALS.map((_, i) => this.core.config_value(MODE_SLOT + i));
    this.minCalls = this.core.config_value(SETTINGS.minCalls.slot);
  }

  /** A trap leaves the instance unusable: start a fresh one with the same config and allowlist. */
  private recover(err: unknown): void {
    this.recoveries++;
    this.options.onError?.(err);
    this.boot();
    this.restoreLastSnapshot();
    for (const e of this.allowEntries) this.allowRaw(e);
  }

  private identity(call: CallInput): Identity {
    const id =
      call.identity !== undefined ? readIdentity(call.identity) : { principal: call.principal, tenant: call.tenant };
    return resolveIdentity(id, this.config.anonymous ?? HOST_DEFAULTS.anonymous);
  }

  private time(call: CallInput): number {
    const t = call.time ?? Date.now();
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 8.64e15) {
      throw new ToolwatchError("BAD_TIME", `time must be milliseconds since the epoch, got ${String(t)}`);
    }
    return t;
  }

  private tzOffset(tenant: string, call: CallInput, t: number): number {
    const tz = call.timeZone ?? this.config.timeZones?.[tenant] ?? this.config.timeZone;
    if (tz === undefined) return 0;
    if (typeof tz === "number") {
      if (!Number.isInteger(tz) || Math.abs(tz) > 1439)
        throw new ToolwatchError(
          "BAD_TZ",
          `timeZone as a number is a UTC offset in whole minutes within ±1439, got ${tz}`,
        );
      return tz;
    }
    if (typeof tz !== "string")
      throw new ToolwatchError("BAD_TZ", `timeZone must be an IANA name or a UTC offset in minutes, got ${typeof tz}`);
    const bucket = Math.floor(t / 900000); // offsets change on quarter-hour boundaries at most
    const c = this.tzCache.get(tz);
    if (c && c.bucket === bucket) return c.offset;
    const offset = offsetMinutes(tz, t);
    if (this.tzCache.size > 1000) this.tzCache.clear();
    this.tzCache.set(tz, { bucket, offset });
    return offset;
  }

  private encodeCall(input: CallInput): { id: Identity; t: number; tz: number } {
    const call = readCall(input);
    if (typeof call.tool !== "string" || call.tool.length === 0) {
      throw new ToolwatchError(
        "INVALID_TOOL",
        `tool name must be a non-empty string, got ${call.tool === "" ? "an empty string" : typeof call.tool}`,
      );
    }
    const args = call.args ?? {};
    const kind = argsKind(args);
    if (kind !== "object") throw new ToolwatchError("INVALID_ARGS", `args must be an object, got ${kind}`);
    const id = this.identity(call);
    const t = this.time(call);
    const tz = this.tzOffset(id.tenant, call, t);
    try {
      this.enc.call(id.tenant, id.principal, call.tool, args, this.keys);
    } catch (err) {
      // a throwing getter or a revoked Proxy in args is the caller's input, not a detector failure
      if (err instanceof ToolwatchError) throw err;
      throw new ToolwatchError(
        "INVALID_ARGS",
        `args could not be read (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    return { id, t, tz };
  }

  /** Scores a call before it runs, and records it when the rules allow. */
  check(call: CallInput): Decision {
    const { id, t, tz } = this.encodeCall(call);
    let rc: number;
    try {
      rc = this.core.check(t, tz);
    } catch (err) {
      if (!isTrap(err)) throw err;
      return this.failure(err, call, id, t);
    }
    if (rc < 0) throw coreError(rc, "check");
    return this.readDecision(call.tool, id, t);
  }

  private failure(err: unknown, call: CallInput, id: Identity, t: number): Decision {
    this.recover(err);
    const closed = (this.config.failurePolicy ?? HOST_DEFAULTS.failurePolicy) === "closed";
    const zero = Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<SignalName, number>;
    return {
      action: closed ? "block" : "allow",
      risk: closed ? 1 : 0,
      signals: zero,
      reasons: [],
      learned: false,
      allowlisted: false,
      newEntity: false,
      tool: call.tool,
      identity: id,
      time: t,
      windowCount: 0,
      learning: { baseline: "cold", learnedCalls: 0, minCalls: this.minCalls, ageMs: 0, baselineCalls: 0 },
      error: {
        code: "DETECTOR_FAILURE",
        message: `detector failed (${err instanceof Error ? err.message : String(err)}); failure policy ${closed ? "closed: blocked" : "open: allowed"}`,
      },
    };
  }

  /** A view over RESULT, kept while the memory's buffer stays the same (no allocation per call). */
  private resultView(): DataView {
    const buf = this.core.memory.buffer;
    if (this.rv === null || this.rv.buffer !== buf || this.rv.byteOffset !== this.resultPtr)
      this.rv = new DataView(buf, this.resultPtr, RESULT_SIZE);
    return this.rv;
  }
  private rv: DataView | null = null;

  private readDecision(tool: string, id: Identity, t: number): Decision {
    const v = this.resultView();
    const flags = v.getInt32(RES.flags, true);
    // One literal: a fixed-shape object, many times cheaper than nine stores by computed name.
    const o = SIGNAL_OFFSET;
    const signals: Record<SignalName, number> = {
      unseenTool: v.getFloat64(o.unseenTool, true),
      unseenArgShape: v.getFloat64(o.unseenArgShape, true),
      unseenArgValue: v.getFloat64(o.unseenArgValue, true),
      burst: v.getFloat64(o.burst, true),
      rateSpike: v.getFloat64(o.rateSpike, true),
      rareTool: v.getFloat64(o.rareTool, true),
      offHours: v.getFloat64(o.offHours, true),
      unusualHour: v.getFloat64(o.unusualHour, true),
      unseenTransition: v.getFloat64(o.unseenTransition, true),
    };
    const reasons: Reason[] = [];
    const nr = v.getInt32(RES.nReasons, true);
    for (let i = 0; i < nr; i++) {
      const p = RES.reasons + i * REASON_SIZE;
      const code = REASON_CODES[v.getInt32(p + REASON_AT.code, true)] as ReasonCode;
      const rf = v.getInt32(p + REASON_AT.flags, true);
      const sigIndex = v.getInt32(p + REASON_AT.code, true) - 1;
      const signal = sigIndex >= 0 && sigIndex < SIGNALS.length ? SIGNALS[sigIndex] : undefined;
      const actual = v.getFloat64(p + REASON_AT.actual, true);
      const typical = v.getFloat64(p + REASON_AT.typical, true);
      const context = v.getFloat64(p + REASON_AT.context, true);
      const key = code === "UNSEEN_ARG_VALUE" ? this.keys[context] : undefined;
      const figures = {
        code,
        actual,
        typical,
        context,
        tenant: (rf & REASON_FLAG.tenant) !== 0,
        tenantKnown: (rf & REASON_FLAG.tenantKnown) !== 0,
        domainKnown: (rf & REASON_FLAG.domainKnown) !== 0,
        domainNew: (rf & REASON_FLAG.domainNew) !== 0,
        unjudged: (rf & REASON_FLAG.unjudged) !== 0,
        estimate: (rf & REASON_FLAG.estimate) !== 0,
        key,
      };
      const score = v.getFloat64(p + REASON_AT.score, true);
      const weight = signal ? this.weights[sigIndex]! : 0;
      const counted = signal ? (rf & REASON_FLAG.shadow) === 0 && this.modes[sigIndex] === LABELS.mode.on : false;
      const message = explain(figures);
      // two literals rather than a spread: the spread made every reason a slow-path object
      reasons.push(
        key !== undefined
          ? {
              code,
              signal,
              score,
              weight,
              counted,
              actual,
              typical,
              context,
              tenantBaseline: figures.tenant,
              estimate: figures.estimate,
              key,
              message,
            }
          : {
              code,
              signal,
              score,
              weight,
              counted,
              actual,
              typical,
              context,
              tenantBaseline: figures.tenant,
              estimate: figures.estimate,
              message,
            },
      );
    }
    return {
      action: ACTIONS[v.getInt32(RES.action, true)]!,
      risk: v.getFloat64(RES.risk, true),
      signals,
      reasons,
      learning: {
        baseline: MODES[v.getInt32(RES.mode, true)]!,
        learnedCalls: v.getFloat64(RES.entityLearned, true),
        minCalls: this.minCalls,
        ageMs: v.getFloat64(RES.entityAge, true),
        baselineCalls: v.getFloat64(RES.baselineCalls, true),
      },
      learned: (flags & FLAG.learned) !== 0,
      allowlisted: (flags & FLAG.allowlisted) !== 0,
      newEntity: (flags & FLAG.newEntity) !== 0,
      tool,
      identity: id,
      time: t,
      windowCount: v.getFloat64(RES.windowCount, true),
    };
  }

  /** Post-invoke: records the outcome. Returns whether the principal is tracked. */
  after(
    input: Omit<CallInput, "args"> & { args?: unknown },
    outcome: { isError?: boolean } = {},
  ): { tracked: boolean } {
    const call = readCall(input);
    let isError: unknown;
    try {
      if (outcome !== undefined && (typeof outcome !== "object" || outcome === null || Array.isArray(outcome)))
        throw new ToolwatchError(
          "INVALID_OUTCOME",
          `outcome must be an object like { isError: false }, got ${outcome === null ? "null" : Array.isArray(outcome) ? "an array" : typeof outcome}`,
        );
      isError = outcome?.isError;
    } catch (err) {
      if (err instanceof ToolwatchError) throw err;
      throw new ToolwatchError("INVALID_OUTCOME", `outcome could not be read (${errText(err)})`);
    }
    if (isError !== undefined && typeof isError !== "boolean")
      throw new ToolwatchError(
        "INVALID_OUTCOME",
        `outcome.isError must be a boolean, got ${isError === null ? "null" : typeof isError}`,
      );
    if (call.tool !== undefined && typeof call.tool !== "string")
      throw new ToolwatchError("INVALID_TOOL", `tool name must be a string, got ${typeof call.tool}`);
    const id = this.identity(call);
    const t = this.time(call);
    this.enc.identity(id.tenant, id.principal, call.tool ?? "");
    let rc: number;
    try {
      rc = this.core.after(t, isError ? 1 : 0);
    } catch (err) {
      if (!isTrap(err)) throw err;
      this.recover(err);
      return { tracked: false };
    }
    if (rc < 0) throw coreError(rc, "after");
    return { tracked: rc === 1 };
  }

  /** Operator feedback, "this call was fine": learn it now into the principal's and tenant's baselines. */
  learn(call: CallInput): void {
    const { t, tz } = this.encodeCall(call);
    let rc: number;
    try {
      rc = this.core.learn(t, tz);
    } catch (err) {
      if (!isTrap(err)) throw err;
      this.recover(err);
      throw new ToolwatchError("DETECTOR_FAILURE", "detector failed while learning; it was restarted");
    }
    if (rc < 0) throw coreError(rc, "learn");
  }

  /**
   * The principal's own answer when asked to confirm a call before it ran (docs/GATEWAY.md, "Ask"), with the
   * call's own time. Yes: the call joins the principal's baseline now, not its tenant's (the tenant counts the
   * principal as one peer of a tool it does not know, as for a warned call). No: nothing is learned, and the
   * warned occurrences of the call's new tool and values stop counting toward a habit.
   */
  confirm(call: CallInput, yes: boolean): void {
    const { t, tz } = this.encodeCall(call);
    let rc: number;
    try {
      rc = this.core.confirm(t, tz, yes ? 1 : 0);
    } catch (err) {
      if (!isTrap(err)) throw err;
      this.recover(err);
      throw new ToolwatchError("DETECTOR_FAILURE", "detector failed while recording an answer; it was restarted");
    }
    if (rc < 0) throw coreError(rc, "confirm");
  }

  private allowRaw(e: AllowEntry): number {
    const tenant = "tenant" in e ? e.tenant : "";
    const principal = "principal" in e ? e.principal : "";
    const tool = "tool" in e ? e.tool : "";
    const kind =
      "tool" in e
        ? ALLOW.tool
        : "tenant" in e && "principal" in e
          ? ALLOW.entity
          : "tenant" in e
            ? ALLOW.tenant
            : ALLOW.principal;
    this.enc.identity(tenant, principal, tool);
    const rc = this.core.allow_add(kind);
    if (rc < 0) throw coreError(rc, "allowlist");
    return rc;
  }

  /** Allowlists a tool, a principal (in every tenant), a tenant, or one tenant's principal. */
  allow(input: AllowEntry): void {
    if (typeof input !== "object" || input === null)
      throw new ToolwatchError("INVALID_ALLOWLIST", "allowlist entry must be an object");
    let fields: [string, unknown][];
    try {
      if (Array.isArray(input))
        throw new ToolwatchError("INVALID_ALLOWLIST", "allowlist entry must be an object, got an array");
      fields = Object.entries(input);
    } catch (err) {
      if (err instanceof ToolwatchError) throw err;
      throw new ToolwatchError("INVALID_ALLOWLIST", `allowlist entry could not be read (${errText(err)})`);
    }
    for (const [k, v] of fields) {
      if (!["tool", "principal", "tenant"].includes(k))
        throw new ToolwatchError("INVALID_ALLOWLIST", `allowlist entry: unknown key "${k}"`);
      if (typeof v !== "string" || v.length === 0)
        throw new ToolwatchError("INVALID_ALLOWLIST", `allowlist entry: ${k} must be a non-empty string`);
    }
    // an empty entry would allowlist the empty principal name
    if (fields.length === 0)
      throw new ToolwatchError(
        "INVALID_ALLOWLIST",
        "allowlist entry: give tool, principal, tenant, or tenant and principal",
      );
    const entry = Object.fromEntries(fields) as AllowEntry;
    if ("tool" in entry && fields.length > 1)
      throw new ToolwatchError("INVALID_ALLOWLIST", "allowlist entry: a tool entry takes no identity");
    if (this.allowRaw(entry) === 1) this.allowEntries.push({ ...entry });
  }

  clearAllowlist(...args: unknown[]): void {
    // it takes nothing: an argument is a mistake that should not wipe the allowlist
    if (args.length > 0) throw new ToolwatchError("INVALID_ARGUMENT", "clearAllowlist() takes no argument");
    this.core.allow_clear();
    this.allowEntries.length = 0;
  }

  stats(): Stats {
    const s = (id: number) => this.core.stat(id);
    return {
      entities: s(STAT.entities),
      tenants: s(STAT.tenants),
      capacity: s(STAT.capacity),
      entityEvictions: s(STAT.entityEvictions),
      slotEvictions: s(STAT.slotEvictions),
      checks: s(STAT.checks),
      allowed: s(STAT.allowed),
      warned: s(STAT.warned),
      blocked: s(STAT.blocked),
      learned: s(STAT.learned),
      promotions: s(STAT.promotions),
      arenaBytes: s(STAT.arenaBytes),
      budgetBytes: s(STAT.budgetBytes),
      memoryBytes: s(STAT.memoryBytes),
      recordBytes: s(STAT.recordBytes),
      allowlistEntries: s(STAT.allowlistEntries),
      recoveries: this.recoveries,
    };
  }

  /** A 64-bit hash of the learned state as 16 hex digits (equal state = equal hash, in every host). */
  stateHash(): string {
    return BigInt.asUintN(64, this.core.state_hash()).toString(16).padStart(16, "0");
  }

  /** The raw core, for hosts and tools that speak the ABI directly (benchmarks, conformance). */
  get raw(): CoreExports {
    return this.core;
  }

  // ---- state: record transfer, snapshots, merge (js/state/, docs/STATE.md) ----

  private get stateCore(): StateExports {
    return this.core as StateExports;
  }

  private recordIdentity(identity: Partial<Identity>): void {
    const id = resolveIdentity(readIdentity(identity), this.config.anonymous ?? "shared");
    this.enc.identity(id.tenant, id.principal, "");
  }

  /** The bytes of the principal's record (or its tenant's), self-describing; null when not tracked. */
  exportRecord(identity: Partial<Identity>, which: RecordKind = "entity"): Uint8Array | null {
    const k = kindOf(which);
    this.recordIdentity(identity);
    return this.guardState("exportRecord", () => stateRecords.exportRecord(this.stateCore, k));
  }

  /** Creates or replaces the record from bytes exportRecord gave (validated: layout, checksum, identity). */
  importRecord(identity: Partial<Identity>, which: RecordKind, bytes: Uint8Array): "created" | "replaced" {
    const k = kindOf(which);
    this.recordIdentity(identity);
    return this.guardState("importRecord", () => stateRecords.importRecord(this.stateCore, k, bytes, false)) as
      | "created"
      | "replaced";
  }

  /** Forgets the record. Returns whether it was tracked. */
  dropRecord(identity: Partial<Identity>, which: RecordKind = "entity"): boolean {
    const k = kindOf(which);
    this.recordIdentity(identity);
    return this.guardState("dropRecord", () => stateRecords.dropRecord(this.stateCore, k));
  }

  /** Merges a record from another replica into this one's (docs/STATE.md "Merge"); creates it if absent. */
  mergeRecord(identity: Partial<Identity>, which: RecordKind, bytes: Uint8Array): "created" | "merged" {
    const k = kindOf(which);
    this.recordIdentity(identity);
    return this.guardState("mergeRecord", () => stateRecords.importRecord(this.stateCore, k, bytes, true)) as
      | "created"
      | "merged";
  }

  /** Last snapshot taken or restored: what trap recovery goes back to (null: recovery starts empty). */
  private lastSnapshot: Uint8Array | null = null;

  /** The whole learned state as versioned, checksummed bytes (docs/ABI.md "Snapshots"). */
  snapshot(): Uint8Array {
    const bytes = this.guardState("snapshot", () => stateSnapshot.snapshotBytes(this.stateCore));
    this.lastSnapshot = bytes;
    return bytes;
  }

  /** Streams a snapshot in chunks (for large states); returns its size. Chunks are views valid during the call. */
  writeSnapshot(sink: stateSnapshot.ChunkSink): number {
    if (typeof sink !== "function")
      throw new ToolwatchError("INVALID_ARGUMENT", "writeSnapshot: sink must be a function (chunk, offset) => void");
    return this.guardState("snapshot", () => stateSnapshot.writeSnapshot(this.stateCore, sink));
  }

  /**
   * Replaces the state with a snapshot. A corrupt, truncated, foreign, newer or incompatible snapshot
   * is refused (ToolwatchError SNAPSHOT_*) and the running state is left as it was. Returns records restored.
   */
  restore(bytes: Uint8Array): number {
    const n = this.guardState("restore", () => stateSnapshot.restoreBytes(this.stateCore, bytes, "replace"));
    this.lastSnapshot = bytes;
    return n;
  }

  /** restore() from a re-readable source of `total` bytes (read twice: verify, then commit). */
  restoreFrom(total: number, read: stateSnapshot.ChunkSource): number {
    return this.guardState("restore", () => stateSnapshot.restoreFrom(this.stateCore, total, read, "replace"));
  }

  /** Merges another replica's snapshot into this state (docs/STATE.md "Merge"). Returns records merged. */
  merge(bytes: Uint8Array): number {
    return this.guardState("merge", () => stateSnapshot.restoreBytes(this.stateCore, bytes, "merge"));
  }

  /** Where trap recovery gets its state: set by a snapshot store (the newest saved file), else the last snapshot in memory. */
  private recoverySource: ((detector: Detector) => void) | null = null;

  /** Makes trap recovery restore from `source` (e.g. a FileStore's newest file); null goes back to the last in-memory snapshot. */
  setRecoverySource(source: ((detector: Detector) => void) | null): void {
    if (source !== null && typeof source !== "function")
      throw new ToolwatchError("INVALID_ARGUMENT", "setRecoverySource: source must be a function or null");
    this.recoverySource = source;
  }

  private restoreLastSnapshot(): void {
    try {
      if (this.recoverySource) this.recoverySource(this);
      else if (this.lastSnapshot) stateSnapshot.restoreBytes(this.stateCore, this.lastSnapshot, "replace");
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** A trap inside a state operation: start over like check() does, and say so. */
  private guardState<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      this.recover(err);
      throw new ToolwatchError("DETECTOR_FAILURE", `detector failed during ${what}; it was restarted`);
    }
  }
}
