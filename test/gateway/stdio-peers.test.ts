// Several `toolwatch serve --stdio` processes on one host (the gateway starts one per (team, tool)
// context over STDIO, each with its own baselines): each registers itself and warns on stderr when
// it is not alone. Real child processes, each test with its own temp directory (TMPDIR).
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { callJson, connect } from "./helpers.js";

const BIN = join(__dirname, "..", "..", "bin", "toolwatch.mjs");
const WARNING = /toolwatch stdio plugin servers are running on this host/;

async function start(tmp: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve", "--stdio"],
    env: { ...process.env, TMPDIR: tmp } as Record<string, string>,
    stderr: "pipe",
  });
  let err = "";
  transport.stderr!.on("data", (b) => (err += b));
  const client = await connect(transport);
  await callJson(client, "get_plugin_configs", {});
  return { client, stderr: () => err };
}

const registry = (tmp: string): string => {
  const dirs = readdirSync(tmp).filter((n) => n.startsWith("toolwatch-stdio-"));
  expect(dirs).toHaveLength(1);
  return join(tmp, dirs[0]!);
};

async function until(f: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return f();
}

describe("stdio plugin servers side by side", () => {
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
  });

  it("a second server warns that baselines are split, and the first hears of it too", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tw-peers-"));
    const a = await start(tmp);
    clients.push(a.client);
    const b = await start(tmp);
    clients.push(b.client);
    expect(await until(() => WARNING.test(b.stderr()))).toBe(true);
    const line = b
      .stderr()
      .split("\n")
      .find((l) => WARNING.test(l))!;
    const log = JSON.parse(line);
    expect(log.level).toBe(40); // warn
    expect(log.servers).toBe(2);
    expect(log.msg).toMatch(/^2 toolwatch stdio plugin servers/);
    expect(log.msg).toMatch(/own baselines/);
    expect(log.msg).toMatch(/streamable HTTP/);
    // the first one sees the newcomer appear in the directory
    expect(await until(() => WARNING.test(a.stderr()))).toBe(true);
    expect(readdirSync(registry(tmp)).sort()).toHaveLength(2);
    // closing removes each registration
    await a.client.close();
    await b.client.close();
    expect(await until(() => readdirSync(registry(tmp)).length === 0)).toBe(true);
  });

  it("a single server does not warn, and entries of dead processes are pruned", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tw-peers-"));
    // a stale entry: a process that has exited (killed without cleaning up)
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const dir = join(tmp, `toolwatch-stdio-${process.getuid?.() ?? "user"}`);
    // the server creates the directory itself; create it first to plant the stale entry
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${dead.stdout}.json`), JSON.stringify({ pid: Number(dead.stdout), plugin: "Old" }));
    const a = await start(tmp);
    clients.push(a.client);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.stderr()).not.toMatch(WARNING);
    expect(existsSync(join(dir, `${dead.stdout}.json`))).toBe(false);
    expect(readdirSync(dir)).toHaveLength(1);
    await a.client.close();
  });
});
