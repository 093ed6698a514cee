// Property tests: random call streams never trap, never grow memory past the budget, and replay
// bit-identically into a second instance.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createDetector, ToolwatchError, type Decision } from "../../js/runtime/node/index.js";
import { MONDAY_10 } from "./helpers.js";

const name = (prefix: string, n: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: n }).map((i) => `${prefix}${i}`),
    fc.string({ maxLength: 12 }),
  );
const value = fc.oneof(
  fc.constantFrom("a@x.example", "b@x.example", "https://WWW.X.com/a", "x.com/b", ""),
  fc.string({ maxLength: 20 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 20 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);
const args = fc.dictionary(
  fc.oneof(fc.constantFrom("to", "url", "query", "body", "ids"), fc.string({ maxLength: 6 })),
  value,
  { maxKeys: 6 },
);

const op = fc.record({
  kind: fc.constantFrom("check", "check", "check", "check", "learn", "after", "allow"),
  tenant: name("t", 3),
  principal: fc.oneof(
    name("p", 8),
    fc.integer({ min: 0, max: 1_000_000 }).map((i) => `bot${i}`),
  ),
  tool: name("tool", 6),
  args,
  // mostly forward, sometimes equal, sometimes backwards, sometimes a long gap
  dt: fc.oneof(
    fc.integer({ min: 0, max: 5000 }),
    fc.integer({ min: -600_000, max: 0 }),
    fc.integer({ min: 0, max: 3 * 86_400_000 }),
  ),
  tz: fc.constantFrom(undefined, 0, -300, 330, "America/New_York", "Europe/Paris"),
});

const config = fc.record({
  budgetBytes: fc.constantFrom(65536, 100_000, 262_144),
  maxEntities: fc.constantFrom(0, 0, 2, 3, 7),
  evictionSample: fc.integer({ min: 1, max: 64 }),
  maxTransitionsPerEntity: fc.integer({ min: 1, max: 6 }),
  maxValueKeysPerEntity: fc.integer({ min: 1, max: 4 }),
  offHoursStart: fc.integer({ min: 0, max: 23 }),
  offHoursEnd: fc.integer({ min: 0, max: 23 }),
  burstThreshold: fc.integer({ min: 1, max: 30 }),
  burstWindowSeconds: fc.constantFrom(1, 10, 60),
  minCalls: fc.integer({ min: 0, max: 10 }),
  learningWindowSeconds: fc.constantFrom(0, 60, 3600),
  tenantMinCalls: fc.integer({ min: 0, max: 20 }),
  maxToolsPerEntity: fc.integer({ min: 1, max: 8 }),
  maxValuesPerEntity: fc.integer({ min: 1, max: 8 }),
  learnFromWarned: fc.boolean(),
  hourMinCalls: fc.integer({ min: 0, max: 30 }),
  peerPromotion: fc.integer({ min: 0, max: 3 }),
  habitHours: fc.integer({ min: 0, max: 3 }),
  action: fc.constantFrom("warn" as const, "block" as const),
});

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Runs a stream; returns a transcript of every outcome (decisions, errors) to compare. */
function run(cfg: object, ops: Op[]) {
  const errors: unknown[] = [];
  const d = createDetector(cfg, { onError: (e) => errors.push(e) });
  const bytes = d.raw.memory.buffer.byteLength;
  const out: string[] = [];
  let t = MONDAY_10;
  for (const o of ops) {
    t = Math.max(0, t + o.dt);
    const call = {
      tenant: o.tenant,
      principal: o.principal,
      tool: o.tool,
      args: o.args,
      time: t,
      ...(o.tz !== undefined ? { timeZone: o.tz } : {}),
    };
    try {
      if (o.kind === "check") {
        const learnedBefore = d.stats().learned;
        const dec: Decision = d.check(call);
        // a blocked call never enters a baseline; a warned one only when learnFromWarned says so, or
        // (habitHours > 0) when it is a habit warned in that many distinct hours
        const c = cfg as { learnFromWarned?: boolean; habitHours?: number };
        if (!dec.learned) expect(d.stats().learned).toBe(learnedBefore);
        if (dec.action === "block") expect(dec.learned).toBe(false);
        if (dec.action === "warn" && !c.learnFromWarned && !c.habitHours) expect(dec.learned).toBe(false);
        // every signal that scored has its reason
        for (const [sig, score] of Object.entries(dec.signals)) {
          if (score > 0) expect(dec.reasons.some((r) => r.signal === sig)).toBe(true);
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(1);
        }
        expect(dec.risk).toBeGreaterThanOrEqual(0);
        expect(dec.risk).toBeLessThanOrEqual(1);
        out.push(
          JSON.stringify([dec.action, dec.risk, dec.signals, dec.reasons, dec.learning, dec.learned, dec.windowCount]),
        );
      } else if (o.kind === "learn") {
        d.learn(call);
        out.push("learned");
      } else if (o.kind === "after") {
        out.push(JSON.stringify(d.after(call, { isError: o.dt % 2 === 0 })));
      } else {
        d.allow({ tool: o.tool });
        out.push("allow");
      }
    } catch (e) {
      if (!(e instanceof ToolwatchError)) throw e;
      out.push(`error ${e.code}`);
    }
    expect(d.raw.memory.buffer.byteLength).toBe(bytes);
  }
  const s = d.stats();
  expect(errors).toEqual([]); // never a trap
  expect(s.recoveries).toBe(0);
  expect(s.arenaBytes).toBeLessThanOrEqual(s.budgetBytes);
  expect(s.entities + s.tenants).toBeLessThanOrEqual(s.capacity);
  return { out, hash: d.stateHash(), stats: s };
}

describe("random call streams", () => {
  it("never trap, stay inside the budget, and replay identically", () => {
    fc.assert(
      fc.property(config, fc.array(op, { minLength: 1, maxLength: 250 }), (cfg, ops) => {
        const a = run(cfg, ops);
        const b = run(cfg, ops);
        expect(b.out).toEqual(a.out);
        expect(b.hash).toBe(a.hash);
        expect(b.stats).toEqual(a.stats);
      }),
      { numRuns: 100 },
    );
  });

  it("state depends on the calls, not on the instance: a different stream gives a different hash", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const a = run({ budgetBytes: 65536 }, ops);
        const b = run({ budgetBytes: 65536 }, [...ops, { ...ops[0]!, kind: "check", tool: "one_more_call", dt: 1000 }]);
        expect(b.hash).not.toBe(a.hash);
      }),
      { numRuns: 20 },
    );
  });
});

describe("random bytes in the raw call record", () => {
  it("give a result or a typed error code, never a trap, and errors change nothing", () => {
    const d = createDetector({ budgetBytes: 65536 });
    const core = d.raw;
    const io = core.io_ptr();
    const small = fc.integer({ min: 0, max: 300 });
    fc.assert(
      fc.property(
        fc.tuple(small, small, small, fc.integer({ min: 0, max: 140 })),
        fc.uint8Array({ minLength: 0, maxLength: 2048 }),
        fc.double({ noNaN: false }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.constantFrom("check", "learn", "after", "allow_add", "entity_info"),
        (lens, body, time, tz, fn) => {
          const v = new DataView(core.memory.buffer);
          for (const [i, n] of lens.entries()) v.setUint32(io + 4 * i, n, true);
          new Uint8Array(core.memory.buffer).set(body, io + 16);
          const before = d.stateHash();
          const rc =
            fn === "check"
              ? core.check(time, tz)
              : fn === "learn"
                ? core.learn(time, tz)
                : fn === "after"
                  ? core.after(time, tz & 1)
                  : fn === "allow_add"
                    ? core.allow_add(tz & 3)
                    : core.entity_info();
          expect(Number.isInteger(rc)).toBe(true);
          expect(rc).toBeGreaterThanOrEqual(-12);
          expect(rc).toBeLessThanOrEqual(2);
          if (rc < 0) expect(d.stateHash()).toBe(before);
        },
      ),
      { numRuns: 3000 },
    );
    expect(d.check({ principal: "p", tool: "t", time: MONDAY_10 }).action).toBeDefined();
  });
});
