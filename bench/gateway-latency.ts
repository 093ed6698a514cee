// Added latency per tool call through the ContextForge plugin server and through the MCP proxy, each
// a real child process (`bin/toolwatch.mjs`, needs `npm run build`), against the bundled demo MCP
// server over loopback HTTP. Run: `npm run bench` (section "gateway"), or alone:
//   npx esbuild bench/gateway-latency.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=build/bench/gateway-latency.mjs && node build/bench/gateway-latency.mjs [--quick]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SignJWT } from "jose";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

interface Summary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { mean: r(s.reduce((a, b) => a + b, 0) / s.length), p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)) };
}

function startChild(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once("exit", (c) => reject(new Error(`${args.join(" ")} exited ${c}`)));
  });
}

async function client(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: "bench", version: "1" });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

export async function measureGatewayLatency(o: { quick: boolean }): Promise<Record<string, unknown>> {
  const root = process.cwd();
  const bin = join(root, "bin", "toolwatch.mjs");
  if (!existsSync(join(root, "dist", "esm", "cli.js")))
    throw new Error("dist/esm/cli.js missing: run `npm run build` first");
  const n = o.quick ? 300 : 2000;
  const warmup = 50;
  const dir = mkdtempSync(join(tmpdir(), "tw-bench-"));
  const cfg = join(dir, "bench.json");
  // monitor mode: every call takes the full path (scored, forwarded), none is cut short by a block
  writeFileSync(cfg, JSON.stringify({ action: "warn", server: { logLevel: "error" }, proxy: { logLevel: "error" } }));
  const secret = "bench-secret-0123456789abcdef0123";
  const children: ChildProcess[] = [];
  try {
    const up = await startChild(
      [join(root, "examples", "demo-server", "server.mjs"), "--http", "0"],
      {},
      /listening (\S+)/,
    );
    children.push(up.child);
    const px = await startChild(
      [bin, "proxy", "--port", "0", "--upstream", up.url, "--config", cfg],
      { TOOLWATCH_JWT_SECRET: secret },
      /listening on (\S+)/,
    );
    children.push(px.child);
    const pl = await startChild([bin, "serve", "--port", "0", "--config", cfg], {}, /listening on (\S+)/);
    children.push(pl.child);

    const token = await new SignJWT({ sub: "bench-user", tenant: "bench" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    const direct = await client(up.url);
    const proxied = await client(px.url, { authorization: `Bearer ${token}` });
    const plugin = await client(pl.url);

    const call = { name: "search_docs", arguments: { query: "invoice export" } };
    const hook = (type: string, i: number, context: unknown) => ({
      name: "invoke_hook",
      arguments: {
        hook_type: type,
        plugin_name: "ToolCallAnomalyDetection",
        payload:
          type === "tool_pre_invoke"
            ? { name: "search_docs", args: { query: "invoice export" } }
            : { name: "search_docs", result: { content: [{ type: "text", text: "ok" }], isError: false } },
        context: context ?? {
          state: {},
          metadata: {},
          global_context: {
            request_id: `r${i}`,
            user: `user${i % 100}@bench.example`,
            tenant_id: "bench",
            server_id: "gw",
            state: {},
            metadata: {},
          },
        },
      },
    });
    const ms = async (f: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    const d: number[] = [],
      p: number[] = [],
      pre: number[] = [],
      pair: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      // interleaved, so drift affects every path alike
      const td = await ms(() => direct.callTool(call));
      const tp = await ms(() => proxied.callTool(call));
      let ctx: unknown;
      const tpre = await ms(async () => {
        const r = await plugin.callTool(hook("tool_pre_invoke", i, undefined));
        ctx = JSON.parse((r.content as Array<{ text: string }>)[0]!.text).context;
      });
      const tpost = await ms(() => plugin.callTool(hook("tool_post_invoke", i, ctx)));
      if (i < warmup) continue;
      d.push(td);
      p.push(tp);
      pre.push(tpre);
      pair.push(tpre + tpost);
    }
    await Promise.all([direct.close(), proxied.close(), plugin.close()]);
    // time spent scoring inside each server, from its own histogram
    const scoring = async (url: string): Promise<number> => {
      const text = await (await fetch(url.replace(/\/mcp$/, "/metrics"))).text();
      const v = (name: string) =>
        Number(/^(\S+) (\S+)$/m.exec(text.split("\n").find((l) => l.startsWith(`${name} `)) ?? "")?.[2]);
      return (
        Math.round(
          (v("toolwatch_check_duration_seconds_sum") / v("toolwatch_check_duration_seconds_count")) * 1e6 * 10,
        ) / 10
      );
    };
    const sd = summary(d),
      sp = summary(p);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      calls: n,
      method:
        "sequential calls over loopback HTTP with the MCP SDK client; upstream = examples/demo-server (search_docs); proxy and plugin server = `toolwatch proxy|serve` child processes, config {action: warn}; milliseconds",
      directMs: sd,
      proxyMs: sp,
      proxyAddedMs: {
        mean: r3(sp.mean - sd.mean),
        p50: r3(sp.p50 - sd.p50),
        p90: r3(sp.p90 - sd.p90),
        p99: r3(sp.p99 - sd.p99),
      },
      pluginPreInvokeMs: summary(pre),
      pluginPerToolCallMs: summary(pair),
      scoringMicrosecondsPerCall: { plugin: await scoring(pl.url), proxy: await scoring(px.url) },
      pluginNote:
        "per tool call the gateway makes two invoke_hook calls (pre and post); pluginPerToolCallMs is their sum",
    };
  } finally {
    for (const c of children) c.kill("SIGTERM");
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  measureGatewayLatency({ quick: process.argv.includes("--quick") }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`gateway-latency: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
