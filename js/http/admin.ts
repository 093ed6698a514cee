// Operator feedback and maintenance over HTTP, behind the admin credential only:
// allowlist, "this call was fine" (learn), stats, snapshot, revert.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DetectorLike } from "../guard.js";
import { isToolwatchError } from "../refused-input.js";
import type { Logger } from "../log.js";
import { BodyError, hasBearer, readJsonBody, sendJson } from "./io.js";

export const ADMIN_PREFIX = "/admin/";

const NO_STORE =
  "snapshots need a state directory (state.dir in the config file, or TOOLWATCH_STATE_DIR); this server keeps its state in memory only";

const typeName = (v: unknown): string => (Array.isArray(v) ? "an array" : v === null ? "null" : `a ${typeof v}`);

/** What is wrong with an allowlist entry, naming the key; undefined when it is usable. An empty entry
 * or an empty tenant/principal would match far more than meant (tenant "" is every call without one). */
function badAllowEntry(b: Record<string, unknown>): string | undefined {
  const keys = Object.keys(b);
  if (keys.length === 0)
    return "allowlist: the body needs {tool}, {principal}, {tenant} or {tenant, principal}; got {}";
  for (const k of keys) {
    const v = b[k];
    // unknown keys are left to the detector's own message
    if (["tool", "principal", "tenant"].includes(k) && (typeof v !== "string" || v.length === 0))
      return `allowlist: ${k} must be a non-empty string, got ${typeof v === "string" ? "an empty string" : typeName(v)}`;
  }
  return undefined;
}

/** What is wrong with a feedback body, naming the key. */
function badFeedback(b: Record<string, unknown>): string | undefined {
  const usage = "feedback needs {tool, args?, principal?, tenant?, time?}";
  if (typeof b.tool !== "string" || b.tool.length === 0)
    return `${usage}: tool must be a non-empty string, got ${b.tool === undefined ? "none" : typeName(b.tool)}`;
  if (b.args !== undefined && !obj(b.args)) return `${usage}: args must be an object, got ${typeName(b.args)}`;
  for (const k of ["principal", "tenant"])
    if (b[k] !== undefined && typeof b[k] !== "string") return `${usage}: ${k} must be a string, got ${typeName(b[k])}`;
  if (b.time !== undefined && (typeof b.time !== "number" || !Number.isFinite(b.time) || b.time < 0))
    return `${usage}: time must be the call's time in milliseconds since the epoch, got ${typeof b.time === "string" ? JSON.stringify(b.time.slice(0, 40)) : typeName(b.time)}`;
  return undefined;
}

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

const fail = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { error: { code, message } });

export async function handleAdmin(
  o: AdminOptions,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
): Promise<void> {
  if (o.adminToken === undefined)
    return fail(
      res,
      403,
      "ADMIN_DISABLED",
      "admin operations are disabled: set an admin token (TOOLWATCH_ADMIN_TOKEN or server.adminToken)",
    );
  if (!hasBearer(req, o.adminToken)) {
    if (hasBearer(req, o.hookToken))
      return fail(res, 403, "FORBIDDEN", "the hook credential cannot run admin operations; use the admin token");
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
      case "POST allowlist": {
        const bad = badAllowEntry(body);
        if (bad) return fail(res, 400, "INVALID_REQUEST", bad);
        await d.allow(body as never);
        o.logger.info({ op: "allowlist", entry: Object.keys(body) }, "admin: allowlist entry added");
        return sendJson(res, 200, { ok: true });
      }
      case "DELETE allowlist":
        await d.clearAllowlist();
        o.logger.info({ op: "allowlist-clear" }, "admin: allowlist cleared");
        return sendJson(res, 200, { ok: true });
      case "POST feedback": {
        const bad = badFeedback(body);
        if (bad) return fail(res, 400, "INVALID_REQUEST", bad);
        await d.learn({
          tool: body.tool as string,
          args: obj(body.args) ?? {},
          principal: body.principal as string | undefined,
          tenant: body.tenant as string | undefined,
          time: body.time as number | undefined,
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
        return sendJson(res, 200, {
          snapshots: o.store
            .list()
            .map((x) => ({ seq: x.seq, bytes: x.bytes, time: new Date(x.mtimeMs).toISOString() })),
        });
      case "POST revert": {
        if (!o.store) return fail(res, 501, "NOT_AVAILABLE", NO_STORE);
        const steps = body.steps ?? 1;
        if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 0)
          return fail(
            res,
            400,
            "INVALID_REQUEST",
            "revert: steps must be a non-negative integer (1 = the snapshot before the newest)",
          );
        const snap = o.store.revert(steps);
        o.logger.warn({ op: "revert", seq: snap.seq, steps }, "admin: baselines reverted");
        return sendJson(res, 200, { ok: true, reverted: { seq: snap.seq, bytes: snap.bytes } });
      }
      default:
        return fail(
          res,
          404,
          "NOT_FOUND",
          `no admin operation ${op}; try GET stats, POST allowlist, DELETE allowlist, POST feedback, POST snapshot, GET snapshots, POST revert`,
        );
    }
  } catch (err) {
    if (err instanceof BodyError) return fail(res, err.status, "INVALID_REQUEST", err.message);
    if (isToolwatchError(err)) return fail(res, 400, err.code, err.message);
    o.logger.error({ err: (err as Error).message, op }, "admin operation failed");
    return fail(res, 500, "INTERNAL_ERROR", `admin ${op} failed: ${(err as Error).message}`);
  }
}
