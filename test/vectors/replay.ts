// The one JS harness for conformance vectors: runs a stream's steps through a JS detector (Node or workerd)
// and either records what it observed (scripts/gen-vectors.mjs writes that as the vector) or compares it
// with a committed vector (test/vectors/node.test.ts, test/workerd/vectors.test.ts). Recording and
// replaying share runStep(), so the two cannot drift apart. The Python and C hosts have their own replays
// of the same files (hosts/python/toolwatch_wasm/conformance.py, hosts/c/replay.c).
import type { Detector, CallInput } from "../../js/index.js";
import { RES, REASON_SIZE, STAT_COUNT } from "../../js/core/abi.js";

export interface Step {
  op: string;
  [k: string]: unknown;
}
export interface Vector {
  format: number;
  name: string;
  about?: string;
  config: Record<string, unknown>;
  steps: Array<Step & { expect: Record<string, unknown> }>;
  final: { stateHash: string; stats: number[] };
}
export interface Stream {
  name: string;
  about: string;
  config: Record<string, unknown>;
  steps: Step[];
}
export type Make = (config: Record<string, unknown>) => Detector;

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const f64bits = (x: number): string => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16).padStart(16, "0");
};
const fromHex = (s: string): Uint8Array => new Uint8Array(s.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);

/** FNV-1a 64 of a snapshot (docs/HOSTS.md): short to store, easy to compute in every host. */
export function fnv1a(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, "0");
}

/** The damage a vector asks every host to do to its own snapshot before restoring it. */
export function damage(bytes: Uint8Array, step: { damage?: unknown; at?: unknown }): Uint8Array {
  const b = bytes.slice();
  if (step.damage === "flip") b[step.at as number]! ^= 0xff;
  else if (step.damage === "truncate") return b.slice(0, step.at as number);
  else if (step.damage === "foreign") b.set(new TextEncoder().encode("notasnap"), 0);
  else throw new Error(`unknown damage ${String(step.damage)}`);
  return b;
}

function toCall(c: Record<string, unknown>): CallInput {
  const call = { tool: c.tool, args: c.args, principal: c.principal, tenant: c.tenant, time: c.time } as CallInput;
  if (c.tz !== undefined) call.timeZone = c.tz as number;
  return call;
}

/** The host's own refusals (ToolwatchError) become `{ error: code }`; anything else is a harness failure. */
function attempt<T>(fn: () => T, then: (ok: T) => Record<string, unknown>): Record<string, unknown> {
  let ok: T;
  try {
    ok = fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return { error: code };
    throw e;
  }
  return then(ok);
}

/** The detector a stream runs on; `reload` replaces it with a fresh one that restores the old state. */
interface Run {
  d: Detector;
  config: Record<string, unknown>;
  make: Make;
}

/** Runs one step and returns what the host did, in the form a vector stores as the step's `expect`. */
function runStep(run: Run, s: Step): Record<string, unknown> {
  const d = run.d;
  const call = () => toCall(s.call as Record<string, unknown>);
  switch (s.op) {
    case "check":
      return attempt(
        () => d.check(call()),
        (dec) => {
          const core = d.raw;
          const view = new DataView(core.memory.buffer, core.result_ptr(), core.result_size());
          const n = view.getInt32(RES.nReasons, true);
          return {
            action: dec.action,
            risk: dec.risk,
            riskBits: f64bits(dec.risk),
            flags: view.getInt32(RES.flags, true),
            baseline: dec.learning.baseline,
            reasons: dec.reasons.map((x) => x.code),
            result: hex(new Uint8Array(core.memory.buffer, core.result_ptr(), RES.reasons + n * REASON_SIZE)),
          };
        },
      );
    case "learn":
      return attempt(
        () => d.learn(call()),
        () => ({}),
      );
    case "after":
      return attempt(
        () => d.after(call(), { isError: s.isError === true }),
        (r) => ({ tracked: r.tracked }),
      );
    case "allow":
      return attempt(
        () => d.allow(s.entry as never),
        () => ({}),
      );
    case "raw": {
      // bytes written straight into IO: the core's own refusals, which no host marshaller produces
      const core = d.raw;
      const io = fromHex(s.io as string);
      new Uint8Array(core.memory.buffer, core.io_ptr(), io.length).set(io);
      const rc = s.fn === "check" ? core.check(s.time as number, s.tz as number) : core.learn(s.time as number, s.tz as number);
      return { rc };
    }
    case "hash":
      return { stateHash: d.stateHash() };
    case "snapshot": {
      const b = d.snapshot();
      return { bytes: b.length, fnv1a: fnv1a(b) };
    }
    case "reload": {
      // an evicted detector coming back: a fresh instance with the same config restores the snapshot
      const b = d.snapshot();
      run.d = run.make(run.config);
      return { records: run.d.restore(b), stateHash: run.d.stateHash() };
    }
    case "restoreDamaged":
      return attempt(
        () => d.restore(damage(d.snapshot(), s)),
        (records) => ({ records }),
      );
    default:
      throw new Error(`unknown op ${s.op}`);
  }
}

function finalState(d: Detector): Vector["final"] {
  return { stateHash: d.stateHash(), stats: Array.from({ length: STAT_COUNT }, (_, id) => d.raw.stat(id)) };
}

/** Runs a stream through a fresh detector and records every step's outcome: the vector. Steps are read
 * back from JSON first, as every other host will read them. */
export function record(stream: Stream, make: Make): Vector {
  const run: Run = { d: make(stream.config), config: stream.config, make };
  const steps = stream.steps.map((s) => {
    const step = JSON.parse(JSON.stringify(s)) as Step;
    return { ...step, expect: runStep(run, step) };
  });
  return { format: 1, name: stream.name, about: stream.about, config: stream.config, steps, final: finalState(run.d) };
}

/** Replays a vector and lists every difference from what it expects (empty when the host matches exactly). */
export function replay(v: Vector, make: Make): { diffs: string[]; steps: number } {
  const run: Run = { d: make(v.config), config: v.config, make };
  const diffs: string[] = [];
  const same = (i: number, what: string, got: unknown, want: unknown): void => {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) diffs.push(`${v.name} step ${i} ${what}: got ${g}, want ${w}`);
  };
  v.steps.forEach((s, i) => {
    let got: Record<string, unknown>;
    try {
      got = runStep(run, s);
    } catch (e) {
      diffs.push(`${v.name} step ${i}: ${(e as Error).message}`);
      return;
    }
    for (const k of new Set([...Object.keys(s.expect), ...Object.keys(got)])) same(i, k, got[k], s.expect[k]);
  });
  const end = finalState(run.d);
  same(v.steps.length, "final stateHash", end.stateHash, v.final.stateHash);
  same(v.steps.length, "final stats", end.stats, v.final.stats);
  return { diffs, steps: v.steps.length };
}
