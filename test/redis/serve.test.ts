// `toolwatch serve` (the ContextForge plugin server) run as two replicas with a `state: redis` config
// section: a user's rapid calls alternating between them add up to one burst.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../scripts/redis-server.mjs";
import { callJson, httpClient, preInvoke } from "../gateway/helpers.js";

const BIN = join(import.meta.dirname, "..", "..", "bin", "toolwatch.mjs");

function serve(configFile: string): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--log-level", "warn", "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      const m = /listening on (\S+)[\s\S]*state: +(.*)\n/.exec(out);
      if (m) resolve({ child, url: m[1]!, banner: m[2]! });
    });
    child.stderr!.on("data", (b) => (out += b));
    child.once("exit", (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}

const stop = (c: ChildProcess) =>
  new Promise<void>((r) => {
    if (c.exitCode !== null) return r();
    c.once("exit", () => r());
    c.kill("SIGTERM");
  });

describe("two `toolwatch serve` replicas on one Redis", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of children) await stop(c);
    await redis.stop();
  });

  test("a burst split over both replicas is counted whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-serve-redis-"));
    const file = join(dir, "toolwatch.json");
    writeFileSync(
      file,
      JSON.stringify({ burstThreshold: 10, burstWindowSeconds: 600, state: { redis: { url: redis.url } } }),
    );
    const a = await serve(file);
    children.push(a.child);
    const b = await serve(file);
    children.push(b.child);
    expect(a.banner).toContain(`redis redis://127.0.0.1:${redis.port}`);
    const clients = [await httpClient(a.url), await httpClient(b.url)];
    const bursts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await callJson(
        clients[i % 2]!,
        "invoke_hook",
        preInvoke({ tool: "read_file", args: { path: "/a" }, user: "alice", tenant: "acme", requestId: `r${i}` }),
      );
      bursts.push(r.result.metadata.toolwatch.signals.burst);
    }
    for (const c of clients) await c.close();
    // each replica served 6 calls: alone neither reaches half the threshold, where the burst score starts
    expect(bursts.slice(0, 5).every((x) => x === 0)).toBe(true);
    expect(Math.max(...bursts)).toBe(1);
  });
});
