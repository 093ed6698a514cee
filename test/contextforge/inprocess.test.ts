// The in-process plugin (toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin) loaded by ContextForge's
// own plugin framework from the Python host in this checkout: the prior plugin's entry with one changed
// `kind` line, beside `toolwatch serve` on the same stream, one baseline across (team, tool) contexts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  drive,
  mcpIdentity,
  serve,
  skipReason,
  toolwatchEntry,
  writeConfig,
  type CallOutcome,
  type HookOutcome,
  type Op,
  type Served,
} from "./harness.js";
import { ensureInProcessVenv, inProcessEntry, PRIOR_ART_BLOCK, sourceEnv } from "./inprocess-helpers.js";

const erin = mcpIdentity("erin@acme.example", "team-ops");

/** Routine work (read/list, with outcomes), then a burst of never-seen tools: the exfiltration. */
function stream(plugin?: string, manager = (_i: number) => 0): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < 12; i++) {
    ops.push({
      op: "call",
      tool: i % 2 ? "list_files" : "read_file",
      args: { path: "/reports" },
      identity: erin,
      post: true,
      plugin,
      manager: manager(i),
      label: "routine",
    });
  }
  for (let i = 0; i < 25; i++)
    ops.push({
      op: "call",
      tool: `export_table_${i}`,
      args: { dest: "s3://drop" },
      identity: erin,
      plugin,
      manager: manager(i),
      label: "exfil",
    });
  return ops;
}

const blocked = (o: HookOutcome) => o.raised === "PluginViolationError";
const verdict = (o: HookOutcome) => (blocked(o) ? "block" : o.metadata?.toolwatch?.action);

describe.skipIf(skipReason !== undefined)("toolwatch in process, loaded by ContextForge's plugin manager", () => {
  let http: Served;
  beforeAll(async () => {
    ensureInProcessVenv();
    http = await serve(writeConfig(PRIOR_ART_BLOCK), ["--log-level", "error"]);
  }, 240_000);
  afterAll(async () => {
    await http?.close();
  });

  it("takes the prior plugin's entry with only `kind` changed, and stops an exfiltration burst as `toolwatch serve` does", async () => {
    const IN = "ToolwatchInProcess";
    const EXT = "ToolCallAnomalyDetection";
    const ops: Op[] = [];
    // each call through both plugins, in process first, then the external server with the same settings
    for (const op of stream())
      for (const plugin of [IN, EXT]) ops.push({ ...(op as Extract<Op, { op: "call" }>), plugin });
    const r = await drive(
      { plugins: [inProcessEntry(PRIOR_ART_BLOCK, IN), toolwatchEntry({ url: http.url }, EXT)], ops },
      sourceEnv(),
    );
    expect(r.init_error).toBeUndefined();
    expect(r.loaded).toBe(2);
    const calls = r.ops as CallOutcome[];
    const inproc = calls.filter((c) => c.plugin === IN);
    const ext = calls.filter((c) => c.plugin === EXT);
    expect(inproc.map((c) => c.pre.raised ?? null).filter((x) => x === "PluginError")).toEqual([]);

    // routine is never blocked; the burst of never-seen tools is, and as a rate limit once volume leads
    expect(inproc.slice(0, 12).some((c) => blocked(c.pre))).toBe(false);
    expect(inproc.slice(0, 12).every((c) => c.post?.metadata?.toolwatch?.tracked === true)).toBe(true);
    const stops = inproc.slice(12).filter((c) => blocked(c.pre));
    expect(stops.length).toBeGreaterThan(0);
    const v = stops.at(-1)!.pre.violation!;
    expect(v).toMatchObject({
      code: "RATE_LIMIT",
      http_status_code: 429,
      mcp_error_code: -32003,
      http_headers: { "Retry-After": "60" },
    });
    expect(v.details.toolwatch.reasons.map((x: { code: string }) => x.code)).toEqual(
      expect.arrayContaining(["UNSEEN_TOOL", "BURST"]),
    );
    expect(v.description).toMatch(/^toolwatch blocked "export_table_\d+" \(risk 0\.\d\d\): /);
    expect(JSON.stringify(inproc.map((c) => c.pre))).not.toContain("erin@");

    // the same decisions, reasons and violation shapes (figures in messages move with timing between the two
    // plugins; the wording itself is compared on fixed times in test/hosts/python.test.ts) as the external server, call by call
    expect(inproc.map((c) => verdict(c.pre))).toEqual(ext.map((c) => verdict(c.pre)));
    const shape = (o: HookOutcome) =>
      blocked(o)
        ? {
            code: o.violation!.code,
            http: o.violation!.http_status_code,
            mcp: o.violation!.mcp_error_code,
            headers: o.violation!.http_headers ?? null,
            reason: o.violation!.reason,
            keys: Object.keys(o.violation!.details.toolwatch).sort(),
            reasons: o.violation!.details.toolwatch.reasons.map((x: { code: string }) => x.code),
          }
        : {
            keys: Object.keys(o.metadata!.toolwatch).sort(),
            reasons: o.metadata!.toolwatch.reasons.map((x: { code: string }) => x.code),
          };
    expect(inproc.map((c) => shape(c.pre))).toEqual(ext.map((c) => shape(c.pre)));
    const risks = (cs: CallOutcome[]) =>
      cs.map(
        (c) =>
          (blocked(c.pre)
            ? c.pre.violation!.details.toolwatch.risk_score
            : c.pre.metadata!.toolwatch.risk_score) as number,
      );
    for (const [i, x] of risks(inproc).entries()) expect(Math.abs(x - risks(ext)[i]!), `call ${i}`).toBeLessThan(0.01);
    expect(Object.keys(inproc[0]!.post!.metadata!.toolwatch).sort()).toEqual(
      Object.keys(ext[0]!.post!.metadata!.toolwatch).sort(),
    );
  }, 120_000);

  it("shares one baseline across the gateway's (team, tool) contexts in a process, and across a manager restart", async () => {
    const NAME = "ToolCallAnomalyDetection";
    // the routine goes through context 0, the probe through context 1 and then through a rebuilt manager
    const ops: Op[] = [
      ...stream(NAME).slice(0, 12),
      { op: "inspect", plugin: NAME },
      { op: "call", tool: "read_file", args: { path: "/reports" }, identity: erin, plugin: NAME, manager: 1 },
      { op: "restart" },
      { op: "inspect", plugin: NAME },
      { op: "call", tool: "list_files", args: { path: "/reports" }, identity: erin, plugin: NAME, manager: 1 },
    ];
    const r = await drive({ plugins: [inProcessEntry(PRIOR_ART_BLOCK, NAME)], ops, managers: 2 }, sourceEnv());
    expect(r.init_error).toBeUndefined();
    const [before, probe, restarted, after, probe2] = r.ops.slice(12) as any[];
    expect(before.inspect).toHaveLength(2);
    expect(before.inspect[0].class).toBe("ToolCallAnomalyDetectionPlugin");
    expect(before.inspect[0].detector_id).toBe(before.inspect[1].detector_id);
    // context 1 never saw erin, yet judges her against the routine she built through context 0 (a detector of
    // its own would have her in learning, with read_file unseen); the 13 quick calls may still warn as a burst
    const codes = (o: any) => o.pre.metadata.toolwatch.reasons.map((x: { code: string }) => x.code);
    expect(probe.pre.metadata.toolwatch).toMatchObject({ baseline: "own", anomaly_mode: "active" });
    expect(codes(probe)).not.toContain("UNSEEN_TOOL");
    expect(restarted.restarted).toBe(2);
    expect(after.inspect[0].detector_id).toBe(before.inspect[0].detector_id);
    expect(after.inspect[1].detector_id).toBe(before.inspect[0].detector_id);
    expect(probe2.pre.metadata.toolwatch).toMatchObject({ baseline: "own" });
    expect(codes(probe2)).not.toContain("UNSEEN_TOOL");
  }, 60_000);

  it('an unauthenticated caller (user "unknown") is no identity; refused input is decided by failurePolicy', async () => {
    const ops: Op[] = [
      {
        op: "call",
        tool: "read_file",
        args: {},
        identity: { user: "unknown", tenant_id: "team-ops" },
        plugin: "Refuse",
      },
      {
        op: "call",
        tool: "read_file",
        args: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])),
        identity: erin,
        plugin: "Closed",
      },
      {
        op: "call",
        tool: "read_file",
        args: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])),
        identity: erin,
        plugin: "Open",
        post: true,
      },
    ];
    const r = await drive(
      {
        plugins: [
          inProcessEntry({ ...PRIOR_ART_BLOCK, anonymous: "refuse" }, "Refuse"),
          inProcessEntry({ ...PRIOR_ART_BLOCK, failure_policy: "closed" }, "Closed"),
          inProcessEntry({ ...PRIOR_ART_BLOCK, failurePolicy: "open" }, "Open"),
        ],
        ops,
      },
      sourceEnv(),
    );
    expect(r.loaded).toBe(3);
    const [anon, closed, open] = r.ops as CallOutcome[];
    expect(anon!.pre.violation).toMatchObject({
      code: "BLOCKED",
      http_status_code: 403,
      details: { toolwatch: { reasons: [{ code: "ANONYMOUS_REFUSED" }] } },
    });
    expect(closed!.pre.violation).toMatchObject({
      code: "BLOCKED",
      http_status_code: 413,
      mcp_error_code: -32003,
      reason: "Tool call input refused",
    });
    expect(closed!.pre.violation!.description).toMatch(/ARGS_TOO_LARGE.*failure policy closed: blocked/);
    expect(open!.pre.continue).toBe(true);
    expect(open!.pre.metadata!.toolwatch).toMatchObject({ action: "allow", refused: { code: "ARGS_TOO_LARGE" } });
    expect(open!.post!.metadata!.toolwatch).toMatchObject({ tracked: false, refused: "ARGS_TOO_LARGE" });
  }, 60_000);

  it("sees the tool's arguments through the whole chain under the gateway's payload policies (an external plugin gets {})", async () => {
    const wide = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    const r = await drive(
      {
        plugins: [inProcessEntry(PRIOR_ART_BLOCK)],
        ops: [{ op: "call", tool: "store_note", args: wide, identity: erin }],
      },
      sourceEnv(),
    );
    const [c] = r.ops as CallOutcome[];
    expect(c!.pre.raised).toBe("PluginViolationError");
    expect(c!.pre.violation!.details.toolwatch.reasons[0].code).toBe("ARGS_TOO_LARGE");
  }, 60_000);

  it("refuses a misspelt setting with the Node host's message (the gateway fails to load it)", async () => {
    const r = await drive(
      { plugins: [inProcessEntry({ ...PRIOR_ART_BLOCK, learning_window_secs: 5 })], ops: [] },
      { ...sourceEnv(), PLUGINS_FAIL_ON_PLUGIN_ERROR: "true" },
    );
    expect(r.init_error).toContain(
      'config: unknown key "learning_window_secs" (did you mean "learningWindowSeconds"?)',
    );
  }, 60_000);
});
