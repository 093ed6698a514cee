// The toolwatch command as users run it: replay, demo, proxy (real child processes).
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { httpClient } from "./helpers.js";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "toolwatch.mjs");
const dir = mkdtempSync(join(tmpdir(), "tw-cli-"));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });

/** A labelled stream: two principals' routine work, then one of them turns to new tools. */
function writeEvents(path: string, extraLines: string[] = []): { calls: number; attacks: number } {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 5, 9);
  let calls = 0;
  for (let i = 0; i < 400; i++) {
    const principal = i % 2 ? "alice" : "bob";
    const tool = ["read_file", "search_docs", "list_files"][i % 3];
    lines.push(
      JSON.stringify({
        time: new Date(t0 + i * 600_000).toISOString(),
        tenant: "acme",
        principal,
        tool,
        args: { q: `v${i % 4}` },
        label: "benign",
      }),
    );
    calls++;
  }
  const attacks = ["export_table", "http_post", "send_email", "delete_repo"];
  attacks.forEach((tool, k) => {
    lines.push(
      JSON.stringify({
        time: t0 + 400 * 600_000 + k * 60_000,
        tenant: "acme",
        principal: "alice",
        tool,
        args: { target: "x" },
        label: "attack",
      }),
    );
    calls++;
  });
  writeFileSync(path, `${[...lines.slice(0, 10), ...extraLines, ...lines.slice(10)].join("\n")}\n`);
  return { calls, attacks: attacks.length };
}

describe("toolwatch replay", () => {
  it("summarises, writes the JSON report, and prints detection metrics when labels exist", () => {
    const events = join(dir, "events.jsonl");
    const out = join(dir, "report.json");
    const { calls, attacks } = writeEvents(events, [
      "",
      "{not json",
      JSON.stringify({ time: 1, tool: 5 }),
      JSON.stringify({ time: "yesterday", tool: "x" }),
    ]);
    const r = run(["replay", events, "--out", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${calls} calls`));
    expect(r.stdout).toMatch(/allowed \d+ .*warned \d+ .*blocked \d+/);
    expect(r.stdout).toMatch(/bad lines 3 \(skipped\)/);
    expect(r.stdout).toMatch(/detection on \d+ labelled calls \(4 attacks\)/);
    expect(r.stdout).toMatch(/ROC-AUC of risk\s+\d\.\d{4}/);
    expect(r.stdout).toContain("top reasons");
    // bad lines are named with their line numbers (blank line 11 is not an error)
    expect(r.stderr).toContain("line 12: not valid JSON");
    expect(r.stderr).toContain('line 13: "tool" must be a non-empty string, got number');
    expect(r.stderr).toContain('line 14: "time" is not an ISO-8601 date');
    expect(r.stderr).not.toMatch(/\r\[/); // no progress bar when stderr is not a terminal
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.calls).toBe(calls);
    expect(report.allowed + report.warned + report.blocked).toBe(calls);
    expect(report.badLines).toBe(3);
    expect(report.badLineSamples.map((b: any) => b.line)).toEqual([12, 13, 14]);
    expect(report.detection.attacks).toBe(attacks);
    expect(report.detection.flagged.tp + report.detection.flagged.fn).toBe(attacks);
    expect(report.detection.flagged.recall).toBeGreaterThan(0);
    expect(report.topEntities[0].principal).toBe("alice");
    expect(report.stateHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is deterministic: the same file gives the same report", () => {
    const events = join(dir, "same.jsonl");
    writeEvents(events);
    const a = run(["replay", events, "--out", join(dir, "a.json"), "--quiet"]);
    const _b = run(["replay", events, "--out", join(dir, "b.json"), "--quiet"]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe("");
    const strip = (p: string) => {
      const { durationMs, callsPerSecond, ...rest } = JSON.parse(readFileSync(p, "utf8"));
      return rest;
    };
    expect(strip(join(dir, "a.json"))).toEqual(strip(join(dir, "b.json")));
  });

  it("--strict stops at the first bad line", () => {
    const events = join(dir, "strict.jsonl");
    writeEvents(events, ['{"time": 1, "tool": "x", "args": [1]}']);
    const r = run(["replay", events, "--strict"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('line 11: "args" must be an object, got an array (--strict)');
  });

  it("applies --config and reports a missing file clearly", () => {
    const events = join(dir, "cfg.jsonl");
    writeEvents(events);
    const cfg = join(dir, "monitor.json");
    writeFileSync(cfg, JSON.stringify({ action: "warn" }));
    const r = run(["replay", events, "--config", cfg, "--out", join(dir, "warn.json"), "--quiet"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "warn.json"), "utf8")).blocked).toBe(0);
    const missing = run(["replay", join(dir, "nope.jsonl")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl/);
    const usage = run(["replay"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/give the events file/);
  });
});

describe("toolwatch demo", () => {
  const summary = (out: string) => {
    const m =
      /exfiltration steps: (\d+) \((\d+) blocked, (\d+) warned, (\d+) allowed\); routine calls: (\d+) \((\d+) allowed, (\d+) warned, (\d+) blocked\)/.exec(
        out,
      );
    expect(m, out).not.toBeNull();
    const [steps, blocked, warned, allowed, , , , routineBlocked] = m!.slice(1).map(Number);
    return { steps: steps!, blocked: blocked!, warned: warned!, allowed: allowed!, routineBlocked: routineBlocked! };
  };

  it("on the defaults: every exfiltration step is stopped or flagged, and it says what --strict would do", () => {
    const r = run(["demo"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("routine work, five days");
    expect(r.stdout).toContain("detector config: the defaults");
    expect(r.stdout).toMatch(/UNSEEN_TOOL: tool never used by this principal/);
    const s = summary(r.stdout);
    expect(s.allowed).toBe(0);
    expect(s.blocked).toBeGreaterThan(0);
    expect(s.routineBlocked).toBe(0);
    if (s.blocked < s.steps) expect(r.stdout).toContain("toolwatch demo --strict");
  });

  it("--strict blocks every exfiltration step with reasons, and no routine call", () => {
    const r = run(["demo", "--strict"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/BLOCK risk \d\.\d\d\s+export_table/);
    expect(r.stdout).toContain("the call never reached the server");
    const s = summary(r.stdout);
    expect(s.blocked).toBe(s.steps);
    expect(s.routineBlocked).toBe(0);
  });
});

describe("toolwatch proxy", () => {
  it("starts from the command line, prints its URL, and forwards with a verified JWT", async () => {
    const secret = "cli-proxy-secret-0123456789abcdef";
    const child = spawn(
      process.execPath,
      [
        BIN,
        "proxy",
        "--port",
        "0",
        "--upstream",
        `"${process.execPath}" "${join(ROOT, "examples", "demo-server", "server.mjs")}"`,
        "--log-level",
        "warn",
      ],
      {
        env: { ...process.env, TOOLWATCH_JWT_SECRET: secret },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (b) => {
          out += b;
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once("exit", (c) => reject(new Error(`proxy exited ${c}`)));
      });
      const token = await new SignJWT({ sub: "zoe", tenant: "acme" })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(secret));
      const c = await httpClient(url, { authorization: `Bearer ${token}` });
      const r = await c.callTool({ name: "search_docs", arguments: { query: "q" } });
      expect((r.content as any)[0].text).toBe('3 results for "q"');
      await c.close();
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses to start without an identity source or an upstream", () => {
    const r = run(["proxy", "--upstream", "http://127.0.0.1:9/mcp", "--port", "0"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs an identity source/);
    const u = run(["proxy", "--port", "0", "--anonymous"]);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/--upstream is required/);
    const bad = run(["proxy", "--bogus"]);
    expect(bad.stderr).toMatch(/unknown option --bogus/);
  });
});

describe("docs stay true", () => {
  it("the example in docs/REPLAY-FORMAT.md replays without a bad line", () => {
    const doc = readFileSync(join(ROOT, "docs", "REPLAY-FORMAT.md"), "utf8");
    const block = /```jsonl\n([\s\S]*?)```/.exec(doc)![1]!;
    const events = join(dir, "doc-example.jsonl");
    writeFileSync(events, block);
    const r = run(["replay", events, "--out", join(dir, "doc.json"), "--quiet"]);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "doc.json"), "utf8"));
    expect(report.calls).toBe(block.trim().split("\n").length);
    expect(report.badLines).toBe(0);
    expect(report.detection.labelled).toBe(2);
  });

  it("the gateway YAML printed by serve is the one in the README", async () => {
    const { gatewayYaml } = await import("../../js/cli/serve.js");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const printed = gatewayYaml("ToolCallAnomalyDetection", "http://localhost:8000/mcp").split("\n");
    for (const line of printed) expect(readme).toContain(line);
  });
});

describe("toolwatch replay: HTML report and progress bar", () => {
  it("--html writes a self-contained page with the charts", () => {
    const events = join(dir, "html.jsonl");
    writeEvents(events);
    const page = join(dir, "report.html");
    const r = run(["replay", events, "--html", page]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`HTML report written to ${page}`);
    const html = readFileSync(page, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("Risk over time per entity");
    expect(html).toContain("acme/alice");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });

  it("draws a progress bar on a terminal for a long file", () => {
    const events = join(dir, "long.jsonl");
    const t0 = Date.UTC(2026, 0, 5);
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++)
      lines.push(
        JSON.stringify({
          time: t0 + i * 1000,
          tenant: "t",
          principal: `p${i % 50}`,
          tool: `tool${i % 7}`,
          args: { path: `/some/long/path/to/a/file/number/${i % 13}`, padding: "x".repeat(40) },
        }),
      );
    writeFileSync(events, `${lines.join("\n")}\n`);
    // `script` gives the command a pseudo-terminal, as an interactive shell would
    const r = spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" replay "${events}"`, "/dev/null"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\r\[#*\.*\] +\d+% {2}[\d,]+ lines/);
    expect(r.stdout).toContain("12,000 calls");
    // not on a pipe
    const piped = run(["replay", events]);
    expect(piped.stderr).not.toContain("lines");
  });
});
