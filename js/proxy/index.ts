// Standalone MCP proxy: toolwatch in front of any MCP server.
export { startProxy, type ProxyOptions } from "./server.js";
export { createAuthenticator, AuthError, type ProxyAuthOptions } from "./auth.js";
export { splitCommand, upstreamTransport, type UpstreamOptions } from "./upstream.js";
