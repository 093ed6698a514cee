// Failover under traffic, shared by test/redis/failover.test.ts and the fault suite (faults/main.ts):
// two guards on a 3+3 Redis Cluster with waitReplicas 1 serve calls of 24 tenants from 8 lanes; one master
// is killed with SIGKILL mid-stream; its replica is promoted; the killed node is started again (as a
// supervisor would) and rejoins as the new master's replica. Reports what the calls got meanwhile and
// whether any write Redis acknowledged was lost.
import { createGuard } from "../../js/runtime/node/index.js";
import type { RedisDecision } from "../../js/state/redis/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { startCluster, clusterClient, tenantSlot, masterOf } from "./cluster-harness.js";

export interface FailoverReport {
  killedPort: number;
  promotedPort: number | null;
  /** kill → the replica serves the slots (CLUSTER NODES). */
  promotedMs: number | null;
  /** kill → the killed node is back as a replica in sync (then WAIT 1 is satisfied again). */
  replicaBackMs: number | null;
  /** Calls that got the failure policy, and the span from the first to the last of them. */
  policyCalls: number;
  policyCodes: string[];
  policyActions: string[];
  policySpanMs: number;
  /** Slowest call that got the policy (bounded by commandTimeoutMs, not by the failover). */
  slowestPolicyMs: number;
  /** Of those, calls on tenants the killed master did not serve. */
  policyOnOtherShards: number;
  /** When (ms after the kill) and why those calls failed. */
  otherShardErrors: string[];
  /** Calls scored on shared state on the other shards between kill and recovery (they kept working). */
  scoredOnOtherShardsMeanwhile: number;
  /** Calls scored on the failed-over shard after it came back (traffic resumed by itself). */
  scoredOnShardAfter: number;
  acknowledged: number;
  /** Acknowledged writes missing from Redis afterwards (a version below the acknowledged one, or acknowledged twice). */
  lost: number;
  totalCalls: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, f: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await f();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`failover: ${what} did not happen within ${ms} ms`);
}

export async function runFailover(opts: { dir?: string; waitReplicas?: number } = {}): Promise<FailoverReport> {
  const cluster = await startCluster({ dir: opts.dir, nodeTimeoutMs: 1000 });
  const reader = clusterClient(cluster);
  const quiet = { error: () => {}, warn: () => {}, info: () => {} };
  const guards = await Promise.all(
    [0, 1].map(() =>
      createGuard(
        { minCalls: 5, learningWindowSeconds: 0 },
        {
          state: {
            redis: {
              cluster: cluster.urls,
              failurePolicy: "closed",
              // generous: on a loaded 2-core machine (the whole suite in parallel) a healthy shard's round
              // trip has taken over a second; the killed master's calls fail on its refused connection
              commandTimeoutMs: 3000,
              waitReplicas: opts.waitReplicas ?? 1,
              waitTimeoutMs: 200,
            },
          },
          logger: quiet,
        },
      ),
    ),
  );
  try {
    const tenants = Array.from({ length: 24 }, (_, i) => `fo-tenant${i}`);
    const victimPort = await masterOf(cluster, await tenantSlot(reader, tenants[0]!));
    const onVictim = new Set<string>();
    for (const t of tenants) if ((await masterOf(cluster, await tenantSlot(reader, t))) === victimPort) onVictim.add(t);
    const victim = (await cluster.topology()).find((n) => n.port === victimPort)!;
    const replicaPort = (await cluster.topology()).find((n) => n.masterId === victim.id)!.port;

    type Row = { at: number; ms: number; tenant: string; principal: string; d: RedisDecision };
    const rows: Row[] = [];
    let running = true;
    let n = 0;
    const t0 = Date.now();
    const lane = async (k: number) => {
      const g = guards[k % 2]!;
      while (running) {
        const i = n++;
        const tenant = tenants[i % tenants.length]!;
        const principal = `${tenant}-p${Math.floor(i / tenants.length) % 4}`;
        const start = Date.now();
        const d = (await g.check({
          tool: ["read_file", "list_dir", "search"][i % 3]!,
          args: { path: `/p/${i % 5}` },
          principal,
          tenant,
          time: t0 + i,
        })) as RedisDecision;
        rows.push({ at: Date.now(), ms: Date.now() - start, tenant, principal, d });
      }
    };
    const lanes = Array.from({ length: 8 }, (_, k) => lane(k));

    await sleep(1500);
    const killedAt = Date.now();
    await cluster.kill(victimPort);
    let promotedAt: number | null = null;
    let backAt: number | null = null;
    try {
      await until("promotion", 20_000, async () =>
        (await cluster.topology()).some((x) => x.port === replicaPort && x.role === "master" && x.slots > 0),
      );
      promotedAt = Date.now();
      // the supervisor starts the killed node again: it finds it was failed over and follows the new master
      await cluster.restart(victimPort);
      await cluster.waitReady(1, 20_000);
      backAt = Date.now();
      // traffic on the failed-over shard resumes by itself
      await until("scoring on the failed-over shard", 10_000, async () =>
        rows.some((r) => r.at > backAt! && onVictim.has(r.tenant) && !r.d.error),
      );
      await sleep(500);
    } finally {
      running = false;
      await Promise.all(lanes);
    }

    const policy = rows.filter((r) => r.d.error);
    const first = policy.length ? Math.min(...policy.map((r) => r.at)) : killedAt;
    const last = policy.length ? Math.max(...policy.map((r) => r.at)) : killedAt;
    const recovered = backAt ?? Date.now();

    // nothing acknowledged lost: per principal and per tenant, acknowledged versions are all distinct
    // (a lost write would have its version handed out again) and Redis holds at least the highest one
    const acked = rows.filter((r) => !r.d.error && r.d.state);
    let lost = 0;
    const check = async (key: string, versions: number[]) => {
      const have = Number((await reader.hget(key, "v")) ?? 0);
      lost += versions.length - new Set(versions).size;
      lost += versions.filter((v) => v > have).length;
    };
    const byEntity = new Map<string, { key: string; v: number[] }>();
    const byTenant = new Map<string, { key: string; v: number[] }>();
    for (const r of acked) {
      const k = recordKeys("toolwatch:", { tenant: r.tenant, principal: r.principal });
      (byEntity.get(k.entity) ?? byEntity.set(k.entity, { key: k.entity, v: [] }).get(k.entity)!).v.push(
        r.d.state!.entityVersion,
      );
      (byTenant.get(k.tenant) ?? byTenant.set(k.tenant, { key: k.tenant, v: [] }).get(k.tenant)!).v.push(
        r.d.state!.tenantVersion,
      );
    }
    for (const e of [...byEntity.values(), ...byTenant.values()]) await check(e.key, e.v);

    return {
      killedPort: victimPort,
      promotedPort: promotedAt ? replicaPort : null,
      promotedMs: promotedAt && promotedAt - killedAt,
      replicaBackMs: backAt && backAt - killedAt,
      policyCalls: policy.length,
      policyCodes: [...new Set(policy.map((r) => r.d.error!.code))],
      policyActions: [...new Set(policy.map((r) => r.d.action))],
      policySpanMs: last - first,
      slowestPolicyMs: Math.max(0, ...policy.map((r) => r.ms)),
      policyOnOtherShards: policy.filter((r) => !onVictim.has(r.tenant)).length,
      otherShardErrors: [
        ...new Set(
          policy.filter((r) => !onVictim.has(r.tenant)).map((r) => `${r.at - killedAt} ms: ${r.d.error!.message}`),
        ),
      ],
      scoredOnOtherShardsMeanwhile: rows.filter(
        (r) => r.at > killedAt && r.at < recovered && !onVictim.has(r.tenant) && !r.d.error,
      ).length,
      scoredOnShardAfter: rows.filter((r) => r.at > recovered && onVictim.has(r.tenant) && !r.d.error).length,
      acknowledged: acked.length,
      lost,
      totalCalls: rows.length,
    };
  } finally {
    for (const g of guards) await g.close().catch(() => {});
    reader.disconnect();
    await cluster.stop();
  }
}
