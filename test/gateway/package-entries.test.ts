// The published entry points (built bundles, resolved through package.json exports) work together:
// a detector from "toolwatch" guards a server through "toolwatch/mcp".
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { connect } from "./helpers.js";

describe("package entry points", () => {
  it("toolwatch + toolwatch/mcp: a refusal thrown by one bundle is understood by the other", async () => {
    const { createDetector } = await import("toolwatch");
    const { guardMcpServer, BLOCKED_ERROR_CODE } = await import("toolwatch/mcp");
    const server = new McpServer({ name: "s", version: "1" });
    server.registerTool("echo", { inputSchema: { x: z.string() } }, async ({ x }) => ({
      content: [{ type: "text", text: x }],
    }));
    guardMcpServer(server, createDetector({ anonymous: "refuse" }));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = await connect(a);
    const err = await client.callTool({ name: "echo", arguments: { x: "hi" } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(BLOCKED_ERROR_CODE);
    expect(err.message).toMatch(/no identity/);
    await client.close();
  });

  it("toolwatch/contextforge and toolwatch/proxy load", async () => {
    const cf = await import("toolwatch/contextforge");
    expect(cf.DEFAULT_PLUGIN_NAME).toBe("ToolCallAnomalyDetection");
    const px = await import("toolwatch/proxy");
    expect(px.splitCommand(`node "a b.mjs" --x 'y z'`)).toEqual(["node", "a b.mjs", "--x", "y z"]);
  });
});
