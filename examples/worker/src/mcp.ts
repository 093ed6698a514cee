// The MCP side: a JSON-RPC tools/call is checked by the tenant's guard; a blocked call gets a JSON-RPC
// error carrying the decision, an allowed one goes to the upstream MCP server (or is acknowledged).
import { decisionMetadata, type Decision } from "../../../js/runtime/workerd/index.js";
import { describeRefusal } from "../../../js/refused-input.js";
import type { Env } from "./env.js";
import { guardFor, identityOf, json } from "./http.js";

const BLOCKED = -32003;

interface RpcRequest {
  jsonrpc: "2.0";
  id?: string | number | null;
  method: string;
  params?: { name?: unknown; arguments?: unknown };
}

const rpcError = (id: RpcRequest["id"], code: number, message: string, data?: unknown): Response =>
  json({ jsonrpc: "2.0", id: id ?? null, error: { code, message, ...(data !== undefined ? { data } : {}) } });

export async function handleMcp(request: Request, env: Env): Promise<Response> {
  let rpc: RpcRequest;
  try {
    rpc = (await request.clone().json()) as RpcRequest;
  } catch {
    return rpcError(null, -32700, "parse error: the body is not JSON");
  }
  if (typeof rpc !== "object" || rpc === null || rpc.method !== "tools/call") {
    return env.UPSTREAM_MCP_URL
      ? fetch(env.UPSTREAM_MCP_URL, request)
      : rpcError(rpc?.id, -32601, "this guard only answers tools/call");
  }
  const id = identityOf(request);
  const guard = guardFor(env, id.tenant);
  const r = await guard.check({
    tool: rpc.params?.name as string,
    args: rpc.params?.arguments as Record<string, unknown>,
    ...id,
  });
  if ("error" in r) {
    // input the detector refuses is a decision by failurePolicy, as in the other gateways
    const refusal = describeRefusal(
      rpc.params?.name,
      r.error,
      env.TOOLWATCH_CONFIG ? JSON.parse(env.TOOLWATCH_CONFIG) : {},
    );
    if (refusal.action === "block") {
      return rpcError(rpc.id, BLOCKED, refusal.description, {
        ...refusal.metadata,
        code: r.error.code,
        http_status: refusal.httpStatus,
      });
    }
    if (!env.UPSTREAM_MCP_URL) {
      return json({
        jsonrpc: "2.0",
        id: rpc.id ?? null,
        result: { content: [{ type: "text", text: "allowed unchecked" }], _meta: refusal.metadata },
      });
    }
    return fetch(env.UPSTREAM_MCP_URL, request);
  }
  const decision = r.ok as Decision;
  if (decision.action === "block") {
    const why = decision.reasons
      .filter((x) => x.counted)
      .map((x) => x.message)
      .join("; ");
    return rpcError(
      rpc.id,
      BLOCKED,
      `blocked by toolwatch: ${why || "risk over the block threshold"}`,
      decisionMetadata(decision),
    );
  }
  if (!env.UPSTREAM_MCP_URL) {
    return json({
      jsonrpc: "2.0",
      id: rpc.id ?? null,
      result: { content: [{ type: "text", text: `allowed (${decision.action})` }], _meta: decisionMetadata(decision) },
    });
  }
  const upstream = await fetch(env.UPSTREAM_MCP_URL, request);
  const body = (await upstream
    .clone()
    .json()
    .catch(() => null)) as { result?: { isError?: boolean }; error?: unknown } | null;
  await guard.after({ tool: rpc.params?.name as string, ...id }, Boolean(body?.error || body?.result?.isError));
  return upstream;
}
