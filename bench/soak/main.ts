// npm run soak [-- --calls N] [--concurrency C] [--only serve|proxy] [--churn N]: the plugin server
// and the proxy under a long run of tool calls, each measured in its own process; prints RSS and heap
// after GC every tenth of the calls and writes build/bench/soak-results.json (with --update, the
// committed bench/soak-results.json).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot, runSoak, type SoakResult, type SoakTarget } from "./harness.js";

function arg(name: string): string | undefined {
  const a = process.argv.slice(2);
  const i = a.findIndex((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return a[i]!.includes("=") ? a[i]!.slice(a[i]!.indexOf("=") + 1) : a[i + 1];
}

function int(name: string, dflt: number): number {
  const v = arg(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function table(r: SoakResult): string {
  const pad = (s: string | number, w: number) => String(s).padStart(w);
  const rows = [`${pad("calls", 9)} ${pad("seconds", 8)} ${pad("RSS MB", 8)} ${pad("heap after GC MB", 17)}`];
  for (const s of [r.start, ...r.samples])
    rows.push(`${pad(s.calls, 9)} ${pad(s.seconds, 8)} ${pad(s.rssMb.toFixed(1), 8)} ${pad(s.heapMb.toFixed(2), 17)}`);
  const g = r.growth;
  rows.push(
    `growth over the last ${g.afterCalls} calls (after the first tenth): RSS ${g.rssMb >= 0 ? "+" : ""}${g.rssMb} MB, heap ${g.heapMb >= 0 ? "+" : ""}${g.heapMb} MB (${g.heapBytesPerCall} bytes/call)`,
  );
  rows.push(
    `${r.calls} calls in ${r.seconds} s (${r.callsPerSecond}/s), concurrency ${r.concurrency}, ${r.sessions} sessions`,
  );
  return rows.join("\n");
}

const calls = int("calls", 100_000);
const concurrency = int("concurrency", 8);
const churn = arg("churn") === undefined ? undefined : int("churn", 1);
const only = arg("only");
if (only !== undefined && only !== "serve" && only !== "proxy")
  throw new Error(`--only must be serve or proxy, got "${only}"`);
const targets: SoakTarget[] = only ? [only] : ["serve", "proxy"];
const results: SoakResult[] = [];
for (const target of targets) {
  process.stdout.write(`\n== soak: toolwatch ${target}, ${calls} calls, concurrency ${concurrency} ==\n`);
  const r = await runSoak({ target, calls, concurrency, churn, log: (l) => process.stderr.write(`  ${l}\n`) });
  results.push(r);
  process.stdout.write(`${table(r)}\n`);
}
const out = join(
  projectRoot(),
  process.argv.includes("--update") ? "bench" : join("build", "bench"),
  "soak-results.json",
);
writeFileSync(
  out,
  `${JSON.stringify(
    { date: new Date().toISOString(), node: process.version, platform: `${process.platform} ${process.arch}`, results },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\nwritten: ${out}\n`);
