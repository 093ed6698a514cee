// ContextForge external plugin: `invoke_hook` over MCP (streamable HTTP or stdio).
export { ContextForgePlugin, DEFAULT_PLUGIN_NAME, type PluginOptions } from "./plugin.js";
export { createPluginMcpServer } from "./mcp-server.js";
export { servePluginHttp, servePluginStdio, type HttpServeOptions, type RunningServer } from "./serve.js";
export { Metrics } from "../../http/prometheus.js";
export { HOOKS, type Envelope, type PluginResult, type Violation } from "./envelope.js";
export {
  assertSafeListen,
  isLoopback,
  StartupError,
  type TlsSettings,
  type ListenSettings,
} from "../../http/listen.js";
