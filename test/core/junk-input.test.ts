// Every public method of the detector refuses bad input with a ToolwatchError and leaves the learned
// state exactly as it was: a caller's mistake is never taken for a core trap (which restarts the
// detector, and without a snapshot, empty).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createDetector, ToolwatchError, type Detector } from "../../js/runtime/node/index.js";
import { MONDAY_10 } from "./helpers.js";

function trained(): Detector {
  const d = createDetector({ allowlist: { tools: ["ping"] } });
  for (let i = 0; i < 60; i++) {
    const call = {
      tool: i % 3 ? "read_file" : "send_mail",
      args: { to: `u${i % 4}@x.example` },
      principal: `p${i % 5}`,
      tenant: "acme",
      time: MONDAY_10 + i * 30_000,
    };
    d.check(call);
    d.after(call, { isError: i % 7 === 0 });
  }
  d.check({ tool: "read_file", time: MONDAY_10 }); // an anonymous record too
  return d;
}

const throwing = (key: string) =>
  Object.defineProperty({ tool: "read_file", principal: "p1", tenant: "acme" }, key, {
    get() {
      throw new Error("getter");
    },
    enumerable: true,
  });
const revoked = () => {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
};
const trap = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error("proxy get");
      },
      has() {
        throw new Error("proxy has");
      },
      ownKeys() {
        throw new Error("proxy keys");
      },
    },
  );

/** Values no method accepts in the position they are given. */
const rawScalar = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    1e308,
    Number.MAX_SAFE_INTEGER * 4,
    "",
    "read_file",
    "x".repeat(70_000),
    true,
    10n,
    Symbol("s"),
    [],
    [1, "a"],
    [{ tool: "read_file" }],
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.anything(), { maxLength: 3 }),
);
// args and timeZone matter to check() and learn() only: after() ignores them
const rawOddArgs = fc.oneof(
  fc.constantFrom<unknown>(
    { tool: "read_file", args: 7 },
    { tool: "read_file", args: [1] },
    { tool: "read_file", args: "a=b" },
    { tool: "read_file", timeZone: "Mars/Olympus" },
    { tool: "read_file", timeZone: NaN },
    { tool: "read_file", timeZone: 99_999 },
    { tool: "read_file", timeZone: {} },
    { tool: "read_file", args: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])) },
  ),
  fc.constantFrom("args", "timeZone").map((k) => ({ hostile: () => throwing(k) })),
  fc.constant({ hostile: () => ({ tool: "read_file", args: trap() }) }),
  fc.constant({ hostile: () => ({ tool: "read_file", args: revoked() }) }),
);
const rawOddCall = fc.oneof(
  fc.constantFrom<unknown>(
    { tool: 5 },
    { tool: "" },
    { tool: null },
    { tool: "read_file", time: NaN },
    { tool: "read_file", time: -5 },
    { tool: "read_file", time: "now" },
    { tool: "read_file", time: 1e20 },
    { tool: "read_file", principal: 5 },
    { tool: "read_file", principal: {} },
    { tool: "read_file", tenant: [] },
    { tool: "read_file", identity: 5 },
    { tool: "read_file", identity: "p1" },
    { tool: "read_file", identity: null },
    { tool: "read_file", identity: { principal: 7 } },
    { tool: "x".repeat(5000) },
    { tool: "read_file", principal: "p".repeat(5000) },
  ),
  fc.constantFrom("tool", "principal", "tenant", "time", "identity").map((k) => ({ hostile: () => throwing(k) })),
  fc.constant({ hostile: revoked }),
  fc.constant({ hostile: trap }),
  fc.constant({ hostile: () => ({ tool: "read_file", identity: trap() }) }),
);
const rawAfterJunk = fc.oneof(rawScalar, rawOddCall);
const rawJunk = fc.oneof(
  rawScalar,
  rawOddCall,
  rawOddArgs,
  fc.uint8Array({ maxLength: 200 }),
  fc.constant({ hostile: () => new Proxy(new Uint8Array(64), {}) }),
);

/** Hostile objects are built only when the method is called, so fast-check never reads them when it prints a case. */
type Lazy = { value: unknown };
const lazy = (a: fc.Arbitrary<unknown>): fc.Arbitrary<Lazy> => a.map((v) => ({ value: v }));
const make = (l: Lazy): unknown => {
  const v = l.value as { hostile?: () => unknown };
  return typeof v === "object" && v !== null && typeof v.hostile === "function" && Object.keys(v).length === 1
    ? v.hostile()
    : l.value;
};
const scalar = lazy(rawScalar);
const junk = lazy(rawJunk);
const afterJunk = lazy(rawAfterJunk);
const okCall = {
  tool: "read_file",
  args: { to: "u1@x.example" },
  principal: "p1",
  tenant: "acme",
  time: MONDAY_10 + 3_600_000,
};
const ok = (v: unknown): Lazy => ({ value: v });
const oddOutcome = lazy(
  fc.oneof(
    rawScalar,
    fc.constantFrom<unknown>(
      { isError: "yes" },
      { isError: 1 },
      { isError: null },
      { hostile: revoked },
      { hostile: () => throwing("isError") },
    ),
  ),
);
// for the record methods: an object without a principal names the anonymous identity, so junk here is what is not an identity
const rawOddId = fc.oneof(
  rawScalar,
  fc.constantFrom<unknown>(
    { principal: 5 },
    { tenant: [] },
    { principal: {}, tenant: "acme" },
    { hostile: revoked },
    { hostile: trap },
    { hostile: () => throwing("principal") },
  ),
);
const oddId = lazy(rawOddId);
const oddWhich = lazy(fc.oneof(rawScalar, fc.constantFrom<unknown>("principal", "ENTITY", {})));
const goodWhich = fc.constantFrom("entity", "tenant").map(ok);
const goodId = ok({ tenant: "acme", principal: "p1" });

/** [method, arguments]: at least one argument is junk in each. */
const invocation = fc.oneof(
  junk.map((a) => ["check", [a]] as const),
  junk.map((a) => ["learn", [a]] as const),
  afterJunk.map((a) => ["after", [a]] as const),
  oddOutcome.map((o) => ["after", [ok(okCall), o]] as const),
  fc.tuple(afterJunk, oddOutcome).map(([a, o]) => ["after", [a, o]] as const),
  fc
    .oneof(
      junk,
      lazy(
        fc.constantFrom<unknown>(
          {},
          { tool: "" },
          { tool: 5 },
          { tool: "a", principal: "b" },
          { tool: "a", extra: 1 },
          { user: "x" },
        ),
      ),
    )
    .map((a) => ["allow", [a]] as const),
  junk.map((a) => ["clearAllowlist", [a]] as const),
  junk.map((a) => ["restore", [a]] as const),
  junk.map((a) => ["merge", [a]] as const),
  fc.tuple(junk, junk).map(([a, b]) => ["restoreFrom", [a, b]] as const),
  fc.tuple(fc.integer({ min: 64, max: 1000 }).map(ok), scalar).map(([a, b]) => ["restoreFrom", [a, b]] as const),
  junk.map((a) => ["writeSnapshot", [a]] as const),
  fc.tuple(oddId, goodWhich).map(([a, w]) => ["exportRecord", [a, w]] as const),
  oddWhich.map((w) => ["exportRecord", [goodId, w]] as const),
  fc.tuple(oddId, goodWhich).map(([a, w]) => ["dropRecord", [a, w]] as const),
  oddWhich.map((w) => ["dropRecord", [goodId, w]] as const),
  fc.tuple(goodWhich, junk).map(([w, b]) => ["importRecord", [goodId, w, b]] as const),
  fc.tuple(goodWhich, junk).map(([w, b]) => ["mergeRecord", [goodId, w, b]] as const),
  fc.tuple(oddId, goodWhich).map(([a, w]) => ["importRecord", [a, w, ok(new Uint8Array(10))]] as const),
  lazy(rawJunk.filter((a) => a !== null)).map((a) => ["setRecoverySource", [a]] as const),
);

describe("junk input to every public method", () => {
  it("throws a ToolwatchError and leaves the state (hash, snapshot, recoveries) unchanged", () => {
    const d = trained();
    const hash = d.stateHash();
    const snap = d.snapshot();
    const before = d.stats();
    fc.assert(
      fc.property(invocation, ([method, args]) => {
        let thrown: unknown;
        try {
          (d as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args.map(make));
        } catch (err) {
          thrown = err;
        }
        if (!(thrown instanceof ToolwatchError))
          throw new Error(
            `${method}: ${thrown === undefined ? "accepted the junk" : `threw ${String((thrown as Error)?.message ?? thrown)}, not a ToolwatchError`}`,
          );
        expect(d.stateHash(), method).toBe(hash);
        expect(d.stats().recoveries, method).toBe(0);
      }),
      { numRuns: 1500, seed: 20260101 },
    );
    expect(d.stats().entities).toBe(before.entities);
    expect(Buffer.from(d.snapshot()).equals(Buffer.from(snap))).toBe(true);
  });

  it("after(call, null) no longer restarts the detector empty", () => {
    const d = trained();
    const hash = d.stateHash();
    expect(() => d.after(okCall, null as never)).toThrow(ToolwatchError);
    expect(d.stateHash()).toBe(hash);
    expect(d.stats().entities).toBeGreaterThan(0);
  });

  it("a real trap still recovers", () => {
    const d = trained();
    d.snapshot();
    const hash = d.stateHash();
    const real = d.raw;
    // a core whose check traps (recovery then boots a real one)
    (d as unknown as { core: unknown }).core = {
      ...real,
      check: () => {
        throw new WebAssembly.RuntimeError("unreachable");
      },
    };
    const r = d.check(okCall);
    expect(r.error?.code).toBe("DETECTOR_FAILURE");
    expect(d.stats().recoveries).toBe(1);
    expect(d.stateHash()).toBe(hash);
  });
});
