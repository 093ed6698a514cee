// Redis Cluster benchmarks on loopback (node scripts/redis-bench.mjs --hot | --scale). Replica processes
// are the test worker (test/redis/worker.ts), started together; figures are calls/s over the wall time of
// the slowest replica. Decisions are checked against one local detector in every run.
//   --hot:   one tenant, many principals, strict and batched, on a 3+3 cluster: that tenant's ceiling
//            (calls dealt to replicas at random, or by principal with --affinity)
//   --scale: many tenants on 1, 3 and 6 masters; bytes per principal in Redis, round trips and bytes per call
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "ioredis";
import { createDetector } from "../../js/runtime/node/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import type { StreamCall } from "./stream.js";
import { runWorker, workerBundle, removeWorkerBundle, type WorkerRow } from "./harness.js";
import { startCluster, clusterClient, manyTenantStream, type TestCluster } from "./cluster-harness.js";

const CONFIG = {
  minCalls: 20,
  learningWindowSeconds: 0,
  tenantMinCalls: 40,
  tenantLearningWindowSeconds: 0,
  peerPromotion: 2,
};
const arg = (k: string, d: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${k}=`));
  return a ? Number(a.slice(k.length + 3)) : d;
};

interface Run {
  calls: number;
  secs: number;
  rows: WorkerRow[];
  stats: Record<string, number>[];
}

function principalHash(p: string): number {
  let h = 2166136261;
  for (let k = 0; k < p.length; k++) h = Math.imul(h ^ p.charCodeAt(k), 16777619) >>> 0;
  return h;
}

async function run(
  dir: string,
  c: TestCluster,
  calls: StreamCall[],
  replicas: number,
  concurrency: number,
  redis: Record<string, unknown>,
  name: string,
): Promise<Run> {
  const shares: { i: number; call: StreamCall }[][] = Array.from({ length: replicas }, () => []);
  // calls dealt out at random: every principal is served by every replica (the worst case for caches);
  // with --affinity, by principal, as a load balancer with session affinity would
  const affinity = process.argv.includes("--affinity");
  let x = 99;
  calls.forEach((call, i) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    shares[(affinity ? principalHash(call.principal) : x) % replicas]!.push({ i, call });
  });
  const startAt = Date.now() + 1500 + 300 * replicas;
  const outs = await Promise.all(
    shares.map((part, k) =>
      runWorker(dir, `${name}-${k}`, {
        url: "",
        config: CONFIG,
        concurrency,
        startAt,
        calls: part,
        redis: { cluster: c.urls, commandTimeoutMs: 10_000, prefix: `${name}:`, ...redis },
      }),
    ),
  );
  const ended = Math.max(...outs.map((o) => o.stats.ended!));
  return {
    calls: calls.length,
    secs: (ended - startAt) / 1000,
    rows: outs.flatMap((o) => o.results),
    stats: outs.map((o) => o.stats),
  };
}

const sum = (r: Run, k: string) => r.stats.reduce((a, s) => a + (s[k] ?? 0), 0);

/** strict: decisions equal to one detector replaying in tenant-version order (count of mismatches). */
function strictMismatches(calls: StreamCall[], rows: WorkerRow[]): number {
  const ref = createDetector(CONFIG);
  let bad = 0;
  for (const row of [...rows].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.tv! - b.tv!))) {
    const d = ref.check(calls[row.i]!);
    if (row.error || d.action !== row.action || d.risk !== row.risk || d.learned !== row.learned) bad++;
  }
  return bad;
}

/** batched: share of actions equal to one detector fed the stream, each principal's calls in committed order. */
function batchedAgreement(calls: StreamCall[], rows: WorkerRow[]): number {
  const committed = new Map<string, WorkerRow[]>();
  for (const r of [...rows].sort((a, b) => a.ev! - b.ev!)) {
    const k = `${r.tenant}/${r.principal}`;
    committed.set(k, [...(committed.get(k) ?? []), r]);
  }
  const ref = createDetector(CONFIG);
  let same = 0;
  for (const c of calls) {
    const row = committed.get(`${c.tenant}/${c.principal}`)!.shift()!;
    if (!row.error && ref.check(calls[row.i]!).action === row.action) same++;
  }
  return same / calls.length;
}

async function hot(dir: string): Promise<void> {
  const n = arg("calls", 6000);
  const replicas = arg("replicas", 2);
  const conc = arg("concurrency", 16);
  const c = await startCluster({ dir: join(dir, "hot") });
  try {
    // one tenant, 168 principals
    const calls = manyTenantStream(n, 8).map((x) => ({ ...x, tenant: "hot" }));
    console.log(
      `hot tenant: ${n} calls of one tenant (168 principals), ${replicas} replica processes × ${conc} calls in flight${process.argv.includes("--affinity") ? " (dealt by principal)" : ""}, 3 masters + 3 replicas on 127.0.0.1`,
    );
    console.log(
      "| mode | calls/s for the tenant | round trips/call | conflicts/call | failure-policy calls | decisions vs one detector |",
    );
    console.log("|---|---|---|---|---|---|");
    let k = 0;
    for (const [mode, redis] of [
      ["strict", {}],
      ["batched (tenantFlushMs 1000)", { tenantSync: "batched" }],
    ] as const) {
      const r = await run(dir, c, calls, replicas, conc, redis, `hot${k++}`);
      const check =
        mode === "strict"
          ? `${strictMismatches(calls, r.rows)} mismatches (exact replay)`
          : `${(batchedAgreement(calls, r.rows) * 100).toFixed(1)} % actions equal`;
      console.log(
        `| ${mode} | ${(r.calls / r.secs).toFixed(0)} | ${(sum(r, "roundTrips") / n).toFixed(2)} | ${(sum(r, "conflicts") / n).toFixed(2)} | ${sum(r, "policyDecisions")} | ${check} |`,
      );
    }
  } finally {
    await c.stop();
  }
}

async function netBytes(client: Cluster): Promise<number> {
  let total = 0;
  for (const node of client.nodes("master")) {
    const info = await node.info("stats");
    total +=
      Number(/total_net_input_bytes:(\d+)/.exec(info)![1]) + Number(/total_net_output_bytes:(\d+)/.exec(info)![1]);
  }
  return total;
}

async function scale(dir: string): Promise<void> {
  const n = arg("calls", 6000);
  const replicas = arg("replicas", 2);
  const conc = arg("concurrency", 16);
  const calls = manyTenantStream(n, 16);
  const tenants = new Set(calls.map((x) => x.tenant)).size;
  const principals = new Set(calls.map((x) => `${x.tenant}/${x.principal}`)).size;
  console.log(
    `scale: ${n} calls, ${tenants} tenants, ${principals} principals, ${replicas} replica processes × ${conc} in flight, strict, on 127.0.0.1 (one machine: the masters share its cores)`,
  );
  console.log(
    "| masters (+1 replica each) | calls/s | round trips/call | Redis bytes/call (masters' in+out) | bytes per principal in Redis (entity key, MEMORY USAGE) | bytes per tenant key |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const masters of [1, 3, 6]) {
    const c = await startCluster({ dir: join(dir, `scale${masters}`), masters });
    const client = clusterClient(c);
    try {
      const b0 = await netBytes(client);
      const r = await run(dir, c, calls, replicas, conc, {}, `scale${masters}`);
      const bytes = ((await netBytes(client)) - b0) / n;
      const bad = strictMismatches(calls, r.rows);
      let eBytes = 0;
      let tBytes = 0;
      const ids = [...new Map(calls.map((x) => [`${x.tenant}/${x.principal}`, x])).values()];
      for (const id of ids)
        eBytes += Number(
          await client.call("memory", "usage", recordKeys(`scale${masters}:`, id).entity, "samples", "0"),
        );
      const ts = [...new Set(calls.map((x) => x.tenant))];
      for (const t of ts)
        tBytes += Number(
          await client.call(
            "memory",
            "usage",
            recordKeys(`scale${masters}:`, { tenant: t, principal: "" }).tenant,
            "samples",
            "0",
          ),
        );
      console.log(
        `| ${masters} | ${(r.calls / r.secs).toFixed(0)} | ${(sum(r, "roundTrips") / n).toFixed(2)} | ${bytes.toFixed(0)} | ${(eBytes / ids.length).toFixed(0)} | ${(tBytes / ts.length).toFixed(0)} |${bad ? ` (${bad} decisions differ from one detector!)` : ""}`,
      );
    } finally {
      client.disconnect();
      await c.stop();
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "toolwatch-cluster-bench-"));
try {
  await workerBundle();
  if (process.argv.includes("--hot")) await hot(dir);
  if (process.argv.includes("--scale")) await scale(dir);
} finally {
  await removeWorkerBundle();
  rmSync(dir, { recursive: true, force: true });
}
