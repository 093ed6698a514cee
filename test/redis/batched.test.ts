// tenantSync "batched": four replica processes write only principals' records per call and merge what
// their calls taught each tenant every flush interval. Principals' records stay exact; tenant records
// are exact in their counts once flushed; decisions may differ from one process while a tenant's
// latest lessons are still in another replica's delta (the documented tolerance, measured here).
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createDetector } from "../../js/runtime/node/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { makeStream, type StreamCall } from "./stream.js";
import { runWorker, workerBundle, removeWorkerBundle, type WorkerRow } from "./harness.js";

const CONFIG = {
  minCalls: 20,
  learningWindowSeconds: 0,
  tenantMinCalls: 40,
  tenantLearningWindowSeconds: 0,
  peerPromotion: 2,
};
const REPLICAS = 4;
const CALLS = 6000;
// record transfer header (40 bytes, docs/ABI.md) + R_LEARNED (assembly/arena.ts): u32 calls learned
const LEARNED_AT = 40 + 32;

describe("four replicas, batched tenant records", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-batched-"));
  const stream: StreamCall[] = makeStream(CALLS);
  const rows: WorkerRow[] = [];

  beforeAll(async () => {
    server = await startRedis({ dir: join(dir, "redis") });
    redis = new Redis(server.url);
    await workerBundle();
    const shares: { i: number; call: StreamCall }[][] = Array.from({ length: REPLICAS }, () => []);
    let x = 777;
    stream.forEach((call, i) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      shares[x % REPLICAS]!.push({ i, call });
    });
    const outs = await Promise.all(
      shares.map((calls, k) =>
        runWorker(dir, `batched${k}`, {
          url: server.url,
          config: CONFIG,
          concurrency: 4,
          calls,
          redis: { tenantSync: "batched", tenantFlushMs: 50, commandTimeoutMs: 10_000 },
        }),
      ),
    );
    for (const o of outs) rows.push(...o.results);
  }, 240_000);

  afterAll(async () => {
    await removeWorkerBundle();
    await redis?.quit();
    await server?.stop();
  });

  test("every call scored on shared state; each principal's versions are gap-free", () => {
    expect(rows).toHaveLength(CALLS);
    expect(rows.filter((r) => r.error !== null)).toEqual([]);
    const by = new Map<string, number[]>();
    for (const r of rows)
      by.set(`${r.tenant}/${r.principal}`, [...(by.get(`${r.tenant}/${r.principal}`) ?? []), r.ev!]);
    for (const v of by.values()) {
      v.sort((a, b) => a - b);
      for (let k = 1; k < v.length; k++) expect(v[k]! - v[k - 1]!).toBe(1);
    }
  });

  test("after the final flush each tenant's learned count is the sum of its learned calls", async () => {
    for (const tenant of new Set(stream.map((c) => c.tenant))) {
      const learned = rows.filter((r) => r.tenant === tenant && r.learned).length;
      const b = (await redis.hgetBuffer(recordKeys("toolwatch:", { tenant, principal: "x" }).tenant, "b"))!;
      expect(b.readUInt32LE(LEARNED_AT)).toBe(learned);
    }
  });

  test("decisions agree with one process within the tolerance", () => {
    // The reference order: the stream's, except that each principal's calls come in the order Redis
    // committed them (exact per principal); what remains is the tenant lag under test.
    const committed = new Map<string, WorkerRow[]>();
    for (const r of [...rows].sort((a, b) => a.ev! - b.ev!)) {
      const k = `${r.tenant}/${r.principal}`;
      committed.set(k, [...(committed.get(k) ?? []), r]);
    }
    const ref = createDetector(CONFIG);
    let same = 0;
    let warnOrBlock = 0;
    for (const c of stream) {
      const row = committed.get(`${c.tenant}/${c.principal}`)!.shift()!;
      const d = ref.check(stream[row.i]!);
      if (d.action !== "allow") warnOrBlock++;
      if (row.action === d.action) same++;
    }
    const agreement = same / CALLS;
    console.log(
      `batched tenants: ${same}/${CALLS} actions equal to one process (${(agreement * 100).toFixed(2)} %); ${warnOrBlock} warn/block in the reference`,
    );
    expect(warnOrBlock).toBeGreaterThan(0);
    // measured 94–98.7 % alone on this 2-core machine, 85.6–93 % with the other Redis tests beside it:
    // the more calls a flush interval holds (slower machine, more load), the lower; the bound leaves room
    expect(agreement).toBeGreaterThanOrEqual(0.7);
  });
});
