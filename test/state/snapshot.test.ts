// Snapshots: the whole state out as checksummed bytes and back; bad snapshots refused with the running
// state untouched.
import { describe, expect, it } from "vitest";
import { createDetector, type Detector } from "../../js/runtime/node/index.js";

const T0 = Date.UTC(2024, 0, 8, 10, 0, 0);
const MIN = 60_000;

function populate(d: Detector, people: number, calls: number, start = T0): number {
  const tools = ["read_file", "search", "summarise", "list_dir"];
  let t = start;
  for (let i = 0; i < calls; i++) {
    t = start + i * 20_000;
    const p = i % people;
    d.check({
      tenant: `t${p % 3}`,
      principal: `p${p}`,
      tool: tools[(i + p) % 4]!,
      args: { path: `/d/${i % 7}`, n: i % 3 },
      time: t,
    });
  }
  return t;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "no error";
}

describe("snapshots", () => {
  it("restores into a fresh detector with the same hash and the same decisions", () => {
    const a = createDetector();
    a.allow({ tool: "healthcheck" });
    const last = populate(a, 200, 4000);
    const snap = a.snapshot();
    expect(snap.length).toBeGreaterThan(65536 * 2); // several chunks
    expect(snap.length).toBe(64 + 128 + 16 + (a.stats().entities + a.stats().tenants) * a.stats().recordBytes);
    const b = createDetector({ maxEntities: 400 } as never);
    expect(b.restore(snap)).toBe(203);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.stats().entities).toBe(200);
    expect(b.stats().tenants).toBe(3);
    expect(b.stats().checks).toBe(4000);
    const probes = [
      { tenant: "t1", principal: "p1", tool: "search", args: { path: "/d/1", n: 1 }, time: last + MIN },
      { tenant: "t1", principal: "p1", tool: "delete_repo", args: { name: "x" }, time: last + 2 * MIN },
      { tenant: "t2", principal: "new", tool: "search", args: { path: "/d/1", n: 1 }, time: last + 3 * MIN },
      { tenant: "t0", principal: "p3", tool: "healthcheck", time: last + 4 * MIN },
    ];
    for (const call of probes) {
      const da = a.check(call);
      const db = b.check(call);
      expect([db.action, db.risk, db.allowlisted]).toEqual([da.action, da.risk, da.allowlisted]);
    }
    expect(b.stateHash()).toBe(a.stateHash());
    // the same bytes again: snapshots are deterministic
    expect(b.snapshot().subarray(64)).toEqual(a.snapshot().subarray(64));
  });

  it("an empty state round-trips", () => {
    const a = createDetector();
    const snap = a.snapshot();
    expect(snap.length).toBe(64 + 128);
    const b = createDetector();
    populate(b, 3, 30);
    expect(b.restore(snap)).toBe(0);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.stats().entities).toBe(0);
  });

  it("refuses corrupt, truncated, foreign, newer and incompatible snapshots and leaves the state as it was", () => {
    const a = createDetector();
    populate(a, 150, 3000);
    const snap = a.snapshot();
    expect(snap.length).toBeGreaterThan(100_000);
    const b = createDetector({ maxEntities: 300 } as never);
    populate(b, 5, 200, T0 + 86400_000);
    const before = b.stateHash();
    const beforeSnap = b.snapshot();

    const flip = (at: number) => {
      const s = snap.slice();
      s[at]! ^= 0x10;
      return s;
    };
    expect(code(() => b.restore(flip(100_000)))).toBe("SNAPSHOT_CORRUPT");
    expect(code(() => b.restore(flip(snap.length - 1)))).toBe("SNAPSHOT_CORRUPT");
    expect(code(() => b.restore(flip(70)))).toBe("SNAPSHOT_CORRUPT"); // state header
    expect(code(() => b.restore(flip(20)))).toBe("SNAPSHOT_CORRUPT"); // record count in the file header
    expect(code(() => b.restore(snap.subarray(0, snap.length - 1)))).toBe("SNAPSHOT_TRUNCATED");
    expect(code(() => b.restore(snap.subarray(0, 65536)))).toBe("SNAPSHOT_TRUNCATED");
    expect(code(() => b.restore(snap.subarray(0, 40)))).toBe("SNAPSHOT_TRUNCATED");
    expect(code(() => b.restore(new Uint8Array(0)))).toBe("SNAPSHOT_TRUNCATED");
    const longer = new Uint8Array(snap.length + 8);
    longer.set(snap);
    expect(code(() => b.restore(longer))).toBe("SNAPSHOT_TRUNCATED");
    expect(code(() => b.restore(new TextEncoder().encode(JSON.stringify({ state: [1, 2, 3] }))))).toBe(
      "SNAPSHOT_FOREIGN",
    );
    expect(code(() => b.restore(a.exportRecord({ tenant: "t0", principal: "p0" })!))).toBe("SNAPSHOT_FOREIGN");
    const newer = snap.slice();
    newer[4] = 2;
    expect(code(() => b.restore(newer))).toBe("SNAPSHOT_VERSION");
    const newerAbi = snap.slice();
    newerAbi[6] = 99;
    expect(code(() => b.restore(newerAbi))).toBe("SNAPSHOT_VERSION");
    expect(code(() => b.restore("not bytes" as never))).toBe("SNAPSHOT_FOREIGN");
    // capacity too small for the records: incompatible
    const small = createDetector({ maxEntities: 100 } as never);
    const smallBefore = small.stateHash();
    expect(code(() => small.restore(snap))).toBe("SNAPSHOT_INCOMPATIBLE");
    expect(small.stateHash()).toBe(smallBefore);
    // another record layout
    expect(code(() => createDetector({ maxToolsPerEntity: 4 } as never).restore(snap))).toBe("SNAPSHOT_INCOMPATIBLE");
    expect(code(() => createDetector({ hashSeed: 99 } as never).restore(snap))).toBe("SNAPSHOT_INCOMPATIBLE");

    expect(b.stateHash()).toBe(before);
    expect(b.snapshot().subarray(64)).toEqual(beforeSnap.subarray(64));
    // and it still restores the good one
    b.restore(snap);
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it("a source that changes between the verify and commit passes is refused; the state is emptied, not half-written", () => {
    const a = createDetector();
    populate(a, 150, 3000);
    const snap = a.snapshot();
    const b = createDetector();
    let reads = 0;
    const chunks = Math.ceil(snap.length / 65536);
    expect(
      code(() =>
        b.restoreFrom(snap.length, (off, n) => {
          reads++;
          const c = snap.slice(off, off + n);
          if (reads > chunks && off > 0) c[0]! ^= 1; // second pass differs
          return c;
        }),
      ),
    ).toBe("SNAPSHOT_CORRUPT");
    expect(b.stats().entities).toBe(0);
    expect(b.restore(snap)).toBe(153);
  });

  it("trap recovery goes back to the last snapshot", () => {
    const d = createDetector();
    populate(d, 10, 500);
    d.snapshot();
    const hash = d.stateHash();
    populate(d, 10, 100, T0 + 86400_000);
    expect(d.stateHash()).not.toBe(hash);
    (d as unknown as { recover(e: unknown): void }).recover(new Error("simulated trap"));
    expect(d.stateHash()).toBe(hash);
    expect(d.stats().recoveries).toBe(1);
    const fresh = createDetector();
    (fresh as unknown as { recover(e: unknown): void }).recover(new Error("simulated trap"));
    expect(fresh.stats().entities).toBe(0);
  });

  it("snapshots stream in chunks and restore from a chunked source", () => {
    const a = createDetector();
    populate(a, 50, 3000);
    const parts: Uint8Array[] = [];
    const total = a.writeSnapshot((chunk) => parts.push(chunk.slice()));
    expect(parts.length).toBe(Math.ceil(total / 65536));
    const all = Buffer.concat(parts);
    const b = createDetector();
    expect(b.restoreFrom(total, (off, n) => all.subarray(off, off + n))).toBe(53);
    expect(b.stateHash()).toBe(a.stateHash());
  });
});
