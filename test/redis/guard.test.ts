// The Redis guard's edges against a real redis-server: invalid input, refused records, post-invoke
// outcomes from concurrent replicas, operator feedback, option checks, and the local mode.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { Redis } from "ioredis";
import { startRedis, freePort } from "../../scripts/redis-server.mjs";
import { createGuard, type Guard } from "../../js/runtime/node/index.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { Encoder } from "../../js/core/encode.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { RecordPort } from "../../js/state/redis/records.js";
import type { RedisDecision } from "../../js/state/redis/index.js";

const CONFIG = { minCalls: 5, learningWindowSeconds: 0 };
const T0 = Date.UTC(2025, 4, 5, 10);

function capture() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info") } };
}

describe("Redis guard", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  const open: Guard[] = [];
  const guard = async (prefix: string, extra: Record<string, unknown> = {}, logger = capture().logger) => {
    const g = await createGuard(CONFIG, { state: { redis: { url: server.url, prefix, ...extra } }, logger });
    open.push(g);
    return g;
  };

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    for (const g of open) await g.close();
    await redis.quit();
    await server.stop();
  });

  test("invalid input throws like the local detector and writes nothing", async () => {
    const g = await guard("inv:");
    await expect(g.check({ tool: "", tenant: "t", principal: "p" })).rejects.toMatchObject({ code: "INVALID_TOOL" });
    await expect(g.check({ tool: "x", args: [] as never, tenant: "t", principal: "p" })).rejects.toMatchObject({
      code: "INVALID_ARGS",
    });
    expect(await redis.keys("inv:*")).toEqual([]);
  });

  test("a corrupt record in Redis gets the failure policy and a log line, not a crash", async () => {
    const log = capture();
    const g = await guard("bad:", {}, log.logger);
    const id = { tenant: "t", principal: "p" };
    expect((await g.check({ tool: "a", time: T0, ...id })).error).toBeUndefined();
    const k = recordKeys("bad:", id);
    const b = (await redis.hgetBuffer(k.entity, "b"))!;
    b[b.length - 1] ^= 0xff;
    await redis.hset(k.entity, "b", b);
    const g2 = await guard("bad:", { cacheEntries: 0 }, log.logger);
    const d = await g2.check({ tool: "a", time: T0 + 1000, ...id });
    expect(d.action).toBe("block");
    expect(d.error?.code).toBe("STATE_INVALID");
    expect(d.error?.message).toMatch(/checksum/);
    expect(log.lines.some((l) => l.level === "error" && /refused/.test(l.msg))).toBe(true);
  });

  test("post-invoke outcomes from two replicas at once all land", async () => {
    const a = await guard("after:");
    const b = await guard("after:");
    const id = { tenant: "t", principal: "p" };
    expect(await a.after({ tool: "x", ...id })).toEqual({ tracked: false });
    expect(await redis.keys("after:*")).toEqual([]);
    await a.check({ tool: "x", time: T0, ...id });
    const n = 120;
    const res = await Promise.all(
      Array.from({ length: n }, (_, i) => (i % 2 ? a : b).after({ tool: "x", ...id }, { isError: i % 3 === 0 })),
    );
    expect(res.every((r) => r.tracked)).toBe(true);
    const det = createDetector(CONFIG);
    const port = new RecordPort(det);
    const k = recordKeys("after:", id);
    port.import(id, "tenant", new Uint8Array((await redis.hgetBuffer(k.tenant, "b"))!));
    port.import(id, "entity", new Uint8Array((await redis.hgetBuffer(k.entity, "b"))!));
    new Encoder(det.raw).identity("t", "p", "");
    const raw = det.raw as unknown as { entity_info(): number; result_ptr(): number; memory: WebAssembly.Memory };
    expect(raw.entity_info()).toBe(1);
    const f = new Float64Array(raw.memory.buffer, raw.result_ptr(), 7);
    const errors = Array.from({ length: n }, (_, i) => i % 3 === 0).filter(Boolean).length;
    expect(f[5]).toBe(n - errors);
    expect(f[6]).toBe(errors);
  });

  test("operator feedback learned on one replica is known on another", async () => {
    const a = await guard("learn:");
    const b = await guard("learn:");
    const id = { tenant: "t", principal: "p" };
    for (let i = 0; i < 8; i++) await a.check({ tool: "read", args: { q: "x" }, time: T0 + i * 60_000, ...id });
    const before = await b.check({ tool: "rotate_keys", time: T0 + 9 * 60_000, ...id });
    expect(before.reasons.map((r) => r.code)).toContain("UNSEEN_TOOL");
    await a.learn({ tool: "rotate_keys", time: T0 + 10 * 60_000, ...id });
    const after = (await b.check({ tool: "rotate_keys", time: T0 + 11 * 60_000, ...id })) as RedisDecision;
    expect(after.reasons.map((r) => r.code)).not.toContain("UNSEEN_TOOL");
    expect(after.error).toBeUndefined();
  });

  test("options are checked, and credentials never reach the log", async () => {
    await expect(createGuard(CONFIG, { state: { redis: { url: "http://x" } } })).rejects.toMatchObject({
      code: "INVALID_CONFIG",
    });
    await expect(createGuard(CONFIG, { state: { redis: { url: server.url, maxAttempts: 0 } } })).rejects.toMatchObject({
      code: "INVALID_CONFIG",
    });
    await expect(
      createGuard(CONFIG, { state: { redis: { url: server.url, failurePolicy: "maybe" as never } } }),
    ).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    const log = capture();
    const port = await freePort(); // nothing listens there
    const g = await createGuard(CONFIG, {
      state: { redis: { url: `redis://user:s3cret@127.0.0.1:${port}`, failurePolicy: "open", commandTimeoutMs: 200 } },
      logger: log.logger,
    });
    open.push(g);
    const d = await g.check({ tool: "a", tenant: "t", principal: "p" });
    expect(d.action).toBe("allow");
    expect(d.error?.code).toBe("STATE_UNAVAILABLE");
    expect(log.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(log.lines)).not.toContain("s3cret");
  });

  test("a guard is a DetectorLike itself: its allowlist and stats are this replica's detector's", async () => {
    for (const g of [await guard("admin:"), await createGuard(CONFIG)]) {
      if (g.mode === "local") open.push(g);
      expect(g.config.minCalls).toBe(5);
      await g.allow({ tool: "deploy" });
      const d = await g.check({ tool: "deploy", tenant: "t", principal: "p", time: T0 });
      expect(d.reasons.map((r) => r.code)).toContain("ALLOWLISTED");
      const stats = await g.stats();
      expect(stats).toEqual(g.detector.stats());
      expect(stats.checks).toBe(1);
      await g.clearAllowlist();
      const again = await g.check({ tool: "deploy", tenant: "t", principal: "p", time: T0 + 1000 });
      expect(again.reasons.map((r) => r.code)).not.toContain("ALLOWLISTED");
    }
  });

  test("a confirmation is written to Redis like a learned call: every replica and one local detector agree", async () => {
    const [a, b] = [await guard("ask:"), await guard("ask:")];
    const local = createDetector(CONFIG);
    const who = { tenant: "acme", principal: "alice" };
    const mail = (to: string, i: number) => ({ ...who, tool: "send_email", args: { to }, time: T0 + i * 60_000 });
    const routine = ["bob@acme.example", "carol@acme.example", "bob@acme.example", "dave@acme.example"];
    for (let i = 0; i < 12; i++) {
      const c = mail(routine[i % routine.length]!, i);
      expect((await a.check(c)).action).toBe(local.check(c).action);
    }
    const yes = mail("erin@partner.example", 20);
    const no = mail("x@evil.example", 21);
    for (const c of [yes, no]) {
      const [r, l] = [await a.check(c), local.check(c)];
      expect(r.action).toBe("warn");
      expect(r.action).toBe(l.action);
    }
    await a.confirm(yes, true);
    local.confirm(yes, true);
    await a.confirm(no, false);
    local.confirm(no, false);
    // through the other replica: the confirmed contact is the principal's own now, the refused one is not
    const again = [mail("erin@partner.example", 30), mail("x@evil.example", 31)];
    const viaB = [await b.check(again[0]!), await b.check(again[1]!)];
    const viaLocal = again.map((c) => local.check(c));
    expect(viaB.map((d) => d.action)).toEqual(viaLocal.map((d) => d.action));
    expect(viaB[0]!.reasons.map((r) => r.code)).not.toContain("UNSEEN_ARG_VALUE");
    expect(viaB[1]!.reasons.map((r) => r.code)).toContain("UNSEEN_ARG_VALUE");
  });

  test("without state options the guard is the local detector", async () => {
    const g = await createGuard(CONFIG);
    expect(g.mode).toBe("local");
    const d = await g.check({ tool: "a", tenant: "t", principal: "p", time: T0 });
    expect(d.action).toBe("allow");
    expect(g.detector.stats().checks).toBe(1);
  });
});
