// What a newcomer sees when something is wrong: the real `toolwatch` command (run `npm run build` first),
// each mistake answered by one message that names it, a non-zero exit, and never a stack trace.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "toolwatch.mjs");
const dir = mkdtempSync(join(tmpdir(), "tw-cli-errors-"));
const DEMO_SERVER = join(ROOT, "examples", "demo-server", "server.mjs");

/** The environment without TOOLWATCH_* (a developer's shell must not change what the tests see). */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TOOLWATCH_")));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...cleanEnv(), ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failure as a user should see it: exit code, the message, and no stack frames. */
function expectRefused(r: ReturnType<typeof run>, code: number, message: RegExp | string) {
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/); // a stack frame: "    at fn (file:1:2)"
  expect(r.stderr).not.toMatch(/TypeError|ReferenceError|node:internal/);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.status).toBe(code);
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("environment variables are named in errors", () => {
  const ok = file("ok.yaml", "action: warn\nserver:\n  port: 8123\n");

  it("a bad detector value from the environment names the variable and its value, not the file", () => {
    const r = run(["serve", "--config", ok], { TOOLWATCH_ACTION: "deny" });
    expectRefused(r, 1, 'TOOLWATCH_ACTION="deny" (config.action): Invalid option');
    expect(r.stderr).not.toContain("ok.yaml");
  });

  it("a number that is not one names the variable; an out-of-range one names the setting too", () => {
    expectRefused(
      run(["serve"], { TOOLWATCH_PORT: "abc" }),
      1,
      'TOOLWATCH_PORT="abc" (server.port): expected a number',
    );
    expectRefused(run(["serve"], { TOOLWATCH_PORT: "70000" }), 1, /TOOLWATCH_PORT="70000" \(server\.port\): Too big/);
    expectRefused(
      run(["serve"], { TOOLWATCH_BLOCK_THRESHOLD: "2" }),
      1,
      /TOOLWATCH_BLOCK_THRESHOLD="2" \(config\.blockThreshold\): Too big/,
    );
    expectRefused(
      run(["serve"], { TOOLWATCH_TLS_VERIFY_CLIENT: "maybe" }),
      1,
      'TOOLWATCH_TLS_VERIFY_CLIENT="maybe" (server.tls.verifyClient): expected true or false',
    );
  });

  it("a variable overrides the file's setting in either spelling", () => {
    const snake = file("snake.yaml", "block_threshold: 0.9\n");
    // without the override, block_threshold and blockThreshold would clash; the replay runs instead
    const events = file("one.jsonl", `${JSON.stringify({ time: 1, tool: "t", principal: "p" })}\n`);
    const r = run(["replay", events, "--config", snake, "--quiet"], { TOOLWATCH_BLOCK_THRESHOLD: "0.95" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("a config file named by TOOLWATCH_CONFIG that is missing says so", () => {
    expectRefused(
      run(["serve"], { TOOLWATCH_CONFIG: join(dir, "absent.yaml") }),
      1,
      /absent\.yaml \(named by TOOLWATCH_CONFIG=".*absent\.yaml"\): no such file/,
    );
  });
});

describe("did you mean", () => {
  it("suggests the command for a misspelt one", () => {
    expectRefused(run(["serv"]), 2, 'unknown command "serv" (did you mean "toolwatch serve"?)');
    expectRefused(run(["replya"]), 2, 'unknown command "replya" (did you mean "toolwatch replay"?)');
    expectRefused(run(["frobnicate"]), 2, 'unknown command "frobnicate"\n');
  });

  it("suggests the flag for a misspelt one, from the command's own flags", () => {
    expectRefused(run(["serve", "--prot", "80"]), 2, "unknown option --prot (did you mean --port?)");
    expectRefused(run(["proxy", "--upstrem", "x"]), 2, "unknown option --upstrem (did you mean --upstream?)");
    expectRefused(run(["replay", "--stirct"]), 2, "unknown option --stirct (did you mean --strict?)");
    expectRefused(
      run(["serve", "--log-level", "verbose"]),
      2,
      '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it("names every unknown key in a config file with the closest valid one, in sections and nested objects", () => {
    const bad = file(
      "bad.yaml",
      [
        "port: 8000",
        "sever: {}",
        "allowlist:",
        "  tool: [x]",
        "server:",
        "  prot: 80",
        "  tls: {certfile: a, keyfile: b, verify_clients: true}",
        "state:",
        "  dirr: /tmp",
        "proxy:",
        "  auth: {isuer: me}",
      ].join("\n"),
    );
    const r = run(["serve", "--config", bad]);
    expectRefused(r, 1, "7 problems in the configuration");
    for (const line of [
      'config: unknown key "port" (it belongs in a section: "server.port" or "proxy.port")',
      'config: unknown key "sever" (did you mean "server"?)',
      'config.allowlist: unknown key "tool" (did you mean "tools"?)',
      'server: unknown key "prot" (did you mean "port"?)',
      'server.tls: unknown key "verifyClients" (did you mean "verifyClient"?)',
      'state: unknown key "dirr" (did you mean "dir"?)',
      'proxy.auth: unknown key "isuer" (did you mean "issuer"?)',
    ])
      expect(r.stderr).toContain(line);
  });

  it("a section that is not a mapping is refused, not ignored", () => {
    expectRefused(
      run(["serve", "--config", file("scalar.yaml", "server: 8000\n")]),
      1,
      "server: expected a mapping of settings, got number",
    );
  });
});

describe("--version", () => {
  it("prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const r = run([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`toolwatch ${version}`);
    }
  });
});

describe("replay checks its output paths before it runs", () => {
  it("refuses --out in a missing directory and --html naming a directory, writing nothing", () => {
    const events = file("ev.jsonl", `${JSON.stringify({ time: 1, tool: "t", principal: "p" })}\n`);
    const r = run(["replay", events, "--out", "/nonexistent/dir/r.json"]);
    expectRefused(r, 2, "--out /nonexistent/dir/r.json: directory /nonexistent/dir does not exist");
    expect(r.stdout).toBe(""); // no summary: the replay never ran
    expectRefused(run(["replay", events, "--html", dir]), 2, `--html ${dir} is a directory`);
  });

  it("lists --log-level in its help, and --log-level error hides skipped-line warnings", () => {
    expect(run(["replay", "--help"]).stdout).toContain("--log-level");
    const events = file(
      "bad-lines.jsonl",
      `${["{nope", JSON.stringify({ time: 1, tool: "t", principal: "p" })].join("\n")}\n`,
    );
    expect(run(["replay", events, "--quiet"]).stderr).toContain("skipped line 1");
    expect(run(["replay", events, "--quiet", "--log-level", "error"]).stderr).toBe("");
  });
});

describe("proxy checks its settings and its upstream at start", () => {
  it("refuses a JWKS URL that is not one", () => {
    expectRefused(
      run(["proxy", "--jwks-url", "not-a-url", "--upstream", "http://127.0.0.1:1/mcp"]),
      1,
      'jwksUrl (--jwks-url) must be an http(s) URL, got "not-a-url"',
    );
  });

  it("refuses a URL scheme it cannot speak, suggesting the near one", () => {
    expectRefused(
      run(["proxy", "--anonymous", "--upstream", "ftp://x"]),
      1,
      "--upstream ftp://x: only http:// and https:// URLs are supported",
    );
    expectRefused(run(["proxy", "--anonymous", "--upstream", "htps://x/mcp"]), 1, "(did you mean https://?)");
  });

  it("refuses a command that does not exist, or exits before the MCP handshake", () => {
    expectRefused(
      run(["proxy", "--anonymous", "--port", "0", "--upstream", "toolwatch-no-such-command --flag"]),
      1,
      '--upstream: cannot run "toolwatch-no-such-command": not found on PATH',
    );
    expectRefused(
      run(["proxy", "--anonymous", "--port", "0", "--upstream", "./no-such-server.sh"]),
      1,
      "no such executable file",
    );
    expectRefused(
      run(["proxy", "--anonymous", "--port", "0", "--upstream", `"${process.execPath}" -e 0`]),
      1,
      "exited before the MCP handshake",
    );
  });

  it("refuses an HTTP upstream nobody answers", async () => {
    // a port that was free a moment ago: connection refused
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = run(["proxy", "--anonymous", "--port", "0", "--upstream", `http://127.0.0.1:${port}/mcp`]);
    expectRefused(r, 1, new RegExp(`cannot reach upstream http://127\\.0\\.0\\.1:${port}/mcp: .*ECONNREFUSED`));
    expect(r.stdout).not.toContain("listening");
  });

  it("starts against a working stdio upstream and names it", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(
      process.execPath,
      [BIN, "proxy", "--anonymous", "--port", "0", "--upstream", `"${process.execPath}" "${DEMO_SERVER}"`],
      { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (b) => {
          out += b;
          if (out.includes("\n")) resolve(out.split("\n")[0]!);
        });
        child.once("exit", (c) => reject(new Error(`proxy exited ${c}`)));
      });
      expect(line).toMatch(
        /^toolwatch proxy listening on http:\/\/127\.0\.0\.1:\d+\/mcp -> .* \(toolwatch-demo [\d.]+\)$/,
      );
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("dist/config.schema.json (for editors)", () => {
  const schemaPath = join(ROOT, "dist", "config.schema.json");
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  const errors = () => (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

  it("accepts the documented config file (docs/GATEWAY.md), written in snake_case, with its sections", () => {
    const doc = readFileSync(join(ROOT, "docs", "GATEWAY.md"), "utf8");
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => /^(server|proxy|state):/m.test(b));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      // the docs write "..." for secrets; a real one is 16+ characters
      const config = parseYaml(block.replace(/: \.\.\./g, ": s3cr3t-t0ken-0123456789")) as unknown;
      expect(validate(config), errors().join("\n")).toBe(true);
    }
  });

  it("accepts camelCase and snake_case alike, the prior plugin's keys, and has defaults", () => {
    const camel = {
      blockThreshold: 0.9,
      learningWindowSeconds: 600,
      signals: { burst: { weight: 0.5 } },
      server: { pluginName: "x", maxSessions: 10, tls: { certfile: "c", keyfile: "k", caBundle: "ca" } },
      proxy: { upstreamHeaders: { "X-Api-Key": "k" }, auth: { jwksUrl: "https://idp/jwks", maxTokenAgeSeconds: 0 } },
      state: { redis: { url: "redis://r", tenantSync: "batched" } },
    };
    const snake = {
      block_threshold: 0.9,
      learning_window_seconds: 600,
      novelty_score_weight: 0.3,
      server: { plugin_name: "x", max_sessions: 10, tls: { certfile: "c", keyfile: "k", ca_bundle: "ca" } },
      proxy: {
        upstream_headers: { "X-Api-Key": "k" },
        auth: { jwks_url: "https://idp/jwks", max_token_age_seconds: 0 },
      },
      state: { redis: { url: "redis://r", tenant_sync: "batched" } },
    };
    expect(validate(camel), errors().join("\n")).toBe(true);
    expect(validate(snake), errors().join("\n")).toBe(true);
    const props = schema.properties as Record<
      string,
      { default?: unknown; properties?: Record<string, { default?: unknown }> }
    >;
    expect(props.blockThreshold!.default).toBe(0.8);
    expect(props.block_threshold!.default).toBe(0.8);
    expect(props.server!.properties!.port!.default).toBe(8000);
    expect(props.proxy!.properties!.port!.default).toBe(8080);
    expect(props.state!.properties!.keep!.default).toBe(5);
  });

  it("refuses what the config reader refuses: unknown keys, 0 where 0 is not allowed, bad values", () => {
    for (const bad of [
      { port: 8000 },
      { server: { prot: 1 } },
      { state: { dirr: "/x" } },
      { allowlist: { tool: ["x"] } },
      { rateSmoothing: 0 },
      { unusualHourRatio: 0 },
      { action: "deny" },
      { server: { port: 70000 } },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of [{ rateSmoothing: 1 }, { unusualHourRatio: 0.1 }, { peerPromotion: 0 }])
      expect(validate(good), JSON.stringify(good)).toBe(true);
  });

  it("agrees with the config file reader on the same files", () => {
    const events = file("e.jsonl", `${JSON.stringify({ time: 1, tool: "t", principal: "p" })}\n`);
    const docs = [
      { block_threshold: 0.9, server: { max_sessions: 10 }, state: { keep: 3 } },
      { blockThreshold: 0.9, proxy: { auth: { clock_skew_seconds: 5 } } },
      { rate_smoothing: 0 },
      { server: { prot: 80 } },
      { state: { redis: { url: "redis://r", tenant_sync: "sometimes" } } },
    ];
    docs.forEach((doc, i) => {
      const r = run(["replay", events, "--config", file(`agree-${i}.json`, JSON.stringify(doc)), "--quiet"]);
      expect(r.status === 0, `${JSON.stringify(doc)}: ${r.stderr}`).toBe(validate(doc));
    });
  });
});
