// ContextForge's real plugin stack (../shared/peers/contextforge: cpex and the MCP Python SDK the gateway
// uses) driven against `toolwatch serve` as the project's CLI starts it. The Python side is driver.py.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const peers = resolve(
  process.env.TOOLWATCH_CONTEXTFORGE_PEERS ?? join(root, "..", "shared", "peers", "contextforge"),
);
export const venv = join(root, ".venv-contextforge");
export const python = join(venv, "bin", "python");
export const seed = join(peers, "seed");
const cli = join(root, "bin", "toolwatch.mjs");

/** Why the suite cannot run here, or undefined. Only a missing peers folder skips; a broken install fails. */
export const skipReason = existsSync(join(peers, "install.sh"))
  ? undefined
  : `ContextForge peers not found at ${peers} (set TOOLWATCH_CONTEXTFORGE_PEERS, or place shared/ beside the repository)`;

/** Makes the framework's venv with the peers' own install.sh when it is not there yet (setup-test-deps.sh does it too). */
export function ensureVenv(): void {
  const ok = () =>
    existsSync(python) && spawnSync(python, ["-c", "import cpex.framework, mcp"], { stdio: "ignore" }).status === 0;
  if (ok()) return;
  const r = spawnSync("bash", [join(peers, "install.sh"), venv], {
    encoding: "utf8",
    env: { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? "0" },
  });
  if (!ok()) throw new Error(`cannot install ContextForge's framework into ${venv}:\n${r.stdout}\n${r.stderr}`);
}

export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-cf-"));
  const file = join(dir, "toolwatch.yaml");
  writeFileSync(file, stringify(config));
  return file;
}

export interface Served {
  /** The gateway-side URL: a hostname, since the gateway refuses loopback IP literals by default. */
  url: string;
  proc: ChildProcess;
  stderr: () => string;
  close(): Promise<void>;
}

/** `toolwatch serve --config FILE --port 0`, exactly as an operator starts it; resolves once it listens. */
export function serve(configFile: string, extraArgs: string[] = []): Promise<Served> {
  const proc = spawn(process.execPath, [cli, "serve", "--config", configFile, "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`toolwatch serve did not start:\n${out}\n${err}`)), 20_000);
    proc.once("exit", (code) => reject(new Error(`toolwatch serve exited with ${code}:\n${out}\n${err}`)));
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolveServed({
        url: m[1]!.replace("//127.0.0.1:", "//localhost:"),
        proc,
        stderr: () => err,
        close: () =>
          new Promise((r) => {
            if (proc.exitCode !== null) return r();
            proc.once("exit", () => r());
            proc.kill("SIGTERM");
          }),
      });
    });
  });
}

/** The `toolwatch serve --stdio` command line a gateway entry's `mcp.cmd` carries. */
export const stdioCmd = (configFile: string): string[] => [
  process.execPath,
  cli,
  "serve",
  "--stdio",
  "--config",
  configFile,
  "--log-level",
  "warn",
];

export interface GatewayIdentity {
  user?: string | Record<string, unknown>;
  tenant_id?: string;
  user_context?: Record<string, unknown>;
}

/** On the gateway's MCP transport: `user` is the caller's e-mail, `tenant_id` the tool's team. */
export const mcpIdentity = (email: string, toolTeam: string): GatewayIdentity => ({ user: email, tenant_id: toolTeam });

/** On the REST/RPC path: `user` is an object, `user_context` is filled, `tenant_id` is the caller's team. */
export const restIdentity = (email: string, team: string): GatewayIdentity => ({
  user: { email, is_admin: false, full_name: email.split("@")[0] },
  user_context: { user_id: email, email, team_id: team, teams: [team] },
  tenant_id: team,
});

export type Op =
  | {
      op: "call";
      tool: string;
      args?: Record<string, unknown>;
      identity?: GatewayIdentity;
      post?: boolean;
      is_error?: boolean;
      plugin?: string;
      label?: string;
      manager?: number;
    }
  | { op: "sleep"; ms: number }
  | { op: "restart" }
  | { op: "inspect"; plugin: string }
  | { op: "validate_config"; url: string; name: string };

export interface HookOutcome {
  continue: boolean | null;
  metadata?: Record<string, any>;
  violation?: Record<string, any> | null;
  raised?: "PluginViolationError" | "PluginError";
  message?: string;
  error?: Record<string, any>;
  ms?: number;
}

export interface CallOutcome {
  tool: string;
  plugin: string | null;
  pre: HookOutcome;
  post?: HookOutcome;
}

export interface DriveResult {
  loaded?: number;
  loaded_names?: string[];
  init_error?: string;
  /** The plugin file itself was refused (the manager could not be built). */
  config_error?: string;
  ops: any[];
}

/** Runs driver.py in the framework's venv: a TenantPluginManager with `plugins`, then `ops` in order. */
export function drive(
  spec: { plugins?: Array<Record<string, unknown>>; ops: Op[]; seed?: boolean; managers?: number; policies?: boolean },
  env: Record<string, string> = {},
  opts: { python?: string } = {},
): Promise<DriveResult> {
  const proc = spawn(opts.python ?? python, [join(root, "test", "contextforge", "driver.py")], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
  });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  proc.stdin.end(
    JSON.stringify({
      plugins: spec.plugins,
      ops: spec.ops,
      seed: spec.seed ? seed : null,
      managers: spec.managers ?? 1,
      // the gateway's hook payload policies: on unless a test asks what happens without them
      policies: spec.policies ?? true,
    }),
  );
  return new Promise((resolveDrive, reject) => {
    proc.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`driver.py exited with ${code}:\n${err.slice(-4000)}`));
      try {
        resolveDrive({ ...JSON.parse(out), stderr: err } as DriveResult);
      } catch {
        reject(new Error(`driver.py printed no JSON:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
      }
    });
  });
}

/** The gateway-side entry for toolwatch over streamable HTTP, or STDIO with the command line. */
export function toolwatchEntry(
  mcp: { url: string } | { cmd: string[] },
  name = "ToolCallAnomalyDetection",
): Record<string, unknown> {
  return {
    name,
    kind: "external",
    priority: 201,
    mode: "sequential",
    mcp: "url" in mcp ? { proto: "STREAMABLEHTTP", url: mcp.url } : { proto: "STDIO", cmd: mcp.cmd },
  };
}

/** The prior-art plugin's entry as its README gives it, with `config` adjusted by the caller. */
export function priorArtEntry(config: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "PriorArtAnomalyDetection",
    kind: "plugins.tool_call_anomaly_detection.tool_call_anomaly_detection.ToolCallAnomalyDetectionPlugin",
    hooks: ["tool_pre_invoke", "tool_post_invoke"],
    mode: "sequential",
    priority: 202,
    config,
  };
}
