// npm run eval -- [--agentdojo [dir]] [--scenarios] [--org] [--config file] [--html out.html] [--json out.json]
//                 [--md out.md] [--png shot.png] [--seeds N] [--seed-start N] [--memory-variant] [--reps N] [--fpr F] [--quick]
// With none of --agentdojo, --scenarios and --org, runs all three, or the scenarios alone when no AgentDojo data is
// found (it is not in the repository: see AGENTDOJO_HELP). Prints Markdown tables.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ConfigInput } from "../js/config/schema.js";
import { parseConfig } from "../js/config/parse.js";
import { renderHtmlReport } from "../js/report/html.js";
import { evaluateAgentDojo, type AgentDojoReport } from "./agentdojo/run.js";
import { formatAgentDojo } from "./agentdojo/format.js";
import { evaluateScenarios, type ScenariosReport } from "./scenarios/run.js";
import { formatScenarios } from "./scenarios/format.js";
import { evaluateOrg, formatOrg, type OrgReport } from "./org/run.js";
import { reportData } from "./report-data.js";
import { createDetector } from "../js/runtime/node/index.js";
import { SETTINGS } from "../js/core/abi.js";

/** The per-principal memory variant the scenarios also report (see EVALUATION.md). */
export const MORE_VALUE_MEMORY: ConfigInput = { maxValueKeysPerEntity: 16, maxValuesPerEntity: 48 };

function recordBytes(config: ConfigInput | undefined): number {
  return createDetector({ ...(config ?? {}), budgetBytes: 1 << 20 }).stats().recordBytes;
}

/** Where the AgentDojo runs come from, said whenever they are missing. */
export const AGENTDOJO_HELP =
  "AgentDojo run exports are not in the repository. Get the recorded runs of the AgentDojo benchmark " +
  "(https://github.com/ethz-spylab/agentdojo, its runs/ folder), one agentdojo-<pipeline>.jsonl file per pipeline " +
  'in the format of EVALUATION.md "AgentDojo: protocol", and point the evaluation at their folder with ' +
  "--agentdojo <dir> or TOOLWATCH_AGENTDOJO=<dir> (default: ../shared/data/agentdojo next to the repository).";

/** The AgentDojo folder when none is given: $TOOLWATCH_AGENTDOJO, else ../shared/data/agentdojo. */
export function defaultAgentDojoDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.TOOLWATCH_AGENTDOJO
    ? resolve(env.TOOLWATCH_AGENTDOJO)
    : resolve(repoRoot, "..", "shared", "data", "agentdojo");
}

export interface CliOptions {
  agentdojo: string | null;
  /** AgentDojo was asked for explicitly (--agentdojo): missing data is an error, not a skip */
  agentdojoAsked: boolean;
  scenarios: boolean;
  /** the simulated organisation at an alert budget (eval/org) */
  org: boolean;
  config?: string;
  html?: string;
  json?: string;
  md?: string;
  /** screenshot of the HTML report (headless Chromium) */
  png?: string;
  seeds: number;
  /** first scenario seed: report on seeds nobody tuned on (the figures were developed on 1-60) */
  seedStart: number;
  /** also run the scenarios with more value memory per principal (MORE_VALUE_MEMORY) */
  memoryVariant: boolean;
  reps: number;
  /** AgentDojo: the false-positive rate the cut-offs aim at */
  fpr: number;
  quick: boolean;
}

export function parseArgs(argv: string[], repoRoot: string, env: NodeJS.ProcessEnv = process.env): CliOptions {
  const o: CliOptions = {
    agentdojo: null,
    agentdojoAsked: false,
    scenarios: false,
    org: false,
    seeds: 100,
    seedStart: 1001,
    memoryVariant: false,
    reps: 1000,
    fpr: 0.05,
    quick: false,
  };
  let any = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case "--agentdojo": {
        any = true;
        o.agentdojoAsked = true;
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith("--")) {
          o.agentdojo = resolve(next);
          i++;
        } else o.agentdojo = defaultAgentDojoDir(repoRoot, env);
        break;
      }
      case "--scenarios":
        any = true;
        o.scenarios = true;
        break;
      case "--org":
        any = true;
        o.org = true;
        break;
      case "--config":
        o.config = value(i, a);
        i++;
        break;
      case "--html":
        o.html = value(i, a);
        i++;
        break;
      case "--json":
        o.json = value(i, a);
        i++;
        break;
      case "--md":
        o.md = value(i, a);
        i++;
        break;
      case "--png":
        o.png = value(i, a);
        i++;
        break;
      case "--seeds":
        o.seeds = positive(value(i, a), a);
        i++;
        break;
      case "--seed-start":
        o.seedStart = positive(value(i, a), a);
        i++;
        break;
      case "--memory-variant":
        o.memoryVariant = true;
        break;
      case "--reps":
        o.reps = positive(value(i, a), a);
        i++;
        break;
      case "--fpr":
        o.fpr = fraction(value(i, a), a);
        i++;
        break;
      case "--quick":
        o.quick = true;
        break;
      case "--help":
      case "-h":
        throw new Error(
          `usage: npm run eval -- [--agentdojo [dir]] [--scenarios] [--org] [--config file] [--html out.html] [--json out.json] [--md out.md] [--png shot.png] [--seeds N] [--seed-start N] [--memory-variant] [--reps N] [--fpr F] [--quick]\n${AGENTDOJO_HELP}`,
        );
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  if (!any) {
    o.agentdojo = defaultAgentDojoDir(repoRoot, env);
    o.scenarios = true;
    o.org = true;
  }
  if (o.png && !o.html) throw new Error("--png needs --html (the screenshot is of the HTML report)");
  if (o.quick) {
    o.seeds = Math.min(o.seeds, 3);
    o.reps = Math.min(o.reps, 200);
  }
  return o;
}

function fraction(s: string, flag: string): number {
  const n = Number(s);
  if (!(n > 0 && n < 1)) throw new Error(`${flag} must be a fraction between 0 and 1 (0.05 = 5%), got ${s}`);
  return n;
}

function positive(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${s}`);
  return n;
}

export function loadConfigFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read config ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new Error(`config ${path} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${(e as Error).message}`);
  }
  parseConfig(raw as Record<string, unknown>); // validates with readable errors
  return raw as ConfigInput;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
}

export interface EvalOutput {
  agentdojo: AgentDojoReport | null;
  scenarios: ScenariosReport[] | null;
  org: OrgReport | null;
  markdown: string;
}

export function runEval(o: CliOptions, log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): EvalOutput {
  const config = o.config ? loadConfigFile(o.config) : undefined;
  const md: string[] = [];
  let ad: AgentDojoReport | null = null;
  let sc: ScenariosReport[] | null = null;
  let org: OrgReport | null = null;
  if (o.agentdojo && !existsSync(o.agentdojo)) {
    if (o.agentdojoAsked) throw new Error(`no AgentDojo data at ${o.agentdojo}. ${AGENTDOJO_HELP}`);
    log(`AgentDojo skipped: no data at ${o.agentdojo}. ${AGENTDOJO_HELP}`);
    md.push("## AgentDojo", "", `Not run: no data at ${o.agentdojo}. ${AGENTDOJO_HELP}`, "");
  } else if (o.agentdojo) {
    log(`AgentDojo: ${o.agentdojo}`);
    ad = evaluateAgentDojo(o.agentdojo, { config, reps: o.reps, maxFpr: o.fpr, quick: o.quick, log });
    md.push("## AgentDojo", "", formatAgentDojo(ad), "");
  }
  if (o.scenarios) {
    log(`Scenarios: ${o.seeds} seeds from ${o.seedStart}`);
    const t = Date.now();
    const seeds = { seeds: o.seeds, seedStart: o.seedStart };
    sc = [evaluateScenarios({ ...seeds, config })];
    sc[0]!.scorer = `toolwatch (${config ? "--config" : "default config"}, ${recordBytes(config)} B/record)`;
    if (!o.quick) {
      if (o.memoryVariant) {
        const moreConfig = { ...(config ?? {}), ...MORE_VALUE_MEMORY };
        const more = evaluateScenarios({ ...seeds, config: moreConfig });
        more.scorer = `toolwatch (maxValueKeysPerEntity 16, maxValuesPerEntity 48, ${recordBytes(moreConfig)} B/record)`;
        sc.push(more);
      }
      sc.push(evaluateScenarios({ ...seeds, priorArt: true }));
    }
    log(`scenarios: ${Date.now() - t} ms`);
    md.push("## Timed scenarios", "", formatScenarios(sc), "");
  }
  if (o.org) {
    log(`Organisation: ${o.seeds} seeds from ${o.seedStart}`);
    const t = Date.now();
    org = evaluateOrg({ seeds: o.seeds, seedStart: o.seedStart, config });
    log(`organisation: ${Date.now() - t} ms`);
    md.push("## Simulated organisation at an alert budget", "", formatOrg(org), "");
  }
  const markdown = md.join("\n");
  if (o.md) write(o.md, markdown);
  if (o.json)
    write(o.json, JSON.stringify({ agentdojo: ad && { ...ad, examples: undefined }, scenarios: sc, org }, null, 1));
  if (o.html) {
    const d = createDetector(config);
    const warn = d.raw.config_value(SETTINGS.warnThreshold.slot);
    const block = d.raw.config_value(SETTINGS.blockThreshold.slot);
    write(o.html, renderHtmlReport(reportData(ad, sc, warn, block)));
    log(`wrote ${o.html}`);
  }
  return { agentdojo: ad, scenarios: sc, org, markdown };
}

export async function main(argv: string[], repoRoot: string): Promise<number> {
  try {
    const o = parseArgs(argv, repoRoot);
    const out = runEval(o);
    process.stdout.write(`${out.markdown}\n`);
    if (o.png && o.html) {
      const { openReport } = await import("./browser.js");
      const r = await openReport(o.html, o.png);
      if (r.errors.length) throw new Error(`the report logged errors in Chromium: ${r.errors.join("; ")}`);
      process.stderr.write(`wrote ${o.png} (${r.svgs} SVG charts)\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message}\n`);
    return 1;
  }
}
