// `toolwatch serve` with a state directory: admin snapshot, list and revert over HTTP, and baselines
// restored by the next process.
import { describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callJson, httpClient, preInvoke } from "./helpers.js";

const BIN = join(__dirname, "..", "..", "bin", "toolwatch.mjs");
const ADMIN = "admin-token-for-state-test-0123";

async function start(stateDir: string): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--log-level", "warn"], {
    env: { ...process.env, TOOLWATCH_STATE_DIR: stateDir, TOOLWATCH_ADMIN_TOKEN: ADMIN },
    stdio: ["ignore", "pipe", "pipe"],
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

const stop = (c: ChildProcess) =>
  new Promise<void>((r) => {
    c.once("exit", () => r());
    c.kill("SIGTERM");
  });

describe("serve with TOOLWATCH_STATE_DIR", () => {
  it("snapshots, lists, reverts, and restores on restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-state-"));
    const a = await start(dir);
    expect(a.banner).toContain(`snapshots in ${dir}`);
    const base = a.url.replace(/\/mcp$/, "");
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${base}/admin/${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      const client = await httpClient(a.url);
      for (let i = 0; i < 5; i++)
        await callJson(
          client,
          "invoke_hook",
          preInvoke({ tool: "read_file", args: { path: "/a" }, user: "alice", tenant: "acme" }),
        );
      await client.close();
      const s1 = await admin("POST", "snapshot", {});
      expect(s1.status).toBe(200);
      const first = (await s1.json()).snapshot;
      expect(first.bytes).toBeGreaterThan(0);
      const s2 = await (await admin("POST", "snapshot", {})).json();
      expect(s2.snapshot.seq).toBe(first.seq + 1);
      const list = await (await admin("GET", "snapshots")).json();
      expect(list.snapshots.map((x: any) => x.seq)).toEqual([first.seq + 1, first.seq]);
      const rv = await admin("POST", "revert", { steps: 1 });
      expect(rv.status).toBe(200);
      expect((await rv.json()).reverted.seq).toBe(first.seq);
      const tooFar = await admin("POST", "revert", { steps: 99 });
      expect(tooFar.status).toBe(400);
      expect((await tooFar.json()).error.message).toMatch(/cannot go back 99/);
      const stats = await (await admin("GET", "stats")).json();
      expect(stats.entities).toBe(1);
    } finally {
      await stop(a.child);
    }
    const b = await start(dir);
    try {
      expect(b.banner).toMatch(/restored #\d+/);
      const stats = await (
        await fetch(`${b.url.replace(/\/mcp$/, "")}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json();
      expect(stats.entities).toBe(1);
    } finally {
      await stop(b.child);
    }
  });
});
