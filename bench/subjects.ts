// The four things measured per call, each set up with the same warm-up history and fed the same
// measured stream: the core through its raw ABI, the public check(), the prior-art implementation,
// and a floor (one Map lookup and one counter update).
import { createDetector, type Detector } from "../js/runtime/node/index.js";
import { Encoder } from "../js/core/encode.js";
import type { PriorArtDetector } from "../prior-art/detector.js";
import type { BenchCall } from "./streams.js";

export type SubjectName = "raw" | "public" | "priorArt" | "floor";

/** Bytes of one record at the default caps, as this core reports it (the record grows with the core). */
let defaultRecordBytes = 0;
function recordSize(): number {
  if (!defaultRecordBytes) defaultRecordBytes = createDetector({ budgetBytes: 1 << 20 }).stats().recordBytes;
  return defaultRecordBytes;
}

/** Budget that holds `entities` principals plus their tenants with room to spare (records are fixed-size). */
export function budgetFor(entities: number, tenants: number, recordBytes = recordSize()): number {
  const records = entities + tenants + 64;
  let idx = 1;
  while (idx < records * 1.5 + 1) idx *= 2;
  const bytes = 128 + 1024 * 16 + idx * 4 + records * recordBytes;
  return Math.max(65536, Math.min(4292870144, Math.ceil(bytes * 1.01)));
}

export function newDetector(entities: number, tenants: number): Detector {
  return createDetector({ budgetBytes: budgetFor(entities, tenants), maxEntities: entities + tenants + 64 });
}

/**
 * The measured stream pre-encoded for the raw ABI: one view per call over a single buffer, so a timed
 * step is one copy of ~100 bytes into IO plus the core's check().
 */
export function preEncode(d: Detector, stream: BenchCall[]): Uint8Array[] {
  const raw = d.raw;
  const enc = new Encoder(raw);
  const io = () => new Uint8Array(raw.memory.buffer, raw.io_ptr(), raw.io_size());
  const parts: Uint8Array[] = [];
  let total = 0;
  const keys: string[] = [];
  for (const c of stream) {
    enc.call(c.tenant, c.principal, c.tool, c.args, keys);
    const b = io();
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let at = 16 + v.getUint32(0, true) + v.getUint32(4, true) + v.getUint32(8, true);
    const n = v.getUint32(12, true);
    for (let i = 0; i < n; i++) at += 8 + v.getUint16(at + 2, true) + v.getUint32(at + 4, true);
    parts.push(b.slice(0, at));
    total += at;
  }
  const all = new Uint8Array(total);
  const views: Uint8Array[] = [];
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    views.push(all.subarray(off, off + p.length));
    off += p.length;
  }
  return views;
}

export interface Steppers {
  raw: () => void;
  public: () => void;
  priorArt: () => void;
  floor: () => void;
}

export interface Floor {
  map: Map<string, { n: number }>;
}

export function floorFeed(f: Floor, c: BenchCall): void {
  const o = f.map.get(c.principal);
  if (o !== undefined) o.n++;
  else f.map.set(c.principal, { n: 1 });
}

/**
 * One closure per subject; each call consumes the next call of the stream (cycling), replayed at the
 * stream's own gaps from a clock that only moves forward, as in production.
 */
export function steppers(
  d: Detector,
  pa: PriorArtDetector,
  floor: Floor,
  stream: BenchCall[],
  encoded: Uint8Array[],
  start: number,
): Steppers {
  const len = stream.length;
  const raw = d.raw;
  const io = new Uint8Array(raw.memory.buffer, raw.io_ptr(), raw.io_size());
  let ir = 0,
    ip = 0,
    ia = 0,
    iff = 0;
  let tw = start; // raw and public share one detector, so they share its clock
  let ta = start;
  return {
    raw: () => {
      io.set(encoded[ir]!);
      tw += stream[ir]!.dt!;
      if (raw.check(tw, 0) < 0) throw new Error("core check failed");
      if (++ir === len) ir = 0;
    },
    public: () => {
      const c = stream[ip]!;
      tw += c.dt!;
      c.time = tw;
      d.check(c);
      if (++ip === len) ip = 0;
    },
    priorArt: () => {
      const c = stream[ia]!;
      ta += c.dt!;
      c.time = ta;
      pa.check(c);
      if (++ia === len) ia = 0;
    },
    floor: () => {
      floorFeed(floor, stream[iff]!);
      if (++iff === len) iff = 0;
    },
  };
}
