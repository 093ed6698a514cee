// Reads AgentDojo run exports (agentdojo-*.jsonl): one header line, then one run per line.
// Bad input never crashes the evaluation: a line that is not a run is reported with its file and line.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { labelRun } from "./labels.js";
import type { Run, TraceCall } from "./trace.js";

export type { Run, TraceCall } from "./trace.js";

export interface LoadResult {
  runs: Run[];
  files: string[];
  skipped: { file: string; line: number; why: string }[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseArgs(raw: unknown): Record<string, unknown> {
  if (isObject(raw)) return raw;
  if (typeof raw === "string") {
    // some exporters keep arguments as a JSON string
    try {
      const v: unknown = JSON.parse(raw);
      if (isObject(v)) return v;
    } catch {
      /* fall through */
    }
    return { _raw: raw };
  }
  return {};
}

/** Parses one run object; throws an Error saying what is missing. */
export function parseRun(obj: unknown, pipeline: string): Run {
  if (!isObject(obj)) throw new Error("not a JSON object");
  const md = obj.metadata;
  if (!isObject(md)) throw new Error("no metadata object");
  const suite = md.suite_name;
  const task = md.user_task_id;
  if (typeof suite !== "string" || suite === "") throw new Error("metadata.suite_name missing");
  if (typeof task !== "string" || task === "") throw new Error("metadata.user_task_id missing");
  const injection = typeof md.injection_task_id === "string" ? md.injection_task_id : null;
  const messages = obj.messages;
  if (!Array.isArray(messages)) throw new Error("messages is not an array");
  const calls: TraceCall[] = [];
  for (const m of messages) {
    if (!isObject(m) || m.role !== "assistant" || !Array.isArray(m.tool_calls)) continue;
    for (const tc of m.tool_calls) {
      if (!isObject(tc)) continue;
      const fn = isObject(tc.function) ? tc.function : tc;
      const name = fn.name ?? fn.function;
      if (typeof name !== "string" || name === "") continue;
      calls.push({ tool: name, args: parseArgs(fn.arguments ?? fn.args), malicious: false });
    }
  }
  const attacked = injection !== null;
  const run: Run = {
    pipeline,
    suite,
    task,
    entity: `${suite}/${task}`,
    injection,
    attacked,
    succeeded: attacked && md.security === true,
    attempted: null,
    firstMalicious: -1,
    calls,
  };
  labelRun(run);
  return run;
}

/** Pipeline name of a file: the header's `metadata.name`, else the file name. */
function pipelineName(file: string, header: unknown): string {
  if (isObject(header) && isObject(header.metadata) && typeof header.metadata.name === "string")
    return header.metadata.name;
  return basename(file)
    .replace(/^agentdojo-/, "")
    .replace(/\.jsonl$/, "");
}

export function loadFile(file: string): { runs: Run[]; skipped: LoadResult["skipped"] } {
  const text = readFileSync(file, "utf8");
  const lines = text.split(/\r?\n/);
  const runs: Run[] = [];
  const skipped: LoadResult["skipped"] = [];
  let pipeline: string | null = null;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      skipped.push({ file, line: i + 1, why: `invalid JSON (${(e as Error).message})` });
      return;
    }
    if (isObject(obj) && isObject(obj.metadata) && !("messages" in obj)) {
      pipeline ??= pipelineName(file, obj); // header line
      return;
    }
    pipeline ??= pipelineName(file, null);
    try {
      runs.push(parseRun(obj, pipeline));
    } catch (e) {
      skipped.push({ file, line: i + 1, why: (e as Error).message });
    }
  });
  return { runs, skipped };
}

/** Every agentdojo-*.jsonl in `dir`, in name order. Throws if the folder has none. */
export function loadDir(dir: string): LoadResult {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    names = readdirSync(dir)
      .filter((n) => /^agentdojo-.*\.jsonl$/.test(n))
      .sort();
  } catch (e) {
    throw new Error(`cannot read AgentDojo directory ${dir}: ${(e as Error).message}`);
  }
  if (names.length === 0) throw new Error(`no agentdojo-*.jsonl files in ${dir}`);
  const out: LoadResult = { runs: [], files: [], skipped: [] };
  for (const n of names) {
    const f = join(dir, n);
    const r = loadFile(f);
    out.files.push(f);
    out.runs.push(...r.runs);
    out.skipped.push(...r.skipped);
  }
  return out;
}
