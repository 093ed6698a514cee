// Shared pieces for the gateway tests: the exact shapes ContextForge sends, and SDK clients.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

export const PLUGIN = "ToolCallAnomalyDetection";

/** A tool_pre_invoke call as the gateway serialises it: None fields left out entirely. */
export function preInvoke(o: {
  tool: string;
  args?: Record<string, unknown>;
  user?: unknown;
  tenant?: string | null;
  requestId?: string;
  headers?: Record<string, string>;
  extraGlobal?: Record<string, unknown>;
  state?: Record<string, unknown>;
}) {
  const payload: Record<string, unknown> = { name: o.tool };
  if (o.args !== undefined) payload.args = o.args;
  if (o.headers !== undefined) payload.headers = o.headers;
  const gc: Record<string, unknown> = {
    request_id: o.requestId ?? "r1",
    server_id: "gw1",
    state: {},
    metadata: { tool: {} },
    ...o.extraGlobal,
  };
  if (o.user !== undefined) gc.user = o.user;
  if (o.tenant !== undefined) gc.tenant_id = o.tenant;
  return {
    hook_type: "tool_pre_invoke",
    plugin_name: PLUGIN,
    payload,
    context: { state: o.state ?? {}, metadata: {}, global_context: gc },
  };
}

export function postInvoke(pre: ReturnType<typeof preInvoke>, context: Record<string, unknown>, isError = false) {
  return {
    hook_type: "tool_post_invoke",
    plugin_name: PLUGIN,
    payload: { name: pre.payload.name, result: { content: [{ type: "text", text: "done" }], isError } },
    context,
  };
}

export async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: "gateway-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export async function httpClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
}

/** Calls a tool and parses the single text item as JSON (the plugin protocol's answer shape). */
export async function callJson(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as Array<{ type: string; text: string }>;
  if (content.length !== 1 || content[0]!.type !== "text")
    throw new Error(`expected one text item, got ${JSON.stringify(r)}`);
  return JSON.parse(content[0]!.text);
}
