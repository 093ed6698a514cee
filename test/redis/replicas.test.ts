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
    for (const tenant of new Set(stream.map((c) => c.tenant))) {
      const v = rows
        .filter((r) => r.tenant === tenant)
        .map((r) => r.tv!)
        .sort((a, b) => a - b);
      expect(v.length).toBe(stream.filter((c) => c.tenant === tenant).length);
      for (let k = 1; k < v.length; k++) expect(v[k]! - v[k - 1]!).toBe(1);
    }
  });

  test("decisions equal one process replaying the calls in the committed order", () => {
    const ref = createDetector(CONFIG);
    const ordered = [...rows].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.tv! - b.tv!));
    let mismatches = 0;
    const actions: Record<string, number> = {};
    for (const row of ordered) {
      const d = ref.check(stream[row.i]!);
      actions[d.action] = (actions[d.action] ?? 0) + 1;
      const want = {
        action: d.action,
        risk: d.risk,
        reasons: d.reasons.map((x) => [x.code, x.score]),
        learned: d.learned,
        windowCount: d.windowCount,
        baseline: d.learning.baseline,
      };
      const got = {
        action: row.action,
        risk: row.risk,
        reasons: row.reasons,
        learned: row.learned,
        windowCount: row.windowCount,
        baseline: row.baseline,
      };
      if (mismatches < 3) expect(got).toEqual(want);
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches++;
    }
    expect(mismatches).toBe(0);
    // the stream exercises more than the allow path
    expect(actions.warn ?? 0).toBeGreaterThan(0);
    expect(actions.block ?? 0).toBeGreaterThan(0);

    // and the records left in Redis are byte for byte the ones the single process holds
    const port = new RecordPort(ref);
    return (async () => {
      const ids = new Map(
        stream.map((c) => [`${c.tenant}\u0000${c.principal}`, { tenant: c.tenant, principal: c.principal }]),
      );
      for (const id of ids.values()) {
        const k = recordKeys("toolwatch:", id);
        const [e, t] = await Promise.all([redis.hgetBuffer(k.entity, "b"), redis.hgetBuffer(k.tenant, "b")]);
        expect(Buffer.compare(e!, Buffer.from(port.export(id, "entity")))).toBe(0);
        expect(Buffer.compare(t!, Buffer.from(port.export(id, "tenant")))).toBe(0);
      }
    })();
  });

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
