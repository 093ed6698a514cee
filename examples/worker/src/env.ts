import type { TenantGuard } from "./tenant-guard.js";

export interface Env {
  GUARD: DurableObjectNamespace<TenantGuard>;
  /** toolwatch config as JSON (wrangler.jsonc "vars"). */
  TOOLWATCH_CONFIG?: string;
  SNAPSHOT_EVERY_SECONDS?: string;
  /** Where allowed MCP requests go; unset = answer with the decision only. */
  UPSTREAM_MCP_URL?: string;
}
