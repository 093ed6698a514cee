// Four replica processes share state through a real redis-server; their decisions must equal one
// process's on the same calls in the order Redis committed them, and no write may be lost.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createDetector } from "../../js/runtime/node/index.js";
import { Encoder } from "../../js/core/encode.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { RecordPort } from "../../js/state/redis/records.js";
import { makeStream, type StreamCall } from "./stream.js";
import { expectGapFreeVersions, expectLikeOneDetector } from "./committed-order.js";
import { runWorker, workerBundle, removeWorkerBundle, type WorkerRow } from "./harness.js";

// blockThreshold 0.6: blocks in any commit order (with the default, blocks come mostly from bursts, whose
// count depends on the order replicas commit a burst in)
const CONFIG = {
  minCalls: 20,
  learningWindowSeconds: 0,
  tenantMinCalls: 40,
  tenantLearningWindowSeconds: 0,
  peerPromotion: 2,
  blockThreshold: 0.6,
};
const REPLICAS = 4;
const CALLS = 6000;

describe("four replicas on one Redis", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-replicas-"));
  const stream: StreamCall[] = makeStream(CALLS);
  const rows: WorkerRow[] = [];
  const stats: Record<string, number>[] = [];

  beforeAll(async () => {
    server = await startRedis({ dir: join(dir, "redis") });
    redis = new Redis(server.url);
    await workerBundle();
    // calls are dealt out at random, so every principal is served by every replica; a long command
    // timeout, because a loaded CI machine must not turn a slow reply into a failure-policy decision
    const shares: { i: number; call: StreamCall }[][] = Array.from({ length: REPLICAS }, () => []);
    let x = 12345;
    stream.forEach((call, i) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      shares[x % REPLICAS]!.push({ i, call });
    });
    const outs = await Promise.all(
      shares.map((calls, k) =>
        runWorker(dir, `replica${k}`, {
          url: server.url,
          config: CONFIG,
          concurrency: 4,
          calls,
          redis: { commandTimeoutMs: 10_000 },
        }),
      ),
    );
    for (const o of outs) {
      rows.push(...o.results);
      stats.push(o.stats);
    }
  }, 240_000);

  afterAll(async () => {
    await removeWorkerBundle();
    await redis?.quit();
    await server?.stop();
  });

  test("every call was scored on shared state (no failure-policy decisions)", () => {
    expect(rows).toHaveLength(CALLS);
    expect(rows.filter((r) => r.error !== null)).toEqual([]);
    // the replicas really did contend: some writes had to be retried
    expect(stats.reduce((a, s) => a + s.conflicts!, 0)).toBeGreaterThan(0);
  });

  test("each tenant's writes form one unbroken sequence of versions (none lost, none doubled)", () => {
    expectGapFreeVersions(rows, stream);
  });

  test("decisions equal one process replaying the calls in the committed order", () =>
    expectLikeOneDetector(rows, stream, CONFIG, redis));

  test("every principal's call count in Redis adds up to the calls the replicas served for it", async () => {
    const fresh = createDetector(CONFIG);
    const port = new RecordPort(fresh);
    const raw = fresh.raw as unknown as { entity_info(): number; result_ptr(): number; memory: WebAssembly.Memory };
    const enc = new Encoder(fresh.raw);
    const served = new Map<string, number>();
    for (const c of stream)
      served.set(`${c.tenant}\u0000${c.principal}`, (served.get(`${c.tenant}\u0000${c.principal}`) ?? 0) + 1);
    let total = 0;
    for (const [key, n] of served) {
      const [tenant, principal] = key.split("\u0000") as [string, string];
      const k = recordKeys("toolwatch:", { tenant, principal });
      const [t, e] = await Promise.all([redis.hgetBuffer(k.tenant, "b"), redis.hgetBuffer(k.entity, "b")]);
      port.import({ tenant, principal }, "tenant", new Uint8Array(t!));
      port.import({ tenant, principal }, "entity", new Uint8Array(e!));
      enc.identity(tenant, principal, "");
      expect(raw.entity_info()).toBe(1);
      const seen = new Float64Array(raw.memory.buffer, raw.result_ptr(), 7)[2]!;
      expect(seen).toBe(n);
      total += seen;
    }
    expect(total).toBe(CALLS);
  });
});
