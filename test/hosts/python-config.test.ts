// The Python host speaks the Node host's language: the same config vocabulary (camelCase, snake_case, the prior
// ContextForge plugin's keys) refused with the same messages, and the same ContextForge metadata and block
// wording on the same calls. Each case runs through js/ and through hosts/python (a subprocess) and is compared.
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseConfig } from "../../js/config/parse.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { decisionMetadata } from "../../js/metadata.js";
import { describeBlock } from "../../js/blocked-call.js";

const root = join(import.meta.dirname, "..", "..");
const python = process.env.TOOLWATCH_PYTHON ?? join(root, ".venv", "bin", "python");
const env = {
  ...process.env,
  PYTHONPATH: join(root, "hosts", "python"),
  TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm"),
};
const py = (code: string): string => execFileSync(python, ["-c", code], { env, cwd: root, encoding: "utf8" });

describe("Python host, in the Node host's words", () => {
  it("takes the Node host's whole config vocabulary (camelCase, snake_case, the prior plugin's block) with its messages", () => {
    const cases: unknown[] = [
      { learning_window_seconds: -1 },
      { burstThreshold: 1.5 },
      { burstThreshold: "x" },
      { action: "nope" },
      { warnThreshold: 0.9 },
      { warn_threshold: 0.9, block_threshold: 0.8 },
      { maxEntities: 1 },
      { bogus: 1 },
      { learningWindowSecond: 3 },
      { signals: { burst: { weight: 2 } } },
      { signals: { bursty: {} } },
      { signals: { burst: { mode: "x", foo: 1 } } },
      { novelty_score_weight: 2 },
      { timeZone: "" },
      { timeZone: 5000 },
      { timeZone: true },
      { timeZones: { a: "" } },
      { allowlist: { tools: [""] } },
      { allowlist: { x: 1 } },
      { allowlist: { entities: [{ tenant: 1 }] } },
      { learningWindowSeconds: 1, learning_window_seconds: 2 },
      { rateSmoothing: 0 },
      { max_history_per_user: 5 },
      { budgetBytes: 1e10 },
      { learnFromWarned: 1 },
      { identityHeaders: { principal: 3 } },
      { signals: 3 },
      { allowlist: [] },
      { offHoursStart: null },
      { valueRepeatFull: 0.9 },
      { hashSeed: -1 },
      { timeZones: [] },
      { minCalls: 1e20 },
      { timeZone: 1.5 },
      { zzz: 1, action: "x", burstThreshold: 0, signals: { q: 1, burst: 3 } },
      { warnThreshold: 0.9, zzz: 1 },
      { warnThreshold: 0.9, action: 5 },
      { rateSpikeHigh: 1 },
      { "learning-window-seconds": 1 },
      { Action: "block" },
      // misspelt keys get the closest valid one, at the top level and in nested objects
      { minCals: 3 },
      { allowlist: { tool: ["x"] } },
      { signals: { burst: { weigth: 1 } } },
      { identityHeaders: { principl: "x" } },
      {
        learning_window_seconds: 3600,
        burst_window_seconds: 60,
        burst_threshold: 20,
        novelty_score_weight: 0.35,
        burst_score_weight: 0.35,
        frequency_score_weight: 0.15,
        block_threshold: 0.8,
        warn_threshold: 0.5,
        max_history_per_user: 1000,
        off_hours_start: 22,
        off_hours_end: 6,
        off_hours_score_bonus: 0.15,
        action: "warn",
      },
      {
        time_zone: "Europe/Paris",
        failure_policy: "open",
        novelty_score_weight: 0.2,
        signals: { unseenTool: { mode: "shadow" } },
        learn_from_warned: true,
      },
    ];
    const node = cases.map((c) => {
      try {
        return { ok: parseConfig(c as Record<string, unknown>) };
      } catch (e) {
        return { err: (e as Error).message };
      }
    });
    const out = py(`
import json
from toolwatch_wasm import Detector, ToolwatchError
from toolwatch_wasm.config import parse_config
out = []
for c in json.loads(${JSON.stringify(JSON.stringify(cases))}):
    try:
        out.append({"ok": parse_config(c)})
    except ToolwatchError as e:
        out.append({"err": str(e)})
d = Detector({"learning_window_seconds": 60, "time_zone": "Europe/Paris", "failure_policy": "open"})
print(json.dumps({"cases": out, "detector": d.config}))
`);
    const r = JSON.parse(out);
    expect(r.cases).toEqual(node);
    // a Detector takes snake_case too, and its host settings are read under their camelCase names
    expect(r.detector).toEqual({ learningWindowSeconds: 60, timeZone: "Europe/Paris", failurePolicy: "open" });
  });

  it("words ContextForge metadata and blocks exactly as the Node host on the same calls", () => {
    const config = {
      minCalls: 5,
      learningWindowSeconds: 0,
      burstThreshold: 8,
      burstWindowSeconds: 60,
      blockThreshold: 0.6,
      offHoursStart: 0,
      offHoursEnd: 0,
    };
    const t0 = Date.UTC(2026, 0, 5, 10);
    const calls: Array<{ tool: string; args: Record<string, unknown>; principal: string; time: number }> = [];
    for (let i = 0; i < 20; i++)
      calls.push({
        tool: i % 2 ? "read_file" : "send_email",
        args: i % 2 ? { path: "/a" } : { to: `x${i % 3}@acme.example` },
        principal: "ana",
        time: t0 + i * 300_000,
      });
    calls.push({ tool: "send_email", args: { to: "drop@evil.example" }, principal: "ana", time: t0 + 21 * 300_000 });
    calls.push({ tool: "read_file", args: { path: "/a", follow: true }, principal: "ana", time: t0 + 22 * 300_000 });
    for (let i = 0; i < 12; i++)
      calls.push({
        tool: `export_${i}`,
        args: { dest: "s3://x" },
        principal: "ana",
        time: t0 + 23 * 300_000 + i * 500,
      });
    const d = createDetector(config);
    const node = calls.map((c) => {
      const dec = d.check({
        tool: c.tool,
        args: c.args,
        identity: { principal: c.principal, tenant: "acme" },
        time: c.time,
      });
      const b = dec.action === "block" ? describeBlock(dec, d.config) : undefined;
      return {
        meta: decisionMetadata(dec),
        block: b
          ? {
              code: b.code,
              http: b.httpStatus,
              reason: b.reason,
              description: b.description,
              retry: b.retryAfterMs ?? null,
            }
          : null,
      };
    });
    const out = py(`
import json
from toolwatch_wasm import Detector
from toolwatch_wasm.contextforge import metadata, describe_block
d = Detector(json.loads(${JSON.stringify(JSON.stringify(config))}))
out = []
for c in json.loads(${JSON.stringify(JSON.stringify(calls))}):
    dec = d.check(c["tool"], c["args"], principal=c["principal"], tenant="acme", time_ms=c["time"])
    b = describe_block(dec, d.config) if dec.action == "block" else None
    out.append({"meta": metadata(dec), "block": {"code": b["code"], "http": b["http_status"], "reason": b["reason"],
                "description": b["description"], "retry": b.get("retry_after_ms")} if b else None})
print(json.dumps(out))
`);
    const py_ = JSON.parse(out);
    expect(py_).toEqual(node);
    expect(node.filter((x) => x.block).length).toBeGreaterThan(0);
    expect(new Set(node.flatMap((x) => x.meta.toolwatch.reasons.map((r) => r.code))).size).toBeGreaterThan(3);
  });
});
