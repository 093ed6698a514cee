// Redis Cluster helpers for the tests: a cluster started by scripts/redis-cluster.mjs, a client on it,
// which master serves a tenant, and a stream of many tenants spread over the slots.
import { Cluster } from "ioredis";
import { startCluster, clusterNodes } from "../../scripts/redis-cluster.mjs";
import { recordKeys } from "../../js/state/redis/keys.js";
import { makeStream, type StreamCall } from "./stream.js";

export type TestCluster = Awaited<ReturnType<typeof startCluster>>;
export { startCluster, clusterNodes };

/** A plain ioredis cluster client for reading records back (the guard under test has its own). */
export function clusterClient(c: TestCluster): Cluster {
  return new Cluster(
    c.urls.map((u) => ({ host: "127.0.0.1", port: Number(new URL(u).port) })),
    { scaleReads: "master" },
  );
}

/** The slot of a tenant's records (its keys share the tenant's hash tag), as Redis computes it. */
export async function tenantSlot(client: Cluster, tenant: string, prefix = "toolwatch:"): Promise<number> {
  return Number(await client.call("cluster", "keyslot", recordKeys(prefix, { tenant, principal: "x" }).tenant));
}

/** The port of the master serving a slot, per the topology a live node reports. */
export async function masterOf(c: TestCluster, slot: number): Promise<number> {
  const t = await c.topology();
  const m = t.find(
    (n) => n.role === "master" && !n.failed && n.ranges.some(([a, b]: [number, number]) => slot >= a && slot <= b),
  );
  if (!m) throw new Error(`no master serves slot ${slot}`);
  return m.port;
}

/**
 * `groups` copies of the replica tests' stream (3 tenants, 21 principals each), every copy with its own
 * tenant and principal names and seed, interleaved by time: many tenants, so every master gets some.
 */
export function manyTenantStream(n: number, groups: number): StreamCall[] {
  const per = Math.ceil(n / groups);
  const all: StreamCall[] = [];
  for (let g = 0; g < groups; g++) {
    for (const c of makeStream(per, 100 + g))
      all.push({ ...c, tenant: `${c.tenant}-${g}`, principal: `${c.principal}-${g}` });
  }
  // stable sort by time keeps each principal's calls in their own order
  return all.sort((a, b) => a.time - b.time).slice(0, n);
}
