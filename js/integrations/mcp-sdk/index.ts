// Middleware for Node MCP servers built on @modelcontextprotocol/sdk.
export { guardMcpServer, type GuardOptions, type GuardHandle } from "./guard-server.js";
export { BLOCKED_ERROR_CODE, describeBlock, type BlockInfo } from "../../blocked-call.js";
export { toDetectorLike, type DetectorLike } from "../../guard.js";
