// Replays a conformance vector through a JS detector (Node or workerd) and lists every difference
// from what the vector expects. The Python and C hosts have their own replays of the same files.
import type { Detector, CallInput } from "../../js/index.js";

export interface Vector {
  format: number;
  name: string;
  config: Record<string, unknown>;
  steps: Array<{ op: string; expect: Record<string, unknown>; [k: string]: unknown }>;
  final: { stateHash: string; stats: number[] };
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const f64bits = (x: number): string => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16).padStart(16, "0");
};
const fromHex = (s: string): Uint8Array => new Uint8Array(s.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);

/** FNV-1a 64 of a snapshot (docs/HOSTS.md). */
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
  return b;
}

function toCall(c: Record<string, unknown>): CallInput {
  const call = { tool: c.tool, args: c.args, principal: c.principal, tenant: c.tenant, time: c.time } as CallInput;
  if (c.tz !== undefined) call.timeZone = c.tz as number;
  return call;
}

function attempt<T>(fn: () => T): { ok?: T; error?: string } {
  try {
    return { ok: fn() };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return { error: code };
    throw e;
  }
}

/** Returns the differences (empty when the host matches the vector exactly) and the steps run. */
export function replay(v: Vector, make: (config: Record<string, unknown>) => Detector): { diffs: string[]; steps: number } {
  let d = make(v.config);
  const diffs: string[] = [];
  const same = (i: number, what: string, got: unknown, want: unknown): void => {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) diffs.push(`${v.name} step ${i} ${what}: got ${g}, want ${w}`);
  };
  v.steps.forEach((s, i) => {
    const e = s.expect;
    if (s.op === "check") {
      const r = attempt(() => d.check(toCall(s.call as Record<string, unknown>)));
      if (r.error !== undefined || e.error !== undefined) return same(i, "error", r.error, e.error);
      const dec = r.ok!;
      const core = d.raw;
      const view = new DataView(core.memory.buffer, core.result_ptr(), core.result_size());
      const n = view.getInt32(12, true);
      same(i, "action", dec.action, e.action);
      same(i, "risk", f64bits(dec.risk), e.riskBits);
      same(i, "reasons", dec.reasons.map((x) => x.code), e.reasons);
      same(i, "baseline", dec.learning.baseline, e.baseline);
      same(i, "flags", view.getInt32(4, true), e.flags);
      same(i, "result", hex(new Uint8Array(core.memory.buffer, core.result_ptr(), 128 + n * 40)), e.result);
    } else if (s.op === "learn") {
      same(i, "error", attempt(() => d.learn(toCall(s.call as Record<string, unknown>))).error, e.error);
    } else if (s.op === "after") {
      const r = attempt(() => d.after(toCall(s.call as Record<string, unknown>), { isError: s.isError === true }));
      if (r.error !== undefined || e.error !== undefined) return same(i, "error", r.error, e.error);
      same(i, "tracked", r.ok!.tracked, e.tracked);
    } else if (s.op === "allow") {
      same(i, "error", attempt(() => d.allow(s.entry as never)).error, e.error);
    } else if (s.op === "raw") {
      const core = d.raw;
      const io = fromHex(s.io as string);
      new Uint8Array(core.memory.buffer, core.io_ptr(), io.length).set(io);
      const rc = s.fn === "check" ? core.check(s.time as number, s.tz as number) : core.learn(s.time as number, s.tz as number);
      same(i, "rc", rc, e.rc);
    } else if (s.op === "hash") {
      same(i, "stateHash", d.stateHash(), e.stateHash);
    } else if (s.op === "snapshot") {
      const b = d.snapshot();
      same(i, "snapshot", { bytes: b.length, fnv1a: fnv1a(b) }, e);
    } else if (s.op === "reload") {
      const b = d.snapshot();
      d = make(v.config);
      same(i, "reload", { records: d.restore(b), stateHash: d.stateHash() }, e);
    } else if (s.op === "restoreDamaged") {
      const r = attempt(() => d.restore(damage(d.snapshot(), s)));
      same(i, "restore", r.error !== undefined ? { error: r.error } : { records: r.ok }, e);
    } else diffs.push(`${v.name} step ${i}: unknown op ${s.op}`);
  });
  same(v.steps.length, "final stateHash", d.stateHash(), v.final.stateHash);
  same(v.steps.length, "final stats", v.final.stats.map((_, id) => d.raw.stat(id)), v.final.stats);
  return { diffs, steps: v.steps.length };
}
