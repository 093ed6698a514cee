// Per-call cost the Redis mode adds over a local detector, on loopback. Run: node scripts/redis-bench.mjs
// Scenarios: one replica with warm cache (one round trip per call), one replica reading first every call
// (two), and four replica processes on one hot tenant (contention). Prints medians and p99 in µs,
// round trips and Redis network bytes per call.
import { Redis } from "ioredis";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createGuard } from "../../js/runtime/node/index.js";
import { createDetector } from "../../js/runtime/node/index.js";
import type { RedisGuard } from "../../js/state/redis/index.js";
import { makeStream, type StreamCall } from "./stream.js";

const CONFIG = { minCalls: 20, learningWindowSeconds: 0 };
const N = Number(process.env.BENCH_CALLS ?? 5000);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const us = (ns: bigint) => Number(ns) / 1000;
const fmt = (xs: number[]) => `median ${pct(xs, 50).toFixed(1)} µs, p99 ${pct(xs, 99).toFixed(1)} µs`;

async function netBytes(r: Redis): Promise<number> {
  const info = await r.info("stats");
  const get = (k: string) => Number(/^(\w+):(\d+)/m.test(info) ? info.match(new RegExp(`${k}:(\\d+)`))![1] : 0);
  return get("total_net_input_bytes") + get("total_net_output_bytes");
}

async function timeGuard(url: string, prefix: string, calls: StreamCall[], extra: Record<string, unknown>) {
  const g = (await createGuard(CONFIG, { state: { redis: { url, prefix, ...extra } } })) as RedisGuard;
  const lat: number[] = [];
  for (const c of calls) {
    const t = process.hrtime.bigint();
    const d = await g.check(c);
    lat.push(us(process.hrtime.bigint() - t));
    if (d.error) throw new Error(d.error.message);
  }
  const stats = { ...g.counters };
  await g.close();
  return { lat, stats };
}

async function replica(url: string, mode: string, calls: StreamCall[]): Promise<void> {
  const { lat, stats } = await timeGuard(
    url,
    `hot-${mode}:`,
    calls,
    mode === "batched" ? { tenantSync: "batched" } : {},
  );
  process.send!({ lat, stats });
}

async function main(): Promise<void> {
  const server = await startRedis();
  const r = new Redis(server.url);
  try {
    const calls = makeStream(N, 5);
    const warm = calls.slice(0, 500);
    const local = createDetector(CONFIG);
    for (const c of warm) local.check(c);
    const loc: number[] = [];
    for (const c of calls) {
      const t = process.hrtime.bigint();
      local.check(c);
      loc.push(us(process.hrtime.bigint() - t));
    }
    console.log(
      `calls per scenario: ${N} (stream: 3 tenants, 21 principals), node ${process.version}, redis-server on 127.0.0.1`,
    );
    console.log(`local detector, no Redis:            ${fmt(loc)}`);

    for (const [name, extra] of [
      ["one replica, cached versions (1 RTT)", {}],
      ["one replica, read first (2 RTT)", { cacheEntries: 0 }],
    ] as const) {
      const prefix = `b${name.length}:`;
      await timeGuard(server.url, prefix, warm, extra);
      const b0 = await netBytes(r);
      const { lat, stats } = await timeGuard(server.url, prefix, calls, extra);
      const bytes = ((await netBytes(r)) - b0) / N;
      console.log(
        `${name.padEnd(37)}${fmt(lat)}; added over local: median ${(pct(lat, 50) - pct(loc, 50)).toFixed(1)} µs; round trips/call ${(stats.roundTrips / N).toFixed(2)}; Redis bytes/call ${bytes.toFixed(0)}`,
      );
    }

    // four processes, every call on one tenant's records: the worst case for a tenant record
    const hot = calls.map((c) => ({ ...c, tenant: "acme" }));
    for (const mode of ["strict", "batched"]) {
      const kids = [0, 1, 2, 3].map(() =>
        fork(fileURLToPath(import.meta.url), ["replica", server.url, mode], {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      );
      const t0 = Date.now();
      const outs = await Promise.all(
        kids.map(
          (child, k) =>
            new Promise<{ lat: number[]; stats: { calls: number; conflicts: number; roundTrips: number } }>(
              (res, rej) => {
                child.on("message", (m) => res(m as never));
                child.on("exit", (code) => code !== 0 && rej(new Error(`replica exited ${code}`)));
                child.send(hot.filter((_, i) => i % 4 === k));
              },
            ),
        ),
      );
      const secs = (Date.now() - t0) / 1000;
      const lat = outs.flatMap((o) => o.lat);
      const conflicts = outs.reduce((a, o) => a + o.stats.conflicts, 0);
      const trips = outs.reduce((a, o) => a + o.stats.roundTrips, 0);
      console.log(
        `4 replicas, one hot tenant, ${mode.padEnd(8)}${fmt(lat)}; round trips/call ${(trips / N).toFixed(2)}; conflicts/call ${(conflicts / N).toFixed(2)}; ${(N / secs).toFixed(0)} calls/s for that tenant`,
      );
    }
  } finally {
    await r.quit();
    await server.stop();
  }
}

if (process.argv[2] === "replica") {
  process.once(
    "message",
    (calls) => void replica(process.argv[3]!, process.argv[4]!, calls as StreamCall[]).then(() => process.exit(0)),
  );
} else {
  await main();
}
