// kill -9 of a Redis Cluster master while calls flow (test/redis/failover.ts): the calls on its slots get
// the failure policy (closed: blocked, STATE_UNAVAILABLE) and no others do; its replica is promoted;
// traffic on that shard resumes by itself; with waitReplicas 1 no write Redis acknowledged is lost.
import { test, expect } from "vitest";
import { runFailover } from "./failover.js";

test("a master killed under traffic: policy meanwhile, replica promoted, traffic resumes, nothing acknowledged lost", async () => {
  const r = await runFailover({ waitReplicas: 1 });
  console.log(`failover: ${JSON.stringify(r)}`);
  expect(r.promotedPort).not.toBeNull();
  expect(r.policyCalls).toBeGreaterThan(0);
  expect(r.policyCodes).toEqual(["STATE_UNAVAILABLE"]);
  expect(r.policyActions).toEqual(["block"]);
  // only the killed master's tenants were affected; the other shards kept scoring meanwhile
  expect(r.policyOnOtherShards, r.otherShardErrors.join("; ")).toBe(0);
  expect(r.scoredOnOtherShardsMeanwhile).toBeGreaterThan(0);
  expect(r.scoredOnShardAfter).toBeGreaterThan(0);
  expect(r.acknowledged).toBeGreaterThan(1000);
  expect(r.lost).toBe(0);
}, 120_000);
