// The soak harness shared by `npm run soak` (bench/soak/main.ts) and test/gateway/soak.test.ts:
// starts the server in a child process (bench/soak/child.ts, bundled from the sources here), drives it
// with real MCP SDK clients over loopback, and after every tenth of the calls asks the child for its
// RSS and heap after forced GCs. The calls run in phases so each reading is taken with nothing in flight.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export type SoakTarget = "serve" | "proxy";

export interface SoakOptions {
  target: SoakTarget;
  /** Tool calls in all (for serve: invoke_hook calls, half tool_pre_invoke and half tool_post_invoke). */
  calls: number;
  concurrency?: number;
  /** Readings: one after each 1/samples of the calls (default 10). */
  samples?: number;
  /**
   * The first client ends its session (DELETE) and opens a new one after this many calls (default 250);
   * the others keep theirs for the whole run, as a gateway does, so whatever a session keeps per
   * request piles up where the readings see it.
   */
  churn?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  calls: number;
  seconds: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
}

export interface SoakResult {
  target: SoakTarget;
  calls: number;
  concurrency: number;
  sessions: number;
  seconds: number;
  callsPerSecond: number;
  /** Reading before any call, then one per phase. */
  start: SoakSample;
  samples: SoakSample[];
  /** From the first phase's reading (warm-up done: every principal and tool seen) to the last. */
  growth: { afterCalls: number; rssMb: number; heapMb: number; heapBytesPerCall: number };
}

const MB = 1024 * 1024;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bench", "soak", "child.ts"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

interface ChildHandle {
  child: ChildProcess;
  url: string;
  mem(): Promise<{ rss: number; heapUsed: number; external: number }>;
  stop(): Promise<void>;
}

async function startChild(root: string, args: string[]): Promise<ChildHandle> {
  const dir = join(root, "build", "soak");
  mkdirSync(dir, { recursive: true });
  // one file per process: a test and `npm run soak` may bundle at the same time
  const out = join(dir, `child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, "bench", "soak", "child.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  const child = spawn(process.execPath, ["--expose-gc", out, ...args], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting: Array<(m: any) => void> = [];
  child.on("message", (m: any) => waiting.shift()?.(m));
  const next = (): Promise<any> =>
    new Promise((resolve, reject) => {
      const onExit = (c: number | null) => reject(new Error(`soak child exited ${c}`));
      child.once("exit", onExit);
      waiting.push((m) => {
        child.off("exit", onExit);
        resolve(m);
      });
    });
  try {
    const ready = await next();
    return {
      child,
      url: ready.url as string,
      async mem() {
        const p = next();
        child.send({ type: "mem" });
        return p;
      },
      async stop() {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.send({ type: "stop" });
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      },
    };
  } finally {
    rmSync(out, { force: true });
  }
}

/** The demo MCP server over HTTP, as the proxy's upstream (its memory is not measured). */
function startUpstream(root: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, "examples", "demo-server", "server.mjs"), "--http", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once("exit", (c) => reject(new Error(`demo server exited ${c}`)));
  });
}

// The shapes ContextForge sends (as in test/gateway/helpers.ts): None fields left out entirely.
const PLUGIN = "ToolCallAnomalyDetection";
function preInvoke(tool: string, args: Record<string, unknown>, user: string, tenant: string, requestId: string) {
  return {
    hook_type: "tool_pre_invoke",
    plugin_name: PLUGIN,
    payload: { name: tool, args },
    context: {
      state: {},
      metadata: {},
      global_context: {
        request_id: requestId,
        server_id: "gw1",
        state: {},
        metadata: { tool: {} },
        user,
        tenant_id: tenant,
      },
    },
  };
}
function postInvoke(tool: string, context: unknown, isError: boolean) {
  return {
    hook_type: "tool_post_invoke",
    plugin_name: PLUGIN,
    payload: { name: tool, result: { content: [{ type: "text", text: "done" }], isError } },
    context,
  };
}

const HOOK_TOOLS = ["read_file", "list_files", "search_docs", "create_ticket", "send_email", "db_query"];
const USERS = 200;
const TENANTS = 16;

function jsonText(r: unknown): any {
  const c = (r as { content: Array<{ type: string; text: string }> }).content;
  return JSON.parse(c[0]!.text);
}

/** One client: a session at a time, one call at a time; `unit` runs one step of the workload. */
class Worker {
  private client?: Client;
  private transport?: StreamableHTTPClientTransport;
  private used = 0;
  private principal = 0;
  sessions = 0;

  constructor(
    private readonly target: SoakTarget,
    private readonly url: string,
    private readonly id: number,
    private readonly churn: number,
  ) {}

  private async session(): Promise<Client> {
    if (this.client && this.used < this.churn) return this.client;
    await this.end();
    this.sessions++;
    this.used = 0;
    // The proxy reads the identity from each HTTP request: the principal changes call by call, so that
    // the warm-up meets every principal and later growth is not new detector state.
    const identified = (url: string | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      headers.set("x-soak-user", `user${this.principal}@acme.example`);
      headers.set("x-soak-tenant", `team${this.principal % TENANTS}`);
      return fetch(url, { ...init, headers });
    };
    this.transport = new StreamableHTTPClientTransport(
      new URL(this.url),
      this.target === "proxy" ? { fetch: identified } : {},
    );
    this.client = new Client({ name: `soak-${this.id}`, version: "1.0.0" });
    await this.client.connect(this.transport);
    return this.client;
  }

  /** Runs workload step k; returns the tool calls it made. */
  async unit(k: number): Promise<number> {
    const c = await this.session();
    if (this.target === "serve") {
      // invoke_hook carries the principal in the payload: many principals on one session, as a gateway does
      const tool = HOOK_TOOLS[k % HOOK_TOOLS.length]!;
      const user = `user${(k * 7) % USERS}@acme.example`;
      const pre = preInvoke(
        tool,
        { path: `/docs/${k % 50}`, query: `q${k % 30}` },
        user,
        `team${k % TENANTS}`,
        `req-${k}`,
      );
      const r = jsonText(await c.callTool({ name: "invoke_hook", arguments: pre }));
      if (!r.result) throw new Error(`invoke_hook answered ${JSON.stringify(r).slice(0, 300)}`);
      const p = jsonText(
        await c.callTool({ name: "invoke_hook", arguments: postInvoke(tool, r.context, k % 10 === 0) }),
      );
      if (!p.result) throw new Error(`invoke_hook (post) answered ${JSON.stringify(p).slice(0, 300)}`);
      this.used += 2;
      return 2;
    }
    const calls: Array<[string, Record<string, unknown>]> = [
      ["read_file", { path: k % 2 ? "/projects/roadmap.md" : "/projects/standup.md" }],
      ["list_files", { folder: "/projects" }],
      ["search_docs", { query: `invoices ${k % 40}` }],
    ];
    const [name, args] = calls[k % calls.length]!;
    this.principal = (k * 7) % USERS;
    const r = await c.callTool({ name, arguments: args });
    if (!Array.isArray(r.content)) throw new Error(`${name} answered ${JSON.stringify(r).slice(0, 300)}`);
    this.used += 1;
    return 1;
  }

  async end(): Promise<void> {
    const t = this.transport;
    const c = this.client;
    this.client = undefined;
    this.transport = undefined;
    if (!t || !c) return;
    // DELETE, as a well-behaved client does; the server must then hold nothing for the session
    await t.terminateSession().catch(() => undefined);
    await c.close().catch(() => undefined);
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const root = projectRoot();
  const concurrency = o.concurrency ?? 8;
  const samples = o.samples ?? 10;
  const churn = o.churn ?? 250;
  const log = o.log ?? (() => undefined);
  if (!existsSync(join(root, "build", "toolwatch.wasm")))
    throw new Error("build/toolwatch.wasm missing: run `npm run build` first");
  const upstream = o.target === "proxy" ? await startUpstream(root) : undefined;
  let server: ChildHandle | undefined;
  const workers: Worker[] = [];
  try {
    server = await startChild(root, o.target === "proxy" ? ["proxy", upstream!.url] : ["serve"]);
    const t0 = performance.now();
    const reading = async (calls: number): Promise<SoakSample> => {
      const m = await server!.mem();
      return {
        calls,
        seconds: round((performance.now() - t0) / 1000),
        rssMb: round(m.rss / MB),
        heapMb: round(m.heapUsed / MB, 2),
        externalMb: round(m.external / MB, 2),
      };
    };
    const start = await reading(0);
    for (let i = 0; i < concurrency; i++) workers.push(new Worker(o.target, server.url, i, i === 0 ? churn : Infinity));
    const out: SoakSample[] = [];
    let done = 0;
    let k = 0;
    for (let s = 1; s <= samples; s++) {
      const phaseEnd = Math.round((o.calls * s) / samples);
      // each worker takes the next step while the phase has calls left; pre+post pairs may overshoot by one
      await Promise.all(
        workers.map(async (w) => {
          while (done < phaseEnd) {
            const step = k++;
            // not `done += await ...`: that reads `done` before the await and loses the other workers' calls
            const n = await w.unit(step);
            done += n;
          }
        }),
      );
      const r = await reading(done);
      out.push(r);
      log(`${o.target}: ${r.calls} calls, ${r.seconds} s, rss ${r.rssMb} MB, heap after GC ${r.heapMb} MB`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const first = out[0]!;
    const last = out[out.length - 1]!;
    const afterCalls = last.calls - first.calls;
    return {
      target: o.target,
      calls: done,
      concurrency,
      sessions: workers.reduce((a, w) => a + w.sessions, 0),
      seconds: round(seconds),
      callsPerSecond: Math.round(done / seconds),
      start,
      samples: out,
      growth: {
        afterCalls,
        rssMb: round(last.rssMb - first.rssMb),
        heapMb: round(last.heapMb - first.heapMb, 2),
        heapBytesPerCall: afterCalls > 0 ? Math.round(((last.heapMb - first.heapMb) * MB) / afterCalls) : 0,
      },
    };
  } finally {
    await Promise.allSettled(workers.map((w) => w.end()));
    await server?.stop().catch(() => undefined);
    upstream?.child.kill();
  }
}
