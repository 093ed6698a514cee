// The HTTP server under both gateways (js/http/gateway-server.ts): the routes every gateway answers the same
// way, and the hooks through which `serve` and `proxy` differ (metrics access, who may call MCP, failures).
import { afterEach, describe, expect, it } from "vitest";
import { createDetector } from "../../js/runtime/node/index.js";
import {
  Unauthorized,
  createGatewayServer,
  type GatewayServerOptions,
  type RunningServer,
} from "../../js/http/gateway-server.js";
import { Metrics } from "../../js/http/prometheus.js";
import { silentLogger } from "../../js/log.js";

const ADMIN = "admin-token-0123456789";
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.close()));
});

async function start(o: Partial<GatewayServerOptions> = {}): Promise<RunningServer> {
  const s = await createGatewayServer({
    host: "127.0.0.1",
    port: 0,
    path: "/mcp",
    detector: createDetector(),
    metrics: new Metrics(),
    logger: silentLogger(),
    admin: { adminToken: ADMIN },
    metricsRefusal: () => undefined,
    authenticate: async () => undefined,
    mcp: { connect: async () => {}, maxBodyBytes: 1 << 16, maxSessions: 4 },
    failure: { status: 500, message: (err) => `internal error: ${err.message}`, log: "request failed" },
    ...o,
  });
  running.push(s);
  return s;
}

const base = (s: RunningServer) => new URL(s.url).origin;

describe("createGatewayServer", () => {
  it("answers /health, /metrics, the admin routes and 404 on its own", async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const health = await fetch(`${base(s)}/health`);
    expect(await health.json()).toEqual({ status: "healthy" });
    const metrics = await fetch(`${base(s)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^toolwatch_tracked_entities 0$/m);
    const stats = await fetch(`${base(s)}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ checks: 0 });
    const missing = await fetch(`${base(s)}/elsewhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: "NOT_FOUND", message: "nothing at /elsewhere; MCP is at /mcp" },
    });
  });

  it("refuses /metrics with the hook's message", async () => {
    const s = await start({ metricsRefusal: (req) => (req.headers["x-ok"] ? undefined : "show x-ok") });
    const refused = await fetch(`${base(s)}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "show x-ok" } });
    expect((await fetch(`${base(s)}/metrics`, { headers: { "x-ok": "1" } })).status).toBe(200);
  });

  it("answers 401 with a bearer challenge when authenticate throws Unauthorized, and the failure hook otherwise", async () => {
    const s = await start({
      authenticate: async (req) => {
        if (req.headers["x-boom"]) throw new Error("upstream gone");
        throw new Unauthorized("no ticket");
      },
      failure: { status: 502, message: (err) => `relay: ${err.message}`, log: "proxy request failed" },
    });
    const post = (headers: Record<string, string>) =>
      fetch(s.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    const refused = await post({});
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    expect(await refused.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32001, message: "unauthorized: no ticket" },
    });
    const failed = await post({ "x-boom": "1" });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: { code: -32603, message: "relay: upstream gone" } });
  });

  it("names a path that does not start with a slash, and bad limits", async () => {
    await expect(start({ path: "mcp" })).rejects.toThrow('path must start with "/", got "mcp"');
    await expect(start({ limits: { maxConnections: 0 } })).rejects.toThrow(
      "maxConnections must be a number >= 1, got 0",
    );
  });
});
