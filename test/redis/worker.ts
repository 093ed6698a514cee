// One gateway replica for the replica tests: scores its share of a stream through the Redis mode, a few
// calls in flight at a time, and writes each decision with the tenant version its write committed at.
// argv: input.json output.json. Input: {url, config, redis?, concurrency, startAt?, calls: [{i, call}]}.
import { readFileSync, writeFileSync } from "node:fs";
import { createGuard } from "../../js/runtime/node/index.js";
import type { RedisDecision, RedisGuard } from "../../js/state/redis/index.js";

const [input, output] = process.argv.slice(2);
const job = JSON.parse(readFileSync(input!, "utf8"));
// a cluster job names its seed nodes in job.redis.cluster instead of a url
const guard = (await createGuard(job.config, {
  state: { redis: job.redis?.cluster ? job.redis : { url: job.url, ...job.redis } },
})) as RedisGuard;
const results: unknown[] = [];
let next = 0;
async function lane(): Promise<void> {
  while (next < job.calls.length) {
    const { i, call } = job.calls[next++];
    const d = (await guard.check(call)) as RedisDecision;
    results.push({
      i,
      tenant: call.tenant,
      principal: call.principal,
      tv: d.state?.tenantVersion ?? null,
      ev: d.state?.entityVersion ?? null,
      attempts: d.state?.attempts ?? 0,
      action: d.action,
      risk: d.risk,
      reasons: d.reasons.map((x) => [x.code, x.score]),
      learned: d.learned,
      windowCount: d.windowCount,
      baseline: d.learning.baseline,
      error: d.error?.code ?? null,
    });
  }
}
// benchmarks give every replica the same start time, so their calls overlap
if (job.startAt) await new Promise((r) => setTimeout(r, Math.max(0, job.startAt - Date.now())));
const started = Date.now();
await Promise.all(Array.from({ length: job.concurrency ?? 1 }, lane));
const ended = Date.now();
writeFileSync(output!, JSON.stringify({ results, stats: { ...guard.counters, started, ended } }));
await guard.close();
