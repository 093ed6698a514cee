// Three replica processes share state through a real Redis Cluster (3 masters, 3 replicas) with ioredis's
// cluster client: many tenants spread over every master, decisions equal to one detector replaying the
// calls in committed order, records byte-identical, no write lost. Also: the cluster option's checks.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "ioredis";
import { createGuard } from "../../js/runtime/node/index.js";
import { loadConfig } from "../../js/cli/config-file.js";
import type { StreamCall } from "./stream.js";
import { expectGapFreeVersions, expectLikeOneDetector } from "./committed-order.js";
import { runWorker, workerBundle, removeWorkerBundle, type WorkerRow } from "./harness.js";
import {
  startCluster,
  clusterClient,
  tenantSlot,
  masterOf,
  manyTenantStream,
  type TestCluster,
} from "./cluster-harness.js";

const CONFIG = {
  minCalls: 20,
  learningWindowSeconds: 0,
  tenantMinCalls: 40,
  tenantLearningWindowSeconds: 0,
  peerPromotion: 2,
  blockThreshold: 0.6,
};
const REPLICAS = 3;
const CALLS = 4000;

describe("three replicas on a Redis Cluster (3 masters + 3 replicas)", () => {
  let cluster: TestCluster;
  let client: Cluster;
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-cluster-"));
  const stream: StreamCall[] = manyTenantStream(CALLS, 8);
  const tenants = [...new Set(stream.map((c) => c.tenant))];
  const rows: WorkerRow[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ dir: join(dir, "cluster") });
    client = clusterClient(cluster);
    await workerBundle();
    const shares: { i: number; call: StreamCall }[][] = Array.from({ length: REPLICAS }, () => []);
    let x = 4242;
    stream.forEach((call, i) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      shares[x % REPLICAS]!.push({ i, call });
    });
    const outs = await Promise.all(
      shares.map((calls, k) =>
        runWorker(dir, `cluster${k}`, {
          url: "",
          config: CONFIG,
          concurrency: 4,
          calls,
          redis: { cluster: cluster.urls, commandTimeoutMs: 10_000 },
        }),
      ),
    );
    for (const o of outs) rows.push(...o.results);
  }, 240_000);

  afterAll(async () => {
    await removeWorkerBundle();
    client?.disconnect();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the tenants are spread over every master", async () => {
    const masters = new Set<number>();
    for (const t of tenants) masters.add(await masterOf(cluster, await tenantSlot(client, t)));
    expect(tenants.length).toBe(24);
    expect(masters.size).toBe(3);
  });

  test("every call was scored on shared state; each tenant's versions are one gap-free sequence", () => {
    expect(rows).toHaveLength(CALLS);
    expect(rows.filter((r) => r.error !== null)).toEqual([]);
    expectGapFreeVersions(rows, stream);
  });

  test("decisions equal one process replaying the calls in committed order; records byte-identical", () =>
    expectLikeOneDetector(rows, stream, CONFIG, client));
});

describe("state.redis.cluster: checked once, with a clear error", () => {
  const bad = async (redis: Record<string, unknown>) => {
    try {
      await createGuard({}, { state: { redis: redis as never }, logger: { error() {}, warn() {}, info() {} } });
    } catch (err) {
      return (err as Error).message;
    }
    return "accepted";
  };

  test("createGuard names what is wrong", async () => {
    expect(await bad({ url: "redis://127.0.0.1:1", cluster: ["redis://127.0.0.1:2"] })).toMatch(
      /state\.redis\.url and cluster: give one/,
    );
    expect(await bad({ cluster: [] })).toMatch(/state\.redis\.cluster must be a non-empty list/);
    expect(await bad({ cluster: ["redis://127.0.0.1:2", "127.0.0.1:3"] })).toMatch(
      /state\.redis\.cluster\[1\] must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(await bad({})).toMatch(/state\.redis\.url must be a redis:\/\/ or rediss:\/\/ URL \(or give cluster/);
    expect(await bad({ cluster: ["redis://127.0.0.1:2"], waitReplicas: -1 })).toMatch(
      /state\.redis\.waitReplicas must be an integer >= 0/,
    );
    expect(
      await bad({ cluster: ["redis://127.0.0.1:2"], waitReplicas: 1, waitTimeoutMs: 1000, commandTimeoutMs: 500 }),
    ).toMatch(/waitTimeoutMs \(1000\) must be below commandTimeoutMs \(500\)/);
  });

  test("the config file's schema takes a cluster and refuses url and cluster together", () => {
    const dir = mkdtempSync(join(tmpdir(), "toolwatch-cluster-config-"));
    try {
      const file = (body: string) => {
        const f = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
        writeFileSync(f, body);
        return f;
      };
      const ok = loadConfig(
        file("state:\n  redis:\n    cluster: [redis://10.0.0.1:7000, redis://10.0.0.2:7000]\n    wait_replicas: 1\n"),
        {},
      );
      expect(ok.state.redis).toMatchObject({
        cluster: ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"],
        waitReplicas: 1,
      });
      expect(() =>
        loadConfig(file("state:\n  redis:\n    url: redis://a:1\n    cluster: [redis://b:2]\n"), {}),
      ).toThrow(/state\.redis: give url \(one Redis\) or cluster/);
      expect(() => loadConfig(file("state:\n  redis:\n    cluster: redis://b:2\n"), {})).toThrow(
        /state\.redis\.cluster/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
