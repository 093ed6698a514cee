// Untrusted input never traps the core and never corrupts state: a typed error, or documented handling.
import { describe, it, expect } from "vitest";
import { ToolwatchError, loadModule } from "../../js/runtime/node/index.js";
import { detector, MONDAY_10, MIN } from "./helpers.js";
import type { Detector } from "./helpers.js";

const who = { tenant: "acme", principal: "alice" };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ToolwatchError)) throw e;
    return e.code;
  }
  return "no error";
}

/** The call is refused with `expected`, nothing changed, and the detector still works afterwards. */
function refused(d: Detector, call: object, expected: string): void {
  const before = d.stateHash();
  const checks = d.stats().checks;
  expect(code(() => d.check(call as never))).toBe(expected);
  expect(d.stateHash()).toBe(before);
  expect(d.stats().checks).toBe(checks);
  expect(d.check({ ...who, tool: "still_works", time: MONDAY_10 + 5 * MIN }).action).toBeDefined();
}

describe("bad calls through the public API", () => {
  it("refuses tool names that are not non-empty strings of at most 256 UTF-8 bytes", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    for (const tool of [undefined, null, 5, {}, ["a"], ""])
      refused(d, { ...who, tool, time: MONDAY_10 + MIN }, "INVALID_TOOL");
    refused(d, { ...who, tool: "x".repeat(257), time: MONDAY_10 + MIN }, "TOO_LONG");
    refused(d, { ...who, tool: "é".repeat(129), time: MONDAY_10 + MIN }, "TOO_LONG"); // 258 bytes
    expect(d.check({ ...who, tool: "x".repeat(256), time: MONDAY_10 + MIN }).tool).toHaveLength(256);
    refused(d, { ...who, principal: "p".repeat(300), tool: "t", time: MONDAY_10 + MIN }, "TOO_LONG");
    refused(d, null as never, "INVALID_CALL");
  });

  it("refuses args that are not an object, and treats null or missing args as none", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    refused(d, { ...who, tool: "t", args: [1, 2], time: MONDAY_10 + MIN }, "INVALID_ARGS");
    refused(d, { ...who, tool: "t", args: "a=b", time: MONDAY_10 + MIN }, "INVALID_ARGS");
    refused(d, { ...who, tool: "t", args: 7, time: MONDAY_10 + MIN }, "INVALID_ARGS");
    const a = d.check({ ...who, tool: "t", args: null, time: MONDAY_10 + 2 * MIN });
    const b = d.check({ ...who, tool: "t", time: MONDAY_10 + 3 * MIN });
    expect(a.signals).toEqual(b.signals);
  });

  it("reads only top-level keys: cyclic, deep, huge-array and sparse-array args cost nothing", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    const arr: unknown[] = ["a@b.example"];
    arr.push(arr);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { inner: deep };
    const sparse = new Array(2 ** 32 - 1); // for..of over this would never end
    sparse[0] = "first@x.example";
    for (const args of [cyclic, { list: arr }, deep, { sparse }, { big: new Array(1_000_000).fill({ o: 1 }) }]) {
      const dec = d.check({ ...who, tool: "t", args, time: MONDAY_10 });
      expect(dec.action).toBeDefined();
    }
  });

  it("refuses args that throw when read (a getter, a revoked Proxy) with a typed error", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    const getter = Object.defineProperty({}, "x", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    refused(d, { ...who, tool: "t", args: getter, time: MONDAY_10 + MIN }, "INVALID_ARGS");
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    refused(d, { ...who, tool: "t", args: proxy, time: MONDAY_10 + MIN }, "INVALID_ARGS");
  });

  it("refuses args with thousands of keys with a typed error, and cuts long values", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    refused(d, { ...who, tool: "t", args: many, time: MONDAY_10 + MIN }, "ARGS_TOO_LARGE");
    const bulky = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "v".repeat(1000)]));
    refused(d, { ...who, tool: "t", args: bulky, time: MONDAY_10 + MIN }, "ARGS_TOO_LARGE"); // over the 64 KiB record
    refused(d, { ...who, tool: "t", args: { ["k".repeat(300)]: 1 }, time: MONDAY_10 + MIN }, "TOO_LONG");
    // a 10 MB value is cut to the core's 1 KiB: same value as its first KiB
    const long = "a".repeat(10_000_000);
    expect(d.check({ ...who, tool: "t", args: { v: long }, time: MONDAY_10 + 2 * MIN }).action).toBeDefined();
  });

  it("refuses NaN, infinite, negative and non-numeric times; clamps a time that runs backwards", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    for (const time of [NaN, Infinity, -Infinity, -1, 9e15, "2024-01-01" as never])
      refused(d, { ...who, tool: "t", time }, "BAD_TIME");
    const first = d.check({ ...who, tool: "a", time: MONDAY_10 + 10 * MIN });
    // requests racing: 30 s earlier is judged at the latest time seen, and counted in the window
    const back = d.check({ ...who, tool: "a", time: MONDAY_10 + 10 * MIN - 30_000 });
    expect(back.learning.ageMs).toBe(first.learning.ageMs);
    expect(back.windowCount).toBe(2);
    const forward = d.check({ ...who, tool: "a", time: MONDAY_10 + 10 * MIN + 30_000 });
    expect(forward.windowCount).toBe(3);
    expect(back.learning.learnedCalls).toBe(first.learning.learnedCalls + 1);
    expect(forward.learning.learnedCalls).toBe(first.learning.learnedCalls + 2);
  });

  it("survives one timestamp far in the future: the window moves back with the clock after it", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    let t = MONDAY_10;
    for (let i = 0; i < 5; i++) d.check({ ...who, tool: "a", time: (t += MIN) });
    const glitch = d.check({ ...who, tool: "a", time: Date.UTC(2099, 0, 1) });
    expect(glitch.action).toBe("allow");
    // back to the real clock: a call a minute, as before; pinned to 2099, every one of these would
    // pile into one instant and, after 20 of them, read as a burst forever. The first one follows the
    // 2099 call in the window (kept, moved back with the clock) and reports the step.
    for (let i = 0; i < 40; i++) {
      const dec = d.check({ ...who, tool: "a", time: (t += MIN) });
      expect(dec.windowCount).toBe(i === 0 ? 2 : 1);
      expect(dec.reasons.some((r) => r.code === "CLOCK_STEP")).toBe(i === 0);
      expect(dec.signals.burst).toBe(0);
    }
    expect(d.check({ ...who, tool: "a", time: (t += MIN) }).learning.ageMs).toBeLessThan(2 * 3_600_000);
  });

  it("refuses names with lone surrogates; values with them become U+FFFD", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    refused(d, { ...who, tool: "read\uD800", time: MONDAY_10 + MIN }, "INVALID_STRING");
    refused(d, { ...who, tool: "\uDC00read", time: MONDAY_10 + MIN }, "INVALID_STRING");
    refused(d, { tenant: "acme", principal: "bad\uDBFF", tool: "t", time: MONDAY_10 + MIN }, "INVALID_STRING");
    refused(d, { ...who, tool: "t", args: { "k\uD800": 1 }, time: MONDAY_10 + MIN }, "INVALID_STRING");
    expect(
      d.check({ ...who, tool: "emoji_\u{1F600}", args: { v: "x\uD800y" }, time: MONDAY_10 + 2 * MIN }).action,
    ).toBeDefined();
  });
});

describe("edge values that are valid", () => {
  it('accepts empty keys and values, and tells {"": ""} from {}', () => {
    const d = detector({ budgetBytes: 1 << 20, minCalls: 1, learningWindowSeconds: 0 });
    d.check({ tenant: "", principal: "p", tool: "t", args: {}, time: MONDAY_10 });
    const same = d.check({ tenant: "", principal: "p", tool: "t", args: {}, time: MONDAY_10 + MIN });
    expect(same.signals.unseenArgShape).toBe(0);
    const empty = d.check({ tenant: "", principal: "p", tool: "t", args: { "": "" }, time: MONDAY_10 + 2 * MIN });
    expect(empty.signals.unseenArgShape).toBe(1);
    expect(empty.identity).toEqual({ tenant: "", principal: "p" });
  });

  it("refuses a call-time zone it cannot use, with a typed error", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    refused(d, { ...who, tool: "t", time: MONDAY_10 + MIN, timeZone: "Atlantis/Capital" }, "INVALID_TIMEZONE");
    refused(d, { ...who, tool: "t", time: MONDAY_10 + MIN, timeZone: 5000 }, "BAD_TZ");
    expect(d.check({ ...who, tool: "t", time: MONDAY_10 + MIN, timeZone: "+05:30" }).action).toBeDefined();
  });
});

// Raw ABI: a host in another language could write anything into IO.
describe("bad call records through the raw ABI", () => {
  type Arg = { type: number; key: Uint8Array; value: Uint8Array; valueLen?: number; keyLen?: number };
  const enc = (s: string) => new TextEncoder().encode(s);
  function write(
    d: Detector,
    parts: {
      tenant?: Uint8Array;
      principal?: Uint8Array;
      tool: Uint8Array;
      args?: Arg[];
      lens?: number[];
      argCount?: number;
    },
  ): void {
    const core = d.raw;
    const io = core.io_ptr();
    const mem = new Uint8Array(core.memory.buffer);
    const v = new DataView(core.memory.buffer);
    const t = parts.tenant ?? enc("acme");
    const p = parts.principal ?? enc("alice");
    const lens = parts.lens ?? [t.length, p.length, parts.tool.length];
    v.setUint32(io, lens[0]!, true);
    v.setUint32(io + 4, lens[1]!, true);
    v.setUint32(io + 8, lens[2]!, true);
    v.setUint32(io + 12, parts.argCount ?? parts.args?.length ?? 0, true);
    let at = io + 16;
    for (const b of [t, p, parts.tool]) {
      mem.set(b, at);
      at += b.length;
    }
    for (const a of parts.args ?? []) {
      v.setUint8(at, a.type);
      v.setUint8(at + 1, 0);
      v.setUint16(at + 2, a.keyLen ?? a.key.length, true);
      v.setUint32(at + 4, a.valueLen ?? a.value.length, true);
      mem.set(a.key, at + 8);
      mem.set(a.value, at + 8 + a.key.length);
      at += 8 + a.key.length + a.value.length;
    }
  }
  const bytes = (...b: number[]) => new Uint8Array(b);
  const f64 = (x: number) => new Uint8Array(new Float64Array([x]).buffer);

  it("returns typed error codes, never traps, and leaves state untouched", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    d.check({ ...who, tool: "seed", time: MONDAY_10 });
    const h = d.stateHash();
    const T = MONDAY_10 + MIN;
    const cases: Array<[string, Parameters<typeof write>[1], number]> = [
      ["bad continuation byte", { tool: bytes(0x72, 0xc3, 0x28) }, -4],
      ["overlong slash", { tool: bytes(0xc0, 0xaf) }, -4],
      ["UTF-8 encoded surrogate", { tool: bytes(0xed, 0xa0, 0x80) }, -4],
      ["above U+10FFFF", { tool: bytes(0xf4, 0x90, 0x80, 0x80) }, -4],
      ["truncated sequence", { tool: bytes(0x61, 0xe2, 0x82) }, -4],
      ["lone continuation byte", { tool: bytes(0x80) }, -4],
      ["invalid tenant", { tenant: bytes(0xff), tool: enc("t") }, -4],
      ["invalid principal", { principal: bytes(0xfe, 0x41), tool: enc("t") }, -4],
      ["invalid key", { tool: enc("t"), args: [{ type: 3, key: bytes(0xc3), value: enc("v") }] }, -4],
      ["empty tool", { tool: new Uint8Array(0) }, -5],
      ["negative length", { tool: enc("t"), lens: [4, 5, 0xffffffff] }, -2],
      ["tool over 256 bytes", { tool: enc("x".repeat(300)) }, -6],
      ["principal over 256 bytes", { principal: enc("p".repeat(257)), tool: enc("t") }, -6],
      ["too many args", { tool: enc("t"), argCount: 128 + 64 + 2 }, -7],
      ["arg count pointing past IO", { tool: enc("t"), argCount: 128 }, -2],
      ["unknown arg type", { tool: enc("t"), args: [{ type: 11, key: enc("k"), value: new Uint8Array(0) }] }, -11],
      [
        "an ordinary entry after an extra one",
        {
          tool: enc("t"),
          args: [
            { type: 8, key: enc("k"), value: enc("x") },
            { type: 3, key: enc("k"), value: enc("x") },
          ],
        },
        -2,
      ],
      [
        "a summary naming no array or object",
        {
          tool: enc("t"),
          args: [
            { type: 3, key: enc("k"), value: enc("x") },
            { type: 10, key: new Uint8Array(0), value: bytes(0, 0, 0, 0, 1, 0, 0, 0) },
          ],
        },
        -2,
      ],
      [
        "an entry after the summary",
        {
          tool: enc("t"),
          args: [
            { type: 4, key: enc("k"), value: new Uint8Array(0) },
            { type: 10, key: new Uint8Array(0), value: bytes(0, 0, 0, 0, 1, 0, 0, 0) },
            { type: 8, key: enc("k"), value: enc("x") },
          ],
        },
        -2,
      ],
      ["number of 4 bytes", { tool: enc("t"), args: [{ type: 2, key: enc("k"), value: bytes(1, 2, 3, 4) }] }, -2],
      ["bool of 2 bytes", { tool: enc("t"), args: [{ type: 1, key: enc("k"), value: bytes(1, 1) }] }, -2],
      ["null with a value", { tool: enc("t"), args: [{ type: 0, key: enc("k"), value: bytes(1) }] }, -2],
      [
        "key over 256 bytes",
        { tool: enc("t"), args: [{ type: 0, key: enc("k".repeat(300)), value: new Uint8Array(0) }] },
        -6,
      ],
      ["value over 1 KiB", { tool: enc("t"), args: [{ type: 3, key: enc("k"), value: enc("v"), valueLen: 5000 }] }, -6],
    ];
    for (const [name, rec, rc] of cases) {
      write(d, rec);
      // "arg count pointing past IO" reads whatever is in IO after the record: make it a run of
      // maximal entries that must overrun the buffer
      if (name === "arg count pointing past IO") {
        const v = new DataView(d.raw.memory.buffer);
        const base = d.raw.io_ptr() + 16 + 4 + 5 + 1;
        for (let i = 0; i < 128; i++) {
          const at = base + i * (8 + 1024);
          if (at + 8 > d.raw.io_ptr() + d.raw.io_size()) break;
          v.setUint8(at, 3);
          v.setUint8(at + 1, 0);
          v.setUint16(at + 2, 0, true);
          v.setUint32(at + 4, 1024, true);
        }
      }
      expect(d.raw.check(T, 0), name).toBe(rc);
      expect(d.raw.learn(T, 0), name).toBe(rc);
      expect(d.stateHash(), name).toBe(h);
    }
    write(d, { tool: enc("t") });
    expect(d.raw.check(NaN, 0)).toBe(-3);
    expect(d.raw.check(-1, 0)).toBe(-3);
    expect(d.raw.check(Infinity, 0)).toBe(-3);
    expect(d.raw.check(T, 1440)).toBe(-12);
    expect(d.raw.check(T, -1440)).toBe(-12);
    expect(d.stateHash()).toBe(h);
    expect(d.check({ ...who, tool: "seed", time: T }).action).toBe("allow");
  });

  it("hashes string values as bytes (invalid UTF-8 in a value is a value like any other)", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    write(d, {
      tool: enc("t"),
      args: [
        { type: 3, key: enc("k"), value: bytes(0xff, 0xfe) },
        { type: 2, key: enc("n"), value: f64(NaN) },
      ],
    });
    expect(d.raw.check(MONDAY_10, 0)).toBeGreaterThanOrEqual(0);
  });

  it("answers NOT_INITIALISED before init, without trapping", () => {
    const inst = new WebAssembly.Instance(loadModule(), {});
    const core = inst.exports as unknown as Detector["raw"];
    expect(core.check(MONDAY_10, 0)).toBe(-1);
    expect(core.learn(MONDAY_10, 0)).toBe(-1);
    expect(core.after(MONDAY_10, 0)).toBe(-1);
    expect(core.allow_add(0)).toBe(-1);
    expect(core.entity_info()).toBe(-1);
    expect(core.state_hash()).toBe(0n);
  });
});
