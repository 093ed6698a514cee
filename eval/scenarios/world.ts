// The generated world: tenants with a tool catalog, principals with habits. Pure data + a seeded PRNG.
import { rng } from "../metrics.js";

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** index drawn with the given weights */
  weighted(ws: readonly number[]): number {
    const total = ws.reduce((a, b) => a + b, 0);
    let x = this.next() * total;
    for (let i = 0; i < ws.length; i++) if ((x -= ws[i]!) < 0) return i;
    return ws.length - 1;
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  poisson(mean: number): number {
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
  word(): string {
    const w = [
      "quarterly",
      "budget",
      "invoice",
      "roadmap",
      "incident",
      "contract",
      "review",
      "hiring",
      "launch",
      "audit",
      "migration",
      "pricing",
      "renewal",
      "forecast",
      "backlog",
      "offsite",
    ];
    return `${this.pick(w)} ${this.pick(w)} ${this.int(1, 999)}`;
  }
}

/** How an argument's values behave: drawn from the principal's own small set, or free-form. */
export type ValueKind =
  | "contact"
  | "channel"
  | "host"
  | "project"
  | "table"
  | "folder"
  | "account"
  | "text"
  | "id"
  | "number"
  | "format";

export interface ToolSpec {
  name: string;
  args: Record<string, ValueKind>;
}

/** A generic tool vocabulary, the kind an MCP gateway fronts (mail, chat, docs, tickets, data, money). */
export const VOCABULARY: ToolSpec[] = [
  { name: "search_docs", args: { query: "text" } },
  { name: "read_doc", args: { doc_id: "id" } },
  { name: "send_email", args: { to: "contact", subject: "text", body: "text" } },
  { name: "post_message", args: { channel: "channel", text: "text" } },
  { name: "fetch_url", args: { url: "host" } },
  { name: "create_ticket", args: { project: "project", title: "text" } },
  { name: "query_db", args: { table: "table", limit: "number" } },
  { name: "list_files", args: { folder: "folder" } },
  { name: "export_report", args: { report: "project", format: "format" } },
  { name: "transfer_funds", args: { account: "account", amount: "number" } },
  { name: "get_calendar", args: { day: "id" } },
  { name: "update_record", args: { table: "table", id: "id" } },
  { name: "summarize", args: { text: "text" } },
  { name: "translate", args: { text: "text", lang: "format" } },
];

/** Tools no tenant's catalog contains: what a slow drip of never-seen tools calls. */
export const RARE_TOOLS: ToolSpec[] = [
  { name: "admin_list_users", args: {} },
  { name: "admin_create_api_key", args: { scope: "text" } },
  { name: "storage_share_public", args: { folder: "folder" } },
  { name: "db_dump", args: { table: "table" } },
  { name: "run_shell", args: { command: "text" } },
  { name: "mailbox_forward_all", args: { to: "contact" } },
  { name: "secrets_read", args: { name: "id" } },
  { name: "webhook_create", args: { url: "host" } },
];

export interface Principal {
  id: string;
  tenant: string;
  /** minutes east of UTC */
  tz: number;
  startHour: number;
  hours: number;
  weekendOdds: number;
  sessionsPerDay: number;
  tools: string[];
  weights: number[];
  /** allowed successors of each habitual tool (its workflow) */
  next: Record<string, string[]>;
  values: Record<ValueKind, string[]>;
}

export interface Tenant {
  id: string;
  tz: number;
  catalog: ToolSpec[];
  principals: Principal[];
  /** every value any principal of the tenant uses, by kind */
  pool: Record<ValueKind, string[]>;
}

const KINDS_WITH_SETS: ValueKind[] = ["contact", "channel", "host", "project", "table", "folder", "account", "format"];
const TZS = [-300, -240, 0, 60, 120, 330, 540];

function valueSet(r: Rand, kind: ValueKind, tenant: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = r.int(1, 40);
    switch (kind) {
      case "contact":
        out.push(`person${k}@${tenant}.example`);
        break;
      case "channel":
        out.push(`#team-${k}`);
        break;
      case "host":
        out.push(`https://portal${k % 12}.${tenant}.example/page/${r.int(1, 500)}`);
        break;
      case "project":
        out.push(`PRJ-${k}`);
        break;
      case "table":
        out.push(`table_${k % 15}`);
        break;
      case "folder":
        out.push(`/shared/${k}`);
        break;
      case "account":
        out.push(`ACCT-${tenant.toUpperCase()}-${k}`);
        break;
      case "format":
        out.push(r.pick(["csv", "pdf", "xlsx"]));
        break;
      default:
        out.push(String(k));
    }
  }
  return [...new Set(out)];
}

export function makeTenant(r: Rand, index: number, principals: number): Tenant {
  const id = `t${index}`;
  const tz = r.pick(TZS);
  const catalog = r.shuffle(VOCABULARY).slice(0, r.int(8, 12));
  const pool = Object.fromEntries(KINDS_WITH_SETS.map((k) => [k, [] as string[]])) as unknown as Record<
    ValueKind,
    string[]
  >;
  const ps: Principal[] = [];
  for (let i = 0; i < principals; i++) ps.push(makePrincipal(r, id, `u${i}`, tz, catalog, pool));
  return { id, tz, catalog, principals: ps, pool };
}

export function makePrincipal(
  r: Rand,
  tenant: string,
  id: string,
  tenantTz: number,
  catalog: ToolSpec[],
  pool?: Record<ValueKind, string[]>,
): Principal {
  const tools = r
    .shuffle(catalog)
    .slice(0, r.int(3, Math.min(6, catalog.length)))
    .map((t) => t.name);
  const weights = tools.map((_, i) => 1 / (i + 1)); // Zipf-like habits
  const next: Record<string, string[]> = {};
  for (const t of tools) next[t] = r.shuffle(tools).slice(0, Math.min(tools.length, r.int(1, 3)));
  const values = {} as Record<ValueKind, string[]>;
  for (const k of KINDS_WITH_SETS) {
    values[k] = valueSet(r, k, tenant, r.int(2, 4));
    if (pool) pool[k].push(...values[k]);
  }
  return {
    id,
    tenant,
    tz: r.next() < 0.75 ? tenantTz : r.pick(TZS), // a quarter work remotely in another zone
    startHour: r.int(7, 10),
    hours: r.int(7, 10),
    weekendOdds: r.next() < 0.2 ? 0.3 : 0.03,
    sessionsPerDay: 2 + r.next() * 4,
    tools,
    weights,
    next,
    values,
  };
}

export function specOf(name: string): ToolSpec {
  return [...VOCABULARY, ...RARE_TOOLS].find((t) => t.name === name)!;
}

/** Arguments for a call of `tool` by someone whose value sets are `values`. */
export function argsFor(r: Rand, tool: string, values: Record<ValueKind, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(specOf(tool).args)) {
    if (kind === "text") out[key] = r.word();
    else if (kind === "id") out[key] = `${key}-${r.int(1, 100000)}`;
    else if (kind === "number") out[key] = r.int(1, 500);
    else out[key] = r.pick(values[kind]);
  }
  return out;
}
