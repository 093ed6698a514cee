// Operator feedback and maintenance over HTTP, behind the admin credential only:
// allowlist, "this call was fine" (learn), stats, snapshot, revert.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isToolwatchError, type DetectorLike } from "../mcp-sdk/detector-like.js";
import type { Logger } from "../../log.js";
import { BodyError, hasBearer, readJsonBody, sendJson } from "./http-common.js";

export const ADMIN_PREFIX = "/admin/";

const NO_STORE = "snapshots need a state directory (server.stateDir or TOOLWATCH_STATE_DIR); this server keeps its state in memory only";

/** Saved baselines (a file store bound to the detector): save now, list, go back. */
export interface SnapshotStore {
  save(): { seq: number; bytes: number };
  list(): Array<{ seq: number; bytes: number; mtimeMs: number }>;
  revert(steps: number): { seq: number; bytes: number };
}

export interface AdminOptions {
  detector: DetectorLike;
  store?: SnapshotStore;
  adminToken?: string;
  hookToken?: string;
  logger: Logger;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const fail = (res: ServerResponse, status: number, code: string, message: string) => sendJson(res, status, { error: { code, message } });

export async function handleAdmin(o: AdminOptions, req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
  if (o.adminToken === undefined) return fail(res, 403, "ADMIN_DISABLED", "admin operations are disabled: set an admin token (TOOLWATCH_ADMIN_TOKEN or server.adminToken)");
  if (!hasBearer(req, o.adminToken)) {
    if (hasBearer(req, o.hookToken)) return fail(res, 403, "FORBIDDEN", "the hook credential cannot run admin operations; use the admin token");
    return fail(res, 401, "UNAUTHORIZED", "admin operations need 'Authorization: Bearer <admin token>'");
  }
  const d = o.detector;
  const op = `${req.method} ${route}`;
  try {
    let body: Record<string, unknown> = {};
    if (req.method === "POST") {
      const raw = await readJsonBody(req, 64 * 1024).catch((e) => {
        if (e instanceof BodyError && e.message.includes("empty")) return {};
        throw e;
      });
      const b = obj(raw);
      if (!b) return fail(res, 400, "INVALID_REQUEST", "the body must be a JSON object");
      body = b;
    }
    switch (op) {
      case "GET stats":
        return sendJson(res, 200, await d.stats());
      case "POST allowlist":
        await d.allow(body as never);
        o.logger.info({ op: "allowlist", entry: Object.keys(body) }, "admin: allowlist entry added");
        return sendJson(res, 200, { ok: true });
      case "DELETE allowlist":
        await d.clearAllowlist();
        o.logger.info({ op: "allowlist-clear" }, "admin: allowlist cleared");
        return sendJson(res, 200, { ok: true });
      case "POST feedback": {
        if (typeof body.tool !== "string") return fail(res, 400, "INVALID_REQUEST", "feedback needs {tool, args?, principal?, tenant?, time?}");
        await d.learn({
          tool: body.tool,
          args: obj(body.args) ?? {},
          principal: typeof body.principal === "string" ? body.principal : undefined,
          tenant: typeof body.tenant === "string" ? body.tenant : undefined,
          time: typeof body.time === "number" ? body.time : undefined,
        });
        o.logger.info({ op: "feedback", tool: body.tool }, "admin: call learned as fine");
        return sendJson(res, 200, { ok: true, learned: true });
      }
      case "POST snapshot": {
        if (!o.store) return fail(res, 501, "NOT_AVAILABLE", NO_STORE);
        const snap = o.store.save();
        o.logger.info({ op: "snapshot", seq: snap.seq, bytes: snap.bytes }, "admin: snapshot saved");
        return sendJson(res, 200, { ok: true, snapshot: { seq: snap.seq, bytes: snap.bytes } });
      }
      case "GET snapshots":
        if (!o.store) return fail(res, 501, "NOT_AVAILABLE", NO_STORE);
        return sendJson(res, 200, { snapshots: o.store.list().map((x) => ({ seq: x.seq, bytes: x.bytes, time: new Date(x.mtimeMs).toISOString() })) });
      case "POST revert": {
        if (!o.store) return fail(res, 501, "NOT_AVAILABLE", NO_STORE);
        const steps = body.steps ?? 1;
        if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 0) return fail(res, 400, "INVALID_REQUEST", "revert: steps must be a non-negative integer (1 = the snapshot before the newest)");
        const snap = o.store.revert(steps);
        o.logger.warn({ op: "revert", seq: snap.seq, steps }, "admin: baselines reverted");
        return sendJson(res, 200, { ok: true, reverted: { seq: snap.seq, bytes: snap.bytes } });
      }
      default:
        return fail(res, 404, "NOT_FOUND", `no admin operation ${op}; try GET stats, POST allowlist, DELETE allowlist, POST feedback, POST snapshot, GET snapshots, POST revert`);
    }
  } catch (err) {
    if (err instanceof BodyError) return fail(res, err.status, "INVALID_REQUEST", err.message);
    if (isToolwatchError(err)) return fail(res, 400, err.code, err.message);
    o.logger.error({ err: (err as Error).message, op }, "admin operation failed");
    return fail(res, 500, "INTERNAL_ERROR", `admin ${op} failed: ${(err as Error).message}`);
  }
}

