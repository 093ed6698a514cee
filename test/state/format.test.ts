// The snapshot and record formats as documented (docs/ABI.md): the checksum recomputed independently
// from the spec, crafted files with a valid checksum refused by their contents, and random damage
// always refused without touching the state.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createDetector, type Detector } from "../../js/runtime/node/index.js";

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n,
  P2 = 0xc2b2ae3d27d4eb4fn,
  P3 = 0x165667b19e3779f9n,
  P4 = 0x85ebca77c2b2ae63n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
function fmix(x: bigint): bigint {
  let h = x;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M;
  return h ^ (h >> 33n);
}
/** The core's byte hash with seed 0 (assembly/hash.ts), for checking the documented checksum. */
function hash0(b: Uint8Array): bigint {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  let h = (P4 ^ ((BigInt(b.length) * P1) & M)) & M;
  let p = 0;
  for (; p + 8 <= b.length; p += 8) {
    let k = (v.getBigUint64(p, true) * P2) & M;
    k = (rotl(k, 31n) * P1) & M;
    h ^= k;
    h = (rotl(h, 27n) * P1 + P3) & M;
  }
  if (p + 4 <= b.length) {
    h ^= (BigInt(v.getUint32(p, true)) * P1) & M;
    h = (rotl(h, 23n) * P2 + P3) & M;
    p += 4;
  }
  for (; p < b.length; p++) {
    h ^= (BigInt(b[p]!) * P3) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  return fmix(h);
}
const combine = (a: bigint, b: bigint) => fmix(a ^ ((rotl(b, 29n) * P2 + P3) & M));

function snapshotChecksum(s: Uint8Array): bigint {
  const c = s.slice();
  new DataView(c.buffer).setBigUint64(40, 0n, true);
  let h = 0x544f4f4c534e4150n;
  for (let off = 0; off < c.length; off += 65536)
    h = combine(h, hash0(c.subarray(off, Math.min(c.length, off + 65536))));
  const f = new DataView(new ArrayBuffer(8));
  f.setFloat64(0, c.length, true);
  return combine(h, f.getBigUint64(0, true));
}
function reseal(s: Uint8Array): Uint8Array {
  new DataView(s.buffer, s.byteOffset).setBigUint64(40, snapshotChecksum(s), true);
  return s;
}

function populated(n = 80): Detector {
  const d = createDetector();
  d.allow({ tool: "healthcheck" });
  for (let i = 0; i < n * 10; i++)
    d.check({
      tenant: `t${i % 3}`,
      principal: `p${i % n}`,
      tool: ["a", "b", "c"][i % 3]!,
      args: { k: i % 4 },
      time: 1.7e12 + i * 15_000,
    });
  return d;
}
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "no error";
}

describe("snapshot format", () => {
  it("the header and checksum are as documented", () => {
    const d = populated();
    const s = d.snapshot();
    const v = new DataView(s.buffer, s.byteOffset);
    expect(v.getUint32(0, true)).toBe(0x4e535754);
    expect([v.getUint16(4, true), v.getUint16(6, true)]).toEqual([1, 1]);
    expect(v.getUint32(16, true)).toBe(d.stats().recordBytes);
    expect(v.getUint32(20, true)).toBe(d.stats().entities + d.stats().tenants);
    expect(v.getUint32(24, true)).toBe(1);
    expect(v.getFloat64(32, true)).toBe(s.length);
    expect(v.getBigUint64(40, true)).toBe(snapshotChecksum(s));
    expect(s.length).toBeGreaterThan(65536); // the fold over blocks is exercised
  });

  it("a resealed file whose records break the invariants is refused as invalid, state untouched", () => {
    const src = populated().snapshot();
    const body = 64 + 128 + 16;
    const d = populated(10);
    const before = d.stateHash();
    const rec = d.stats().recordBytes;
    const ring = src.slice();
    new DataView(ring.buffer).setUint16(body + 3 * rec + 72, 0xffff, true); // ring head of record 3
    expect(code(() => d.restore(reseal(ring)))).toBe("SNAPSHOT_INVALID");
    const zeroKey = src.slice();
    new DataView(zeroKey.buffer).setBigUint64(body + 5 * rec, 0n, true);
    expect(code(() => d.restore(reseal(zeroKey)))).toBe("SNAPSHOT_INVALID");
    const count = src.slice();
    new DataView(count.buffer).setUint32(20, 7, true); // header says 7 records
    expect(code(() => d.restore(reseal(count)))).toBe("SNAPSHOT_INVALID");
    const nanTime = src.slice();
    new DataView(nanTime.buffer).setFloat64(body + 2 * rec + 16, NaN, true);
    expect(code(() => d.merge(reseal(nanTime)))).toBe("SNAPSHOT_INVALID");
    expect(d.stateHash()).toBe(before);
    // resealing an unchanged file changes nothing: the checks above are about contents
    expect(d.restore(reseal(src.slice()))).toBe(243); // 240 (tenant, principal) pairs + 3 tenants
  });

  it("a resealed record with a broken ring position is refused", () => {
    const d = populated(5);
    const r = d.exportRecord({ tenant: "t1", principal: "p1" })!;
    const v = new DataView(r.buffer, r.byteOffset);
    v.setUint16(40 + 74, 500, true); // ring length beyond the ring
    v.setBigUint64(24, hash0(r.subarray(40)), true);
    expect(code(() => d.importRecord({ tenant: "t1", principal: "p1" }, "entity", r))).toBe("RECORD_INVALID");
  });

  it("random damage is always refused with a snapshot error and never changes the state", () => {
    const src = populated(60).snapshot();
    const d = populated(7);
    const before = d.stateHash();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            kind: fc.constant("flip" as const),
            at: fc.nat(src.length - 1),
            bit: fc.integer({ min: 0, max: 7 }),
          }),
          fc.record({ kind: fc.constant("cut" as const), at: fc.nat(src.length - 1) }),
          fc.record({ kind: fc.constant("junk" as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
        ),
        (m) => {
          let s: Uint8Array;
          if (m.kind === "flip") {
            s = src.slice();
            s[m.at]! ^= 1 << m.bit;
          } else if (m.kind === "cut") s = src.subarray(0, m.at);
          else s = m.bytes;
          const c = code(() => d.restore(s));
          expect(c).toMatch(/^SNAPSHOT_/);
          expect(d.stateHash()).toBe(before);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("the raw restore protocol refuses chunks out of order and never leaves a half-written state", () => {
    const src = populated(100).snapshot();
    expect(src.length).toBeGreaterThan(3 * 65536);
    const d = populated(7);
    const core = d.raw as unknown as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
    const xp = core.xfer_ptr!(),
      xs = core.xfer_size!();
    const put = (off: number) => {
      const n = Math.min(xs, src.length - off);
      new Uint8Array(core.memory.buffer, xp, n).set(src.subarray(off, off + n));
      return n;
    };
    const before = d.stateHash();
    expect(core.restore_chunk!(0, 10)).toBe(-36); // no restore begun
    expect(core.restore_begin!(src.length, 0)).toBe(0);
    expect(core.restore_chunk!(xs, put(xs))).toBe(-36); // skipped the first chunk
    expect(core.restore_begin!(src.length, 0)).toBe(0);
    expect(core.restore_chunk!(0, 100)).toBe(-36); // short chunk that is not the last
    expect(core.restore_begin!(src.length, 7)).toBe(-36); // unknown mode
    expect(core.snapshot_read!(1e9, 10)).toBe(-36);
    expect(d.stateHash()).toBe(before);
    // a replace commit abandoned half-way, then a new restore that is refused: the state is empty, not mixed
    expect(core.restore_begin!(src.length, 0)).toBe(0);
    for (let off = 0; off < src.length; off += xs) expect(core.restore_chunk!(off, put(off))).toBe(0);
    expect(core.restore_end!()).toBe(0);
    expect(core.restore_chunk!(0, put(0))).toBe(0); // commit pass, first chunk only
    expect(core.restore_begin!(5, 0)).toBe(0);
    expect(core.restore_end!()).toBeLessThan(0);
    expect(d.stats().entities).toBe(0);
    expect(d.stats().checks).toBe(0);
  });
});
