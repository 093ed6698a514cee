// Redis stopped in the middle of a stream: calls get the configured failure policy with one clear log
// line, and scoring on shared state resumes (with the state from before) once Redis is back.
import { test, expect } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createGuard, type Guard } from "../../js/runtime/node/index.js";
import type { RedisDecision } from "../../js/state/redis/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { Redis } from "ioredis";
import { makeStream } from "./stream.js";

type Line = { level: string; obj: Record<string, unknown>; msg: string };
function capture(): {
  lines: Line[];
  logger: {
    error: (o: object, m: string) => void;
    warn: (o: object, m: string) => void;
    info: (o: object, m: string) => void;
  };
} {
  const lines: Line[] = [];
  const at = (level: string) => (obj: object, msg: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info") } };
}

test("Redis down mid-stream: closed blocks, open allows, one log line each way, and recovery", async () => {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-outage-"));
  let server = await startRedis({ dir, appendonly: true });
  const config = { minCalls: 10, learningWindowSeconds: 0 };
  const closedLog = capture();
  const openLog = capture();
  const guards: Guard[] = [];
  try {
    const closed = await createGuard(config, {
      state: { redis: { url: server.url, failurePolicy: "closed", commandTimeoutMs: 300 } },
      logger: closedLog.logger,
    });
    const open = await createGuard(config, {
      state: { redis: { url: server.url, failurePolicy: "open", commandTimeoutMs: 300 } },
      logger: openLog.logger,
    });
    guards.push(closed, open);
    const calls = makeStream(400, 3);
    let k = 0;
    for (; k < 100; k++) {
      const d = (await (k % 2 ? open : closed).check(calls[k]!)) as RedisDecision;
      expect(d.error).toBeUndefined();
      expect(d.state?.attempts).toBeGreaterThanOrEqual(1);
    }
    const probe = { ...calls[k]!, tool: "read_file" };
    const before = (await closed.check(probe)) as RedisDecision;
    k++;
    expect(before.learning.learnedCalls).toBeGreaterThan(0);

    await server.kill();
    for (let n = 0; n < 20; n++, k++) {
      const c = (await closed.check(calls[k]!)) as RedisDecision;
      expect(c.action).toBe("block");
      expect(c.error?.code).toBe("STATE_UNAVAILABLE");
      expect(c.error?.message).toMatch(/failure policy closed: blocked/);
      const o = (await open.check(calls[k]!)) as RedisDecision;
      expect(o.action).toBe("allow");
      expect(o.error?.code).toBe("STATE_UNAVAILABLE");
    }
    // one line per outage, not one per call
    expect(closedLog.lines.filter((l) => l.level === "error")).toHaveLength(1);
    expect(closedLog.lines[0]!.msg).toMatch(/Redis state store unavailable; failure policy closed: calls are blocked/);
    expect(String(closedLog.lines[0]!.obj.redis)).toContain(`127.0.0.1:${server.port}`);
    expect(openLog.lines.filter((l) => l.level === "error")).toHaveLength(1);
    expect(openLog.lines[0]!.msg).toMatch(/failure policy open: calls are allowed unscored/);

    server = await startRedis({ dir, port: server.port, appendonly: true });
    // reconnection is in the background: calls keep getting the policy until it is up
    let back: RedisDecision | undefined;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const d = (await closed.check({ ...probe, time: probe.time + 1000 })) as RedisDecision;
      if (!d.error) {
        back = d;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toBeDefined();
    // the baseline learned before the outage is still there (append-only file, fsync on every write)
    expect(back!.newEntity).toBe(false);
    expect(back!.learning.learnedCalls).toBeGreaterThanOrEqual(before.learning.learnedCalls);
    const info = closedLog.lines.filter((l) => l.level === "info");
    expect(info).toHaveLength(1);
    expect(info[0]!.msg).toMatch(/reachable again/);
    expect(info[0]!.obj.policyDecisions).toBeGreaterThanOrEqual(20);
  } finally {
    for (const g of guards) await g.close();
    await server.stop();
  }
});

test("batched tenants: deltas that could not be flushed during an outage reach Redis after it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-outage-batched-"));
  let server = await startRedis({ dir, appendonly: true });
  const log = capture();
  // a long interval: flushes happen only when asked, so the test decides when they meet the outage
  const g = await createGuard(
    { minCalls: 10, learningWindowSeconds: 0 },
    {
      state: { redis: { url: server.url, tenantSync: "batched", tenantFlushMs: 3_600_000, commandTimeoutMs: 300 } },
      logger: log.logger,
    },
  );
  try {
    const calls = makeStream(300, 5).filter((c) => c.tenant === "acme");
    let learned = 0;
    const half = Math.floor(calls.length / 2);
    for (const c of calls.slice(0, half)) if ((await g.check(c)).learned) learned++;
    await server.kill();
    await (g as unknown as { flushTenants(): Promise<void> }).flushTenants(); // fails: the delta stays pending
    expect(log.lines.filter((l) => l.level === "error")).toHaveLength(1);
    server = await startRedis({ dir, port: server.port, appendonly: true });
    const deadline = Date.now() + 15_000;
    let k = half;
    while (k < calls.length && Date.now() < deadline) {
      const d = await g.check(calls[k]!);
      if (d.error) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (d.learned) learned++;
      k++;
    }
    expect(k).toBe(calls.length);
    await g.close(); // flushes
    const r = new Redis(server.url);
    const b = (await r.hgetBuffer(recordKeys("toolwatch:", { tenant: "acme", principal: "x" }).tenant, "b"))!;
    await r.quit();
    // transfer header (40 bytes, docs/ABI.md) + R_LEARNED (assembly/arena.ts)
    expect(b.readUInt32LE(40 + 32)).toBe(learned);
  } finally {
    await server.stop();
  }
});
