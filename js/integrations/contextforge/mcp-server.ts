// The plugin as an MCP server: three tools, each answering one text item holding JSON.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ContextForgePlugin } from "./plugin.js";
import { errorEnvelope } from "./envelope.js";

const TOOLS = [
  {
    name: "get_plugin_config",
    description: "The plugin config for a plugin name (empty object when unknown).",
    inputSchema: { type: "object" as const, properties: { name: { type: "string" } }, required: ["name"] },
  },
  {
    name: "get_plugin_configs",
    description: "Every plugin config this server offers.",
    inputSchema: { type: "object" as const, properties: {} },
  },
  {
    name: "invoke_hook",
    description: "Run a hook: {hook_type, plugin_name, payload, context} -> {plugin_name, result | error, context}.",
    inputSchema: {
      type: "object" as const,
      properties: {
        hook_type: { type: "string" },
        plugin_name: { type: "string" },
        payload: { type: "object" },
        context: { type: "object" },
      },
      required: ["hook_type", "plugin_name", "payload", "context"],
    },
  },
];

const text = (v: unknown): CallToolResult => ({ content: [{ type: "text", text: JSON.stringify(v) }] });

export function createPluginMcpServer(plugin: ContextForgePlugin): Server {
  const server = new Server({ name: "toolwatch", version: "0.1.0" }, { capabilities: { tools: {} } });
  // e.g. a line on stdin that is not JSON: reported, skipped, the server keeps serving
  server.onerror = (err) => plugin.logger.warn({ err: err.message }, "MCP transport error");
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    plugin.inflight++;
    try {
      return await answer(req.params.name, req.params.arguments ?? {});
    } finally {
      plugin.inflight--;
    }
  });
  const answer = async (name: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    switch (name) {
      case "get_plugin_config":
        return text(plugin.matches(args.name) ? plugin.pluginConfig() : {});
      case "get_plugin_configs":
        return text([plugin.pluginConfig()]);
      case "invoke_hook":
        return text(await plugin.invokeHook(args));
      default:
        plugin.metrics.error("UNKNOWN_TOOL");
        return text(
          errorEnvelope(
            plugin.name,
            "UNKNOWN_TOOL",
            `unknown tool "${name}"; this server offers ${TOOLS.map((t) => t.name).join(", ")}`,
          ),
        );
    }
  };
  return server;
}
