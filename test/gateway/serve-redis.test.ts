// Two `toolwatch serve` replicas sharing baselines through a real redis-server (state.redis / TOOLWATCH_REDIS_URL).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// a plain .mjs script (the same one CI uses to start Redis)
import { startRedis } from "../../scripts/redis-server.mjs";
import { callJson, httpClient, preInvoke } from "./helpers.js";

const BIN = join(__dirname, "..", "..", "bin", "toolwatch.mjs");

function serve(
  env: Record<string, string>,
  config: string,
): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--config", config, "--log-level", "warn"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      const m = /listening on (\S+)[\s\S]*state: +(.*)\n/.exec(out);
      if (m) resolve({ child, url: m[1]!, banner: m[2]! });
    });
    child.once("exit", (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}

describe("serve replicas on Redis", () => {
  let redis: { url: string; stop(): Promise<void> };
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGTERM");
    await redis?.stop();
  });

  it("a principal trained on one replica is judged by its own baseline on the other", async () => {
    const cfg = join(mkdtempSync(join(tmpdir(), "tw-redis-")), "cfg.yaml");
    writeFileSync(
      cfg,
      "minCalls: 5\nlearningWindowSeconds: 0\nburstThreshold: 1000\nsignals:\n  rateSpike: {mode: off}\n",
    );
    const a = await serve({ TOOLWATCH_REDIS_URL: redis.url }, cfg);
    children.push(a.child);
    const b = await serve({ TOOLWATCH_REDIS_URL: redis.url }, cfg);
    children.push(b.child);
    expect(a.banner).toMatch(/^redis redis:\/\/127\.0\.0\.1:\d+/);
    const ca = await httpClient(a.url);
    const cb = await httpClient(b.url);
    for (let i = 0; i < 8; i++)
      await callJson(
        ca,
        "invoke_hook",
        preInvoke({ tool: "read_file", args: { path: "/a" }, user: "alice", tenant: "acme" }),
      );
    const onB = await callJson(
      cb,
      "invoke_hook",
      preInvoke({ tool: "read_file", args: { path: "/a" }, user: "alice", tenant: "acme" }),
    );
    expect(onB.result.metadata.toolwatch.baseline).toBe("own");
    const fresh = await callJson(
      cb,
      "invoke_hook",
      preInvoke({ tool: "read_file", args: { path: "/a" }, user: "zed", tenant: "other" }),
    );
    expect(fresh.result.metadata.toolwatch.baseline).not.toBe("own");
    await Promise.all([ca.close(), cb.close()]);
  });
});
