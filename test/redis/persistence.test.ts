// Shared baselines outlive a Redis restart when Redis persistence (append-only file) is on, and do
// not when it is off: the state is Redis's to keep, the replicas hold none of it.
import { test, expect } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createGuard } from "../../js/runtime/node/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import type { RedisDecision } from "../../js/state/redis/index.js";
import { makeStream } from "./stream.js";

const CONFIG = { minCalls: 10, learningWindowSeconds: 0 };

async function records(url: string, ids: { tenant: string; principal: string }[]): Promise<(Buffer | null)[]> {
  const r = new Redis(url);
  try {
    const out: (Buffer | null)[] = [];
    for (const id of ids) {
      const k = recordKeys("toolwatch:", id);
      out.push(await r.hgetBuffer(k.entity, "b"), await r.hgetBuffer(k.tenant, "b"));
    }
    return out;
  } finally {
    await r.quit();
  }
}

async function restartKeeps(appendonly: boolean): Promise<{ kept: boolean; next: RedisDecision }> {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-persist-"));
  let server = await startRedis({ dir, appendonly });
  try {
    const calls = makeStream(300, 11);
    const g = await createGuard(CONFIG, { state: { redis: { url: server.url } } });
    for (const c of calls) expect((await g.check(c)).error).toBeUndefined();
    await g.close();
    const ids = [
      ...new Map(
        calls.map((c) => [`${c.tenant}/${c.principal}`, { tenant: c.tenant, principal: c.principal }]),
      ).values(),
    ];
    const before = await records(server.url, ids);
    expect(before.every((b) => b !== null && b.length > 0)).toBe(true);

    await server.kill(); // abrupt: only what was fsynced survives
    server = await startRedis({ dir, port: server.port, appendonly });
    const after = await records(server.url, ids);
    const kept = after.every((b, i) => b !== null && Buffer.compare(b, before[i]!) === 0);

    // a replica that never saw these calls judges the next one with the restored baseline
    const fresh = await createGuard(CONFIG, { state: { redis: { url: server.url, cacheEntries: 0 } } });
    const last = calls[calls.length - 1]!;
    const next = (await fresh.check({ ...last, time: last.time + 1000 })) as RedisDecision;
    await fresh.close();
    return { kept, next };
  } finally {
    await server.stop();
  }
}

test("with appendonly on, every record survives a kill -9 and restart byte for byte", async () => {
  const { kept, next } = await restartKeeps(true);
  expect(kept).toBe(true);
  expect(next.newEntity).toBe(false);
  expect(next.learning.learnedCalls).toBeGreaterThan(0);
});

test("with persistence off, a restart loses the baselines (the control for the test above)", async () => {
  const { kept, next } = await restartKeeps(false);
  expect(kept).toBe(false);
  expect(next.newEntity).toBe(true);
});
