// `toolwatch replay <events.jsonl>`: scores a recorded call stream with the detector and summarises.
import { accessSync, constants, createReadStream, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { createDetector } from "../runtime/node/index.js";
import { ToolwatchError } from "../core/errors.js";
import { loadConfig } from "./config-file.js";
import { UsageError, type Flags } from "./flags.js";
import { LineError, parseEvent } from "./replay-read.js";
import { ReplayTally, formatSummary, type ReplayReport } from "./replay-summary.js";
import { replayHtml } from "./replay-html.js";
import { CORE_DEFAULTS } from "../config/defaults.generated.js";
import { SETTINGS } from "../core/abi.js";
import { Progress } from "./progress.js";

export const REPLAY_HELP = `toolwatch replay <events.jsonl> [options]

  Scores each recorded call in order (format: docs/REPLAY-FORMAT.md) and prints a summary;
  with labels in the file, also detection metrics.
  --config <file>   detector settings (YAML/JSON, same schema as the library)
  --out <file>      write the JSON report there
  --html <file>     write a self-contained HTML report (charts of risk over time, ROC/PR with labels)
  --top <n>         reasons and entities to list (default 10)
  --strict          stop at the first bad line (exit 1) instead of skipping it
  --quiet           no summary on stdout (use with --out)
  --no-progress     no progress bar (it is drawn on stderr only when stderr is a terminal)
  --log-level <l>   what reaches stderr: skipped lines are warnings, hidden at error, fatal or silent
                    (default info)`;

/** Refuses an output path that cannot be written, before the replay spends its time. */
function checkWritable(flag: string, path: string): void {
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // absent: the directory must exist and take a new file
  }
  if (isDir) throw new UsageError(`--${flag} ${path} is a directory; give a file name`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--${flag} ${path}: ${code === "ENOENT" ? `directory ${dir} does not exist` : `cannot write in ${dir} (${code})`}`,
    );
  }
}

const PROGRESS_MIN_BYTES = 1 << 20;
const MAX_BAD_LINES_SHOWN = 20;

export async function replayFile(
  path: string,
  opts: {
    config?: string;
    strict?: boolean;
    progress?: boolean;
    top?: number;
    html?: boolean;
    onBadLine?: (e: LineError) => void;
  } = {},
): Promise<ReplayReport & { html?: string }> {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error("it is a directory; give a JSON-lines file");
    size = st.size;
  } catch (err) {
    throw new ToolwatchError("REPLAY_INPUT", `cannot read ${path}: ${(err as Error).message}`);
  }
  const cfg = loadConfig(opts.config);
  const detector = createDetector(cfg.detector);
  const tally = new ReplayTally(opts.html === true);
  const progress = new Progress(size, opts.progress === true && size >= PROGRESS_MIN_BYTES);
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for await (const text of rl) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      try {
        const e = parseEvent(text, line);
        if (!e) continue;
        let d: ReturnType<typeof detector.check>;
        try {
          d = detector.check(e.call);
        } catch (err) {
          if (err instanceof ToolwatchError) throw new LineError(line, err.message);
          throw err;
        }
        if (e.outcome)
          detector.after(
            { tool: e.call.tool, principal: e.call.principal, tenant: e.call.tenant, time: e.call.time },
            { isError: e.outcome === "error" },
          );
        tally.add(d, e.label);
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        if (opts.strict) throw new ToolwatchError("REPLAY_BAD_LINE", `${path}: ${err.message} (--strict)`);
        tally.bad(err.line, err.message);
        opts.onBadLine?.(err);
      }
      if ((line & 1023) === 0) progress.update(bytes, line);
    }
  } finally {
    progress.done();
    rl.close();
  }
  const report = tally.report(path, performance.now() - t0, detector.stateHash(), opts.top);
  if (!opts.html) return report;
  const thresholds = {
    warn: cfg.detector.warnThreshold ?? CORE_DEFAULTS[SETTINGS.warnThreshold.slot]!,
    block: cfg.detector.blockThreshold ?? CORE_DEFAULTS[SETTINGS.blockThreshold.slot]!,
  };
  return { ...report, html: replayHtml(report, tally, thresholds) };
}

export async function runReplay(flags: Flags): Promise<number> {
  const [path, ...extra] = flags.positionals;
  if (!path) throw new UsageError("give the events file: toolwatch replay <events.jsonl>");
  if (extra.length) throw new UsageError(`one events file at a time (got ${flags.positionals.length})`);
  const top = flags.int("top") ?? 10;
  let shown = 0;
  const html = flags.string("html");
  const out = flags.string("out");
  if (out !== undefined) checkWritable("out", out);
  if (html !== undefined) checkWritable("html", html);
  const warnings = !["error", "fatal", "silent"].includes(flags.string("log-level") ?? "info");
  const { html: page, ...report } = await replayFile(path, {
    config: flags.string("config"),
    html: html !== undefined,
    strict: flags.bool("strict"),
    progress: !flags.bool("no-progress") && !flags.bool("quiet") && process.stderr.isTTY === true,
    top,
    onBadLine: (e) => {
      if (!warnings) return;
      if (shown++ < MAX_BAD_LINES_SHOWN) process.stderr.write(`toolwatch replay: skipped ${e.message}\n`);
      else if (shown === MAX_BAD_LINES_SHOWN + 1)
        process.stderr.write("toolwatch replay: more bad lines skipped (all counted in the report)\n");
    },
  });
  if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (html && page) writeFileSync(html, page);
  if (!flags.bool("quiet"))
    process.stdout.write(
      formatSummary(report) +
        (out ? `\n  report written to ${out}` : "") +
        (html ? `\n  HTML report written to ${html}` : "") +
        "\n",
    );
  return 0;
}
