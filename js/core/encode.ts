// Marshals a call into the module's IO buffer (layout: docs/ABI.md "Call record").
import { ARG_TYPE, CALL, ENTRY, LIMIT, type CoreExports } from "./abi.js";
import { ToolwatchError } from "./errors.js";

const encoder = new TextEncoder();
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// How far one argument is looked into comes from the module (limit()): the first `elements` scalar
// elements of an array, among its first `scanned`, are passed as element entries. Values past those
// limits (an array's strings after them) and strings inside nested objects and arrays are passed after
// the ordinary entries, as extra entries, within the core's budget (`extra`), and what does not fit is
// counted in one summary entry: the core judges what it can and knows what it could not. The walk of
// one argument's nested values visits at most `walk` members, `depth` levels deep; where it stops, the
// argument counts one more value not passed.
const KEY = "\u0000key"; // putString's `what` for argument keys: the message names the key only on error

/** UTF-8 bytes cut to `max` at a character boundary (as the value cut of putString). */
function cut(b: Uint8Array, max: number): Uint8Array {
  if (b.length <= max) return b;
  let n = max;
  while (n > 0 && (b[n]! & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}

export class Encoder {
  private readonly core: CoreExports;
  private readonly ioPtr: number;
  private readonly ioSize: number;
  readonly limits: {
    ident: number;
    tool: number;
    key: number;
    value: number;
    args: number;
    extra: number;
    elements: number;
    scanned: number;
    walk: number;
    depth: number;
  };
  private bytes!: Uint8Array;
  private view!: DataView;
  private buffer: ArrayBuffer | null = null;

  constructor(core: CoreExports) {
    this.core = core;
    this.ioPtr = core.io_ptr();
    this.ioSize = core.io_size();
    this.limits = {
      ident: core.limit(LIMIT.identBytes),
      tool: core.limit(LIMIT.toolBytes),
      key: core.limit(LIMIT.keyBytes),
      value: core.limit(LIMIT.valueBytes),
      args: core.limit(LIMIT.args),
      extra: core.limit(LIMIT.extra),
      elements: core.limit(LIMIT.elements),
      scanned: core.limit(LIMIT.scanned),
      walk: core.limit(LIMIT.walk),
      depth: core.limit(LIMIT.depth),
    };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!(v > 0)) throw new ToolwatchError("ABI_MISMATCH", `the module reports no ${k} limit (limit() gave ${v})`);
    }
  }

  /** Views over memory; refreshed when memory grew (init) and the old buffer detached. */
  private views(): void {
    const buf = this.core.memory.buffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.bytes = new Uint8Array(buf, this.ioPtr, this.ioSize);
      this.view = new DataView(buf, this.ioPtr, this.ioSize);
    }
  }

  private putString(at: number, s: string, max: number, what: string, truncate: boolean): number {
    const room = Math.max(0, Math.min(max, this.ioSize - at));
    // ASCII fast path: names, keys and most values are short ASCII, and a byte loop beats
    // encodeInto's per-call cost (a subarray plus a result object) for them.
    const len = s.length;
    if (len <= room && len <= 128) {
      const b = this.bytes;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at + i] = c;
      }
      if (i === len) return len;
    }
    // Names must be well-formed: a lone surrogate would be written as U+FFFD and two different names
    // would become one. Values (truncate) keep the JSON-encoder behaviour: U+FFFD.
    if (!truncate && LONE_SURROGATE.test(s)) {
      throw new ToolwatchError(
        "INVALID_STRING",
        `${what === KEY ? `argument key "${s.slice(0, 40)}"` : what} contains a lone UTF-16 surrogate (not valid Unicode)`,
      );
    }
    const r = encoder.encodeInto(s, this.bytes.subarray(at, at + room));
    if (r.read! < s.length && !truncate) {
      if (room < max) throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
      const name = what === KEY ? `argument key "${s.slice(0, 40)}"` : what;
      throw new ToolwatchError("TOO_LONG", `${name} is longer than ${max} bytes of UTF-8`);
    }
    return r.written!;
  }

  /** Writes tenant, principal and tool; returns the offset after them (args not written). */
  identity(tenant: string, principal: string, tool: string): number {
    this.views();
    const v = this.view;
    let at = CALL.header;
    const tl = this.putString(at, tenant, this.limits.ident, "tenant", false);
    at += tl;
    const pl = this.putString(at, principal, this.limits.ident, "principal", false);
    at += pl;
    const tol = this.putString(at, tool, this.limits.tool, "tool name", false);
    at += tol;
    v.setUint32(CALL.tenantLen, tl, true);
    v.setUint32(CALL.principalLen, pl, true);
    v.setUint32(CALL.toolLen, tol, true);
    v.setUint32(CALL.argCount, 0, true);
    return at;
  }

  /**
   * Writes a full call record. Top-level arguments become entries (key, JSON type, scalar value);
   * arrays also pass up to 16 scalar elements. Values longer than the core's limit are cut (on a
   * character boundary); undefined, functions and symbols are skipped, as JSON would.
   * Returns the list of keys in entry order, for naming the argument a reason points at.
   */
  call(tenant: string, principal: string, tool: string, args: Record<string, unknown>, keys: string[]): void {
    this.at = this.identity(tenant, principal, tool);
    const v = this.view;
    this.count = 0;
    keys.length = 0;
    this.keys = keys;
    this.extras.length = 0;
    this.cut.length = 0;
    for (const key in args) {
      if (!Object.hasOwn(args, key)) continue;
      let value = args[key];
      let t = typeof value;
      if (t === "undefined" || t === "function" || t === "symbol") continue;
      if (t === "bigint") {
        value = Number(value);
        t = "number";
      }
      if (value === null) {
        this.finish(this.entry(ARG_TYPE.null, key), 0);
      } else if (t === "boolean") {
        const va = this.entry(ARG_TYPE.bool, key);
        if (va + 1 > this.ioSize) throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
        v.setUint8(va, value ? 1 : 0);
        this.finish(va, 1);
      } else if (t === "number") {
        const va = this.entry(ARG_TYPE.number, key);
        if (va + 8 > this.ioSize) throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
        v.setFloat64(va, value as number, true);
        this.finish(va, 8);
      } else if (t === "string") {
        const va = this.entry(ARG_TYPE.string, key);
        this.finish(va, this.putString(va, value as string, this.limits.value, "value", true));
      } else if (Array.isArray(value)) {
        this.finish(this.entry(ARG_TYPE.array, key), 0);
        // The first `elements` scalar elements, among at most `scanned`: a huge or sparse array
        // (length 2^32 - 1, no elements) costs nothing. Later strings and nested values are extras.
        let n = 0;
        const upto = Math.min(value.length, this.limits.scanned);
        const entry = this.count - 1;
        this.budget = this.limits.walk;
        if (value.length > upto) this.cut.push(entry);
        for (let i = 0; i < upto; i++) {
          const el: unknown = value[i];
          if (n >= this.limits.elements) {
            if (typeof el === "string") this.extras.push(ARG_TYPE.tailString, key, el, entry);
            else if (el !== null && typeof el === "object") this.walk(el, key, 1, entry);
          } else if (typeof el === "string") {
            const va = this.entry(ARG_TYPE.elemString, key);
            this.finish(va, this.putString(va, el, this.limits.value, "value", true));
            n++;
          } else if (typeof el === "number") {
            const va = this.entry(ARG_TYPE.elemNumber, key);
            if (va + 8 > this.ioSize)
              throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
            v.setFloat64(va, el, true);
            this.finish(va, 8);
            n++;
          } else if (el !== null && typeof el === "object") {
            this.walk(el, key, 1, entry);
          }
        }
      } else {
        this.finish(this.entry(ARG_TYPE.object, key), 0);
        this.budget = this.limits.walk;
        this.walk(value as object, key, 0, this.count - 1);
      }
    }
    if (this.extras.length > 0 || this.cut.length > 0) this.writeExtras();
    v.setUint32(CALL.argCount, this.count, true);
    this.keys = null;
  }

  // Extra values found by call(), flat: type, key, value, index of the top-level entry, …; and the
  // entries whose walk stopped at a limit. Reused across calls.
  private readonly extras: (string | number)[] = [];
  private readonly cut: number[] = [];
  private budget = 0;

  /** Collects the strings inside a nested object or array (depth: its own), keyed by their path. */
  private walk(c: object, path: string, depth: number, entry: number): void {
    if (depth > this.limits.depth) {
      this.cut.push(entry);
      return;
    }
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) {
        if (this.budget === 0) {
          this.cut.push(entry);
          return;
        }
        this.budget--;
        this.member(c[i], path, depth, entry);
      }
      return;
    }
    for (const k in c) {
      if (!Object.hasOwn(c, k)) continue;
      if (this.budget === 0) {
        this.cut.push(entry);
        return;
      }
      this.budget--;
      this.member((c as Record<string, unknown>)[k], `${path}.${k}`, depth, entry);
    }
  }

  private member(v: unknown, path: string, depth: number, entry: number): void {
    if (typeof v === "string") this.extras.push(ARG_TYPE.nestedString, path, v, entry);
    else if (v !== null && typeof v === "object") this.walk(v, path, depth + 1, entry);
  }

  /**
   * Appends the extras that fit (at most limits.extra, each whole: key cut at the key limit, value at
   * the value limit), then the summary of the rest per top-level entry. Room for the summary is kept
   * first, and arguments that leave none are refused like any record over 64 KiB.
   */
  private writeExtras(): void {
    const x = this.extras;
    const omitted = new Map<number, number>();
    for (const e of this.cut) omitted.set(e, 1);
    for (let i = 3; i < x.length; i += 4) if (!omitted.has(x[i] as number)) omitted.set(x[i] as number, 0);
    const summary = ENTRY.header + 8 * omitted.size;
    if (this.at + summary > this.ioSize)
      throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
    const v = this.view;
    let written = 0;
    for (let i = 0; i < x.length; i += 4) {
      const entry = x[i + 3] as number;
      const kb = cut(encoder.encode(x[i + 1] as string), this.limits.key);
      const vb = cut(encoder.encode(x[i + 2] as string), this.limits.value);
      const end = this.at + ENTRY.header + kb.length + vb.length;
      if (written >= this.limits.extra || end + summary > this.ioSize) {
        omitted.set(entry, omitted.get(entry)! + 1);
        continue;
      }
      v.setUint8(this.at + ENTRY.type, x[i] as number);
      v.setUint8(this.at + ENTRY.type + 1, 0);
      v.setUint16(this.at + ENTRY.keyLen, kb.length, true);
      v.setUint32(this.at + ENTRY.valueLen, vb.length, true);
      this.bytes.set(kb, this.at + ENTRY.header);
      this.bytes.set(vb, this.at + ENTRY.header + kb.length);
      this.at = end;
      this.keys!.push(x[i + 1] as string);
      this.count++;
      written++;
    }
    let pairs = 0;
    const start = this.at;
    for (const [entry, n] of [...omitted].sort((a, b) => a[0] - b[0])) {
      if (n === 0) continue;
      v.setUint32(start + ENTRY.header + pairs * 8, entry, true);
      v.setUint32(start + ENTRY.header + 4 + pairs * 8, n, true);
      pairs++;
    }
    if (pairs === 0) return;
    v.setUint8(start + ENTRY.type, ARG_TYPE.omitted);
    v.setUint8(start + ENTRY.type + 1, 0);
    v.setUint16(start + ENTRY.keyLen, 0, true);
    v.setUint32(start + ENTRY.valueLen, pairs * 8, true);
    this.at = start + ENTRY.header + pairs * 8;
    this.keys!.push("");
    this.count++;
  }

  // Cursor of the record being written by call(): instance fields rather than closures, so that
  // encoding a call allocates nothing.
  private at = 0;
  private count = 0;
  private keys: string[] | null = null;

  /** Starts an argument entry at the cursor; returns where its value goes. */
  private entry(type: number, key: string): number {
    const at = this.at;
    if (this.count >= this.limits.args) {
      throw new ToolwatchError(
        "ARGS_TOO_LARGE",
        `arguments have more than ${this.limits.args} entries (keys plus array elements)`,
      );
    }
    if (at + ENTRY.header > this.ioSize)
      throw new ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record");
    const kl = this.putString(at + ENTRY.header, key, this.limits.key, KEY, false);
    const v = this.view;
    v.setUint8(at + ENTRY.type, type);
    v.setUint8(at + ENTRY.type + 1, 0);
    v.setUint16(at + ENTRY.keyLen, kl, true);
    v.setUint32(at + ENTRY.valueLen, 0, true);
    this.keys!.push(key);
    this.count++;
    return at + ENTRY.header + kl;
  }

  /** Closes the entry at the cursor with its value length and moves the cursor past it. */
  private finish(valueAt: number, len: number): void {
    this.view.setUint32(this.at + ENTRY.valueLen, len, true);
    this.at = valueAt + len;
  }

  /** Writes the config block: one f64 per slot, NaN = the core's default. */
  config(values: Float64Array): void {
    this.views();
    for (let i = 0; i < values.length; i++) this.view.setFloat64(i * 8, values[i]!, true);
  }
}
