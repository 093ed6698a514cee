// `toolwatch proxy`: a streamable-HTTP MCP endpoint in front of an upstream MCP server, applying
// toolwatch to every tools/call, on the gateway server (js/http: /health, /metrics, the admin routes).
import type { Decision } from "../detector.js";
import { decisionMetadata } from "../metadata.js";
import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import { BLOCKED_ERROR_CODE, describeBlock } from "../blocked-call.js";
import { describeRefusal, isRefusedInput, isToolwatchError, nestingError } from "../refused-input.js";
import { toDetectorLike, type DetectorLike } from "../guard.js";
import type { SnapshotStore } from "../http/admin.js";
import { Unauthorized, createGatewayServer, type RunningServer } from "../http/gateway-server.js";
import { hasBearer } from "../http/io.js";
import { StartupError, assertSafeListen, isLoopback, type ServerLimits, type TlsSettings } from "../http/listen.js";
import { Metrics } from "../http/prometheus.js";
import { AuthError, createAuthenticator, type ProxyAuthOptions } from "./auth.js";
import { Relay, type CallCheck } from "./relay.js";
import { upstreamTransport, validateUpstream, type UpstreamOptions } from "./upstream.js";
import { Asker, resolveAsk, type AskInput } from "../ask.js";

export interface ProxyOptions extends UpstreamOptions, ServerLimits {
  detector: DetectorLike | Parameters<typeof toDetectorLike>[0];
  auth: ProxyAuthOptions;
  host?: string;
  port?: number;
  path?: string;
  tls?: TlsSettings;
  adminToken?: string;
  /** Opens /metrics (the admin token does too). With JWTs required and neither token, /metrics is refused. */
  metricsToken?: string;
  /** Snapshot store for the admin snapshot/revert operations. */
  store?: SnapshotStore;
  maxBodyBytes?: number;
  maxSessions?: number;
  logger?: Logger;
  metrics?: Metrics;
  clock?: () => number;
  /** Ask the user before a warned call runs (MCP elicitation), docs/GATEWAY.md "Ask"; absent: warned calls run. */
  ask?: AskInput;
  /** Every decision as it is made (the demo prints them). */
  onDecision?: (d: Decision, call: { tool: string; args: Record<string, unknown>; identity: Identity }) => void;
}

export async function startProxy(o: ProxyOptions): Promise<RunningServer> {
  validateUpstream(o);
  const host = o.host ?? "127.0.0.1";
  const path = o.path ?? "/mcp";
  const authenticate = createAuthenticator(o.auth);
  // A verified JWT, TLS, or a trusted header believed only from listed peers stands between the
  // network and the endpoint. Off loopback the proxy in front is another host: the loopback default
  // would refuse its headers, or (misconfigured) believe a local process's, so the list must be given.
  if (!isLoopback(host) && authenticate.usesHeaders && !authenticate.peersListed) {
    throw new StartupError(
      `refusing to listen on ${host} (not loopback) with a trusted identity header but no trustedProxies (--trusted-proxy): list the authenticating proxy's addresses`,
    );
  }
  if (!isLoopback(host) && !o.tls && !authenticate.usesJwt && !authenticate.headerGuarded) {
    throw new StartupError(
      `refusing to listen on ${host} (not loopback) without TLS, JWT verification, or a trusted header limited to trustedProxies`,
    );
  }
  assertSafeListen({ host: "127.0.0.1", port: o.port ?? 0, tls: o.tls, adminToken: o.adminToken });
  if (o.metricsToken !== undefined && o.metricsToken.length < 16)
    throw new StartupError("the metrics token must be at least 16 characters");
  // Metrics are open only where the MCP endpoint needs no credential either; otherwise a token opens them.
  const metricsOpen = o.metricsToken === undefined && o.adminToken === undefined && !authenticate.usesJwt;
  const d = toDetectorLike(o.detector);
  const log = o.logger ?? silentLogger();
  const metrics = o.metrics ?? new Metrics();
  const clock = o.clock ?? Date.now;
  const asker =
    o.ask !== undefined
      ? new Asker({
          detector: d,
          settings: resolveAsk(o.ask),
          logger: log,
          clock,
          onAnswer: (a) => metrics.question(a),
        })
      : undefined;

  // Calls let through unscored (refused input, failure policy open): their outcome is not recorded.
  // The relay hands after() the identity object it gave check(), one per message.
  const unscored = new WeakSet<Identity>();
  const guard: CallCheck = {
    async check({ tool, args, identity }, channel) {
      const t0 = performance.now();
      let decision: Decision;
      try {
        const deep = nestingError(args);
        if (deep) throw deep;
        decision = await d.check({ tool, args, identity, time: clock() });
      } catch (err) {
        if (!isToolwatchError(err)) throw err;
        if (!isRefusedInput(err)) {
          metrics.error(err.code);
          return {
            code: BLOCKED_ERROR_CODE,
            message: `toolwatch refused "${tool}": ${err.message}`,
            data: { toolwatch: { action: "block", code: err.code } },
          };
        }
        // Input the detector refused: the failure policy decides, as in the plugin server and the middleware.
        const r = describeRefusal(tool, err, d.config);
        metrics.refused(r.code, r.action);
        log.warn(
          { tool: tool.slice(0, 80), code: r.code, err: r.message, action: r.action },
          r.action === "block"
            ? "tool call input refused: blocked (failure policy closed)"
            : "tool call input refused: allowed unchecked (failure policy open)",
        );
        if (r.action === "block")
          return {
            code: BLOCKED_ERROR_CODE,
            message: r.description,
            data: { ...r.metadata, code: "BLOCKED", http_status: r.httpStatus },
          };
        unscored.add(identity);
        return undefined;
      }
      metrics.decision(decision, (performance.now() - t0) / 1000);
      o.onDecision?.(decision, { tool, args, identity });
      const metadata = decisionMetadata(decision);
      const logged = {
        tool,
        action: decision.action,
        risk: metadata.toolwatch.risk_score,
        reasons: metadata.toolwatch.reasons.map((r) => r.code),
      };
      if (asker?.applies(decision)) {
        return {
          held: asker.settle(decision, { tool, args, identity }, channel).then((s) => (s.run ? undefined : s.refusal)),
        };
      }
      if (decision.action !== "block") {
        if (decision.action === "warn") log.warn(logged, "tool call warned");
        else log.debug(logged, "tool call allowed");
        return undefined;
      }
      const b = describeBlock(decision, d.config);
      log.warn(logged, "tool call blocked");
      return {
        code: BLOCKED_ERROR_CODE,
        message: b.description,
        data: {
          ...metadata,
          code: b.code,
          http_status: b.httpStatus,
          ...(b.retryAfterMs !== undefined ? { retry_after_ms: b.retryAfterMs } : {}),
        },
      };
    },
    async after({ tool, identity }, isError) {
      if (unscored.has(identity)) return;
      await d.after({ tool, identity, time: clock() }, { isError });
    },
  };

  const server = await createGatewayServer({
    host,
    port: o.port ?? 0,
    tls: o.tls,
    limits: o,
    path,
    detector: d,
    metrics,
    logger: log,
    admin: { adminToken: o.adminToken, store: o.store },
    metricsRefusal: (req) => {
      if (metricsOpen || hasBearer(req, o.metricsToken) || hasBearer(req, o.adminToken)) return undefined;
      const how =
        o.metricsToken === undefined && o.adminToken === undefined
          ? "; set a metrics token (proxy.metrics_token or TOOLWATCH_METRICS_TOKEN)"
          : "";
      return `/metrics needs 'Authorization: Bearer <metrics or admin token>'${how}`;
    },
    authenticate: async (req) => {
      let identity: Identity;
      try {
        identity = await authenticate(req);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        log.warn({ err: err.message }, "request refused: identity not verified");
        throw new Unauthorized(err.message);
      }
      // The SDK hands it to message handlers as extra.authInfo.
      return {
        token: "",
        clientId: identity.principal,
        scopes: [],
        extra: { principal: identity.principal, tenant: identity.tenant },
      };
    },
    mcp: {
      // an idle session also holds an upstream connection (or a spawned upstream process)
      connect: async (down) => {
        const relay = new Relay(down, upstreamTransport(o), guard, log);
        try {
          await relay.start();
        } catch (err) {
          await relay.close();
          throw new Error(`cannot reach upstream: ${(err as Error).message}`);
        }
      },
      maxBodyBytes: o.maxBodyBytes ?? 4 << 20,
      maxSessions: o.maxSessions ?? 1000,
    },
    failure: { status: 502, message: (err) => err.message, log: "proxy request failed" },
  });
  log.info({ url: server.url, upstream: o.upstream.split(/\s/)[0] }, "toolwatch proxy listening");
  return server;
}
