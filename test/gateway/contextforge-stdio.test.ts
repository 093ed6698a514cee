// `toolwatch serve --stdio` as the gateway starts it (proto: STDIO): a real child process, the SDK
// stdio client, and nothing but protocol messages on stdout.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { callJson, connect, preInvoke, postInvoke } from "./helpers.js";

const BIN = join(__dirname, "..", "..", "bin", "toolwatch.mjs");
const dir = mkdtempSync(join(tmpdir(), "tw-stdio-"));

describe("serve --stdio", () => {
  const clients: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it("handshakes and answers hooks; logs only on stderr", async () => {
    const cfg = join(dir, "toolwatch.yaml");
    writeFileSync(
      cfg,
      "action: block\nblockThreshold: 0.9\nserver:\n  plugin_name: MyAnomalyPlugin\n  log_level: debug\n",
    );
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve", "--stdio", "--config", cfg],
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr!.on("data", (b) => (stderr += b));
    const protocolErrors: unknown[] = [];
    transport.onerror = (e) => protocolErrors.push(e);
    const client = await connect(transport);
    clients.push(client);
    const conf = await callJson(client, "get_plugin_config", { name: "myanomalyplugin" });
    expect(conf.name).toBe("MyAnomalyPlugin");
    expect(conf.hooks).toEqual(["tool_pre_invoke", "tool_post_invoke"]);
    expect(conf.config).toMatchObject({ action: "block", blockThreshold: 0.9 });
    const req = {
      ...preInvoke({ tool: "db_query", args: { query: "SELECT 1" }, user: "alice@example.com", tenant: "t1" }),
      plugin_name: "MyAnomalyPlugin",
    };
    const pre = await callJson(client, "invoke_hook", req);
    expect(pre.result.continue_processing).toBe(true);
    expect(pre.result.metadata.toolwatch.action).toBeDefined();
    const post = await callJson(client, "invoke_hook", {
      ...postInvoke(req as never, pre.context),
      plugin_name: "MyAnomalyPlugin",
    });
    expect(post.result.metadata.toolwatch.tracked).toBe(true);
    const bad = await callJson(client, "invoke_hook", { ...req, hook_type: "resource_pre_fetch" });
    expect(bad.error.code).toBe("UNKNOWN_HOOK");
    expect(protocolErrors).toEqual([]);
    // debug-level decision logs were written, as JSON, to stderr
    await new Promise((r) => setTimeout(r, 100));
    const lines = stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.msg === "tool call allowed" || l.msg === "tool call warned")).toBe(true);
    expect(JSON.stringify(lines)).not.toContain("alice@example.com");
  });

  it("skips a line that is not JSON, logs it on stderr, and keeps answering", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_plugin_configs", arguments: {} } };
    const input = [
      "not json at all",
      JSON.stringify(init),
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      JSON.stringify(call),
      "",
    ].join("\n");
    const r = spawnSync(process.execPath, [BIN, "serve", "--stdio"], { encoding: "utf8", input, timeout: 60_000 });
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)); // every stdout line is a protocol message
    expect(lines.map((l) => l.id)).toEqual([1, 2]);
    expect(JSON.parse(lines[1].result.content[0].text)[0].name).toBe("ToolCallAnomalyDetection");
    expect(r.stderr).toContain("MCP transport error");
  });

  it("refuses a bad config file naming the key, and exits non-zero", () => {
    const cfg = join(dir, "bad.yaml");
    writeFileSync(cfg, "blockTreshold: 0.9\n");
    const r = spawnSync(process.execPath, [BIN, "serve", "--stdio", "--config", cfg], { encoding: "utf8", input: "" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('unknown key "blockTreshold"');
    expect(r.stderr).toContain('did you mean "blockThreshold"');
  });
});
