// A whole simulated organisation over six weeks (docs/SCENARIOS.md, "The organisation"): tenants in
// different time zones, people in seven roles running their workflows, holidays and weekends, joiners,
// tool adoption, payment runs, incidents, internal transfers, new vendors and partners, and nine kinds of
// attack episodes on single principals. Pure and deterministic from the seed.
import { Rand } from "../scenarios/world.js";
import { ADOPTABLE, INCIDENT_STEPS, ROLES, roleOf, toolOf, type ArgKind, type Role } from "./roles.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Monday 2024-03-04 00:00 UTC. */
export const START = Date.UTC(2024, 2, 4);
export const DAYS = 42;
/** benign calls before this day are history, not counted; attacks start on or after it */
export const EVAL_DAY = 14;
/** a principal is "new" for this long after its first call */
export const NEW_DAYS = 5;

export const ORG_ATTACKS = [
  "exfil_new_address",
  "payment_new_account",
  "mimicry",
  "slow_collection",
  "scraping_burst",
  "privilege_escalation",
  "injected_plan",
  "off_hours_takeover",
  "new_intruder_account",
] as const;
export type OrgAttack = (typeof ORG_ATTACKS)[number];

export interface OrgOptions {
  tenants?: number;
  /** people per role in a tenant: drawn from [min, max] */
  perRole?: [number, number];
  /** episodes of each attack kind per seed */
  episodes?: number;
}

export interface OrgPerson {
  tenant: string;
  id: string;
  role: Role;
  tz: number;
  startHour: number;
  hours: number;
  /** first working day (0 for people there from the start) */
  joinDay: number;
  tools: string[];
  weights: number[];
  workflowsPerDay: number;
  adHocPerDay: number;
  colleagues: string[];
  partners: string[];
  channels: string[];
  repos: string[];
  services: string[];
  crm: string[];
  internal: string[];
  /** accounts this person pays (finance) */
  vendors: string[];
}

export interface OrgTenant {
  id: string;
  domain: string;
  tz: number;
  holidays: number[];
  partnerDomains: string[];
  people: OrgPerson[];
  customers: string[];
  /** how many customers the tenant has on each day (the list grows by a few a day) */
  customersBy: number[];
  vendors: string[];
  internal: string[];
}

export interface OrgCall {
  tenant: string;
  principal: string;
  tool: string;
  args: Record<string, unknown>;
  time: number;
  /** episode id for attack calls, -1 for benign */
  episode: number;
  /** the benign event it belongs to ("" for ordinary work) */
  event: string;
}

export interface Episode {
  id: number;
  kind: OrgAttack;
  tenant: string;
  principal: string;
  start: number;
  calls: number;
}

export interface OrgWorld {
  seed: number;
  tenants: OrgTenant[];
  calls: OrgCall[];
  episodes: Episode[];
  evalStart: number;
  timeZones: Record<string, number>;
  /** first call of each tenant/principal (the "first five days" of a principal count from it) */
  firstCall: Map<string, number>;
}

const TZS = [-420, -300, 0, 60, 330, 540, 600];
const NAMES = ["acme", "borealis", "kestrel", "lumen", "orchid", "quarry", "tessera"];
const PARTNERS = ["northwind", "contoso", "fabrikam", "initech", "globex", "umbrella", "wayne", "stark", "hooli"];
const FIRST = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo", "kofi", "lena", "mo", "nia"];
const FREEMAIL = ["gmail.com", "outlook.com", "proton.me", "yahoo.com"];
const WORDS = ["q3", "renewal", "invoice", "outage", "roadmap", "hiring", "audit", "pricing", "launch", "contract"];

function isWeekend(day: number): boolean {
  return day % 7 >= 5;
}
function localDayStart(day: number, tz: number): number {
  return START + day * DAY - tz * MIN;
}
function isoDay(day: number): string {
  return new Date(START + day * DAY).toISOString().slice(0, 10);
}

/** Accounts of several shapes: IBANs compact and spaced, routing:account, digits only. */
function account(r: Rand): string {
  const digits = (n: number) => Array.from({ length: n }, () => r.int(0, 9)).join("");
  switch (r.int(0, 3)) {
    case 0:
      return `DE${r.int(10, 99)}${digits(18)}`;
    case 1: {
      const s = `GB${r.int(10, 99)}NWBK${digits(14)}`;
      return s.replace(/(.{4})/g, "$1 ").trim();
    }
    case 2:
      return `${digits(9)}:${digits(10)}`;
    default:
      return digits(12);
  }
}

function person(r: Rand, t: OrgTenant): string {
  return `${r.pick(FIRST)}.${r.pick(FIRST)}${r.int(1, 99)}@${t.domain}`;
}

function makeTenant(r: Rand, i: number, o: Required<OrgOptions>, tzs: number[]): OrgTenant {
  const name = NAMES[i % NAMES.length]! + (i >= NAMES.length ? String(i) : "");
  const t: OrgTenant = {
    id: name,
    domain: `${name}.example`,
    tz: tzs[i]!,
    holidays: [],
    partnerDomains: r
      .shuffle(PARTNERS)
      .slice(0, r.int(3, 5))
      .map((p) => `${p}.com`),
    people: [],
    customers: [],
    customersBy: [],
    vendors: [],
    internal: [],
  };
  // one holiday in the history, one or two in the evaluated weeks (weekdays)
  for (const [lo, hi] of [
    [1, EVAL_DAY - 1],
    [EVAL_DAY, DAYS - 1],
    [EVAL_DAY, DAYS - 1],
  ] as const) {
    const d = r.int(lo, hi);
    if (!isWeekend(d) && (hi === EVAL_DAY - 1 || r.next() < 0.7)) t.holidays.push(d);
  }
  for (let k = 0; k < r.int(12, 20); k++) t.vendors.push(account(r));
  for (let k = 0; k < r.int(2, 4); k++)
    t.internal.push(`ACC-${name.toUpperCase()}-${r.pick(["OPS", "PAY", "TAX", "RES"])}-${k}`);
  for (let k = 0; k < 30; k++) t.customers.push(`${r.pick(FIRST)}${r.int(1, 999)}@${r.pick(FREEMAIL)}`);
  for (let d = 0; d < DAYS; d++) {
    for (let k = r.int(0, 3); k > 0; k--) t.customers.push(`${r.pick(FIRST)}${r.int(1, 999)}@${r.pick(FREEMAIL)}`);
    t.customersBy.push(t.customers.length);
  }
  let n = 0;
  for (const role of ROLES) {
    for (let k = r.int(o.perRole[0], o.perRole[1]); k > 0; k--)
      t.people.push(makePerson(r, t, role, `${role.name}${n++}`, 0));
  }
  return t;
}

function makePerson(r: Rand, t: OrgTenant, role: Role, id: string, joinDay: number): OrgPerson {
  // most of the role's catalog, in a personal order of habit
  const tools = r.shuffle(role.tools.map((x) => x.name)).slice(0, role.tools.length - r.int(0, 2));
  const partners = Array.from({ length: r.int(2, 6) }, () => `${r.pick(FIRST)}@${r.pick(t.partnerDomains)}`);
  return {
    tenant: t.id,
    id,
    role,
    tz: r.next() < 0.85 ? t.tz : r.pick(TZS),
    startHour: r.int(7, 10),
    hours: r.int(8, 10),
    joinDay,
    tools,
    weights: tools.map((_, i) => 1 / (i + 1) ** 0.7),
    workflowsPerDay: 2 + r.next() * 4,
    adHocPerDay: 3 + r.next() * 8,
    colleagues: Array.from({ length: r.int(3, 8) }, () => person(r, t)),
    partners: [...new Set(partners)],
    channels: Array.from({ length: r.int(2, 4) }, () => `#${role.name}-${r.pick(WORDS)}`),
    repos: Array.from({ length: r.int(2, 4) }, () => `${t.id}/${r.pick(["api", "web", "billing", "infra", "mobile"])}`),
    services: Array.from({ length: r.int(2, 5) }, () => r.pick(["api", "auth", "billing", "search", "queue", "db"])),
    crm: Array.from({ length: r.int(4, 10) }, () => `CRM-${r.int(100, 999)}`),
    internal: r.shuffle(t.internal).slice(0, 2),
    vendors: r.shuffle(t.vendors).slice(0, r.int(6, 12)),
  };
}

/** Values for one call; IDs stay the same within one workflow run (`memo`). */
function argValue(
  r: Rand,
  kind: ArgKind,
  p: OrgPerson,
  t: OrgTenant,
  day: number,
  memo: Map<ArgKind, unknown>,
): unknown {
  const sticky = (make: () => unknown) => {
    if (!memo.has(kind)) memo.set(kind, make());
    return memo.get(kind);
  };
  switch (kind) {
    case "date":
      return isoDay(day + (r.next() < 0.8 ? 0 : r.int(1, 14)));
    case "from":
      return isoDay(day - r.pick([1, 7, 7, 30]));
    case "to":
      return isoDay(day);
    case "since":
      return `${isoDay(day)}T${String(r.int(0, 23)).padStart(2, "0")}:00:00Z`;
    case "period":
      return isoDay(day).slice(0, 7);
    case "invoice":
      return sticky(() => `INV-${r.int(10000, 99999)}`);
    case "ticket":
      return sticky(() => `TCK-${r.int(100000, 999999)}`);
    case "order":
      return sticky(() => `ORD-${r.int(1000000, 9999999)}`);
    case "email_id":
      return sticky(() => `msg-${r.int(1, 1 << 30).toString(16)}`);
    case "doc":
      return sticky(() => `doc-${r.int(1000, 99999)}`);
    case "pr":
      return sticky(() => r.int(100, 4000));
    case "incident":
      return sticky(() => `INC-${r.int(1000, 9999)}`);
    case "event":
      return sticky(() => `evt-${r.int(1, 1 << 24).toString(36)}`);
    case "employee":
      return sticky(() => `E${r.int(1000, 9999)}`);
    case "leave":
      return `LV-${r.int(10000, 99999)}`;
    case "opp":
      return sticky(() => `OPP-${r.int(1000, 9999)}`);
    case "article":
      return `KB-${r.int(1, 400)}`;
    case "text":
      return `${r.pick(WORDS)} ${r.pick(WORDS)} ${r.int(1, 99)}`;
    case "query":
      return r.word();
    case "body":
      return `${r.word()} — ${r.word()}, ${r.word()}.`;
    case "colleague":
      return r.pick(p.colleagues);
    case "partner":
      return r.pick(p.partners);
    case "contact":
      return r.next() < 0.7 ? r.pick(p.colleagues) : r.pick(p.partners);
    case "customer": {
      // the tenant's customers so far: new ones write in every day, older ones come back
      const n = t.customersBy[Math.min(Math.max(day, 0), DAYS - 1)]!;
      return t.customers[r.next() < 0.2 ? n - 1 - r.int(0, 3) : r.int(0, n - 1)];
    }
    case "candidate":
      return `${r.pick(FIRST)}.${r.pick(FIRST)}${r.int(1, 99)}@${r.pick(FREEMAIL)}`;
    case "vendor_account":
      return r.pick(p.vendors.length ? p.vendors : t.vendors);
    case "internal_account":
      return r.pick(p.internal);
    case "crm_account":
      return r.pick(p.crm);
    case "channel":
      return r.pick(p.channels);
    case "repo":
      return r.pick(p.repos);
    case "service":
      return r.pick(p.services);
    case "region":
      return r.pick(["eu-west-1", "us-east-1", "ap-south-1"]);
    case "room":
      return r.pick(["atlas", "borneo", "cairo", "delta"]);
    case "city":
      return r.pick(["Berlin", "Austin", "Pune", "Tokyo", "Lyon", "Oslo"]);
    case "lang":
      return r.pick(["de", "fr", "es", "ja"]);
    case "format":
      return r.pick(["csv", "xlsx", "pdf"]);
    case "status":
      return r.pick(["open", "pending", "closed"]);
    case "stage":
      return r.pick(["qualify", "propose", "negotiate", "won", "lost"]);
    case "product":
      return r.pick(["basic", "pro", "enterprise"]);
    case "field":
      return r.pick(["address", "title", "manager", "bank"]);
    case "branch":
      return `feat/${r.pick(WORDS)}-${r.int(1, 500)}`;
    case "path":
      return `src/${r.pick(WORDS)}/${r.pick(["index", "util", "model"])}.ts`;
    case "version":
      return `v2.${r.int(0, 40)}.${r.int(0, 9)}`;
    case "host":
      return `https://${r.pick(p.services)}.${t.domain}`;
    case "amount":
      return Math.round(r.next() * r.pick([200, 2000, 20000]) * 100) / 100;
    default:
      return r.int(1, 500);
  }
}

function argsOf(
  r: Rand,
  tool: string,
  p: OrgPerson,
  t: OrgTenant,
  day: number,
  memo = new Map(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, kind] of Object.entries(toolOf(tool, p.role)!.args)) out[k] = argValue(r, kind, p, t, day, memo);
  return out;
}

class Builder {
  calls: OrgCall[] = [];
  constructor(readonly r: Rand) {}
  push(p: OrgPerson, tool: string, args: Record<string, unknown>, time: number, episode = -1, event = ""): void {
    this.calls.push({ tenant: p.tenant, principal: p.id, tool, args, time, episode, event });
  }
  /** one workflow run from t0; returns the time after it */
  workflow(p: OrgPerson, t: OrgTenant, day: number, steps: string[], t0: number, event = ""): number {
    const r = this.r;
    const memo = new Map<ArgKind, unknown>();
    let time = t0;
    for (const s of steps) {
      const tool = s.replace("*", "");
      if (!p.tools.includes(tool)) continue;
      for (let k = s.endsWith("*") ? r.int(1, 4) : 1; k > 0; k--) {
        if (s.endsWith("*")) memo.clear(); // a repeated step reads several items
        this.push(p, tool, argsOf(r, tool, p, t, day, memo), time, -1, event);
        time += (p.role.fast ? r.int(2, 12) : r.int(8, 90)) * 1000;
      }
    }
    return time;
  }
}

function workMoment(r: Rand, p: OrgPerson, day: number): number {
  return localDayStart(day, p.tz) + p.startHour * HOUR + Math.floor(r.next() * (p.hours - 1) * HOUR);
}

/** A person's ordinary days: workflows and single calls in working hours, little at weekends and holidays. */
function ordinaryDays(b: Builder, p: OrgPerson, t: OrgTenant, from: number, to: number): void {
  const r = b.r;
  for (let d = Math.max(from, p.joinDay); d < to; d++) {
    const off = isWeekend(d) || t.holidays.includes(d);
    const scale = off ? (r.next() < (p.role.onCall ? 0.15 : 0.04) ? 0.3 : 0) : 1;
    if (scale === 0) continue;
    for (let k = r.poisson(p.workflowsPerDay * scale); k > 0; k--)
      b.workflow(p, t, d, r.pick(p.role.workflows), workMoment(r, p, d));
    for (let k = r.poisson(p.adHocPerDay * scale); k > 0; k--) {
      const tool = p.tools[r.weighted(p.weights)]!;
      b.push(p, tool, argsOf(r, tool, p, t, d), workMoment(r, p, d));
    }
  }
}

function workday(r: Rand, t: OrgTenant, lo: number, hi: number): number {
  for (;;) {
    const d = r.int(lo, hi);
    if (!isWeekend(d) && !t.holidays.includes(d)) return d;
  }
}

/** The benign events of the six weeks for one tenant. */
function events(b: Builder, t: OrgTenant): void {
  const r = b.r;
  const finance = t.people.filter((p) => p.role.name === "finance");
  const oncall = t.people.filter((p) => p.role.onCall);
  // payment runs: every second Friday and the last working day of March (Friday 29th), by one finance person
  for (const d of [4, 18, 25, 32]) {
    if (!finance.length) break;
    const p = r.pick(finance);
    let time = workMoment(r, p, d);
    time = b.workflow(p, t, d, ["list_invoices"], time, "payment_run");
    for (let k = r.int(10, 25); k > 0; k--) {
      const memo = new Map<ArgKind, unknown>();
      b.push(p, "get_invoice", argsOf(r, "get_invoice", p, t, d, memo), time, -1, "payment_run");
      time += r.int(5, 30) * 1000;
      const args = argsOf(r, "pay_invoice", p, t, d, memo);
      args.iban = r.pick(t.vendors); // the whole vendor list, not only this person's usual ones
      b.push(p, "pay_invoice", args, time, -1, "payment_run");
      time += r.int(10, 60) * 1000;
    }
  }
  // internal transfers, weekly, and once to an account opened during the weeks
  for (let d = 2; d < DAYS; d += 7) {
    if (!finance.length) break;
    const p = r.pick(finance);
    const day = workday(r, t, d, Math.min(DAYS - 1, d + 3));
    const [a, c] = r.shuffle(t.internal);
    b.push(
      p,
      "internal_transfer",
      { from_account: a, to_account: c, amount: r.int(1000, 90000) },
      workMoment(r, p, day),
      -1,
      "transfer",
    );
  }
  if (finance.length) {
    const fresh = `ACC-${t.id.toUpperCase()}-PROJECT-${r.int(1, 9)}`;
    const d = workday(r, t, EVAL_DAY + 2, DAYS - 3);
    const p = r.pick(finance);
    b.push(
      p,
      "internal_transfer",
      { from_account: r.pick(t.internal), to_account: fresh, amount: r.int(1000, 50000) },
      workMoment(r, p, d),
      -1,
      "transfer",
    );
    t.internal.push(fresh);
    p.internal.push(fresh);
  }
  // new vendors: added, then paid
  for (let k = r.int(1, 3); k > 0; k--) {
    if (!finance.length) break;
    const p = r.pick(finance);
    const d = workday(r, t, EVAL_DAY, DAYS - 2);
    const iban = account(r);
    let time = workMoment(r, p, d);
    b.push(
      p,
      "add_vendor",
      { name: `${r.pick(PARTNERS)} ${r.pick(["GmbH", "Ltd", "Inc"])}`, iban },
      time,
      -1,
      "new_vendor",
    );
    time += r.int(60, 3600) * 1000;
    b.push(
      p,
      "pay_invoice",
      { invoice_id: `INV-${r.int(10000, 99999)}`, iban, amount: r.int(100, 9000) },
      time,
      -1,
      "new_vendor",
    );
    t.vendors.push(iban);
    p.vendors.push(iban);
  }
  // incidents: on-call people page, acknowledge and dig in, sometimes at night
  for (let k = 0; k < 2; k++) {
    if (!oncall.length) break;
    const d = r.int(EVAL_DAY, DAYS - 1);
    const night = r.next() < 0.5;
    const crew = r.shuffle(oncall).slice(0, r.int(2, 4));
    const t0 = localDayStart(d, t.tz) + (night ? r.int(0, 5) : r.int(9, 16)) * HOUR + r.int(0, 59) * MIN;
    const incident = `INC-${r.int(1000, 9999)}`;
    for (const p of crew) {
      let time = t0 + r.int(0, 600) * 1000;
      const svc = r.pick(p.services);
      b.push(
        p,
        "page_oncall",
        { service: svc, text: `${svc} ${r.pick(["5xx", "latency", "down"])}` },
        time,
        -1,
        "incident",
      );
      for (let n = r.int(15, 40); n > 0; n--) {
        time += r.int(5, 40) * 1000;
        const tool = r.pick(INCIDENT_STEPS);
        const args = argsOf(r, tool, p, t, d);
        if (tool === "ack_page") args.incident_id = incident;
        if ("service" in args) args.service = svc;
        b.push(p, tool, args, time, -1, "incident");
      }
    }
  }
  // a team adopts a tool
  {
    const role = r.pick(ROLES);
    const tool = r.pick(ADOPTABLE).name;
    const from = r.int(EVAL_DAY + 1, DAYS - 10);
    for (const p of t.people.filter((x) => x.role === role)) {
      for (let d = from; d < DAYS; d++) {
        if (isWeekend(d) || t.holidays.includes(d)) continue;
        for (let n = r.int(0, 3); n > 0; n--)
          b.push(p, tool, argsOf(r, tool, p, t, d), workMoment(r, p, d), -1, "adoption");
      }
    }
  }
  // assistants take on new partners; support hears from new customers
  for (const p of t.people.filter((x) => x.role.name === "assistant")) {
    const d = workday(r, t, EVAL_DAY, DAYS - 3);
    const fresh = `${r.pick(FIRST)}@${r.pick(PARTNERS)}-${r.pick(["group", "labs", "co"])}.com`;
    b.push(p, "add_contact", { email: fresh }, workMoment(r, p, d), -1, "new_partner");
    p.partners.push(fresh);
  }
}

/** Attack episodes: several calls on one principal each. */
function attack(b: Builder, kind: OrgAttack, id: number, t: OrgTenant, o: OrgWorld): void {
  const r = b.r;
  const byRole = (...names: string[]) => t.people.filter((p) => names.includes(p.role.name) && p.joinDay === 0);
  const day = workday(r, t, EVAL_DAY + 1, DAYS - (kind === "slow_collection" ? 12 : 2));
  const outsider = () =>
    `${r.pick(FIRST)}${r.int(1, 9999)}@${r.pick([...FREEMAIL, `${t.id}-secure.net`, "files-drop.io"])}`;
  let victim: OrgPerson;
  const start = b.calls.length;
  const fastGap = () => r.int(2, 15) * 1000;
  let time: number;
  switch (kind) {
    case "exfil_new_address": {
      victim = r.pick(byRole("finance", "sales", "assistant", "support"));
      time = workMoment(r, victim, day);
      const to = outsider();
      for (const tool of ["search_emails", "read_email", "read_email", "send_email", "send_email"]) {
        const args = argsOf(r, tool, victim, t, day);
        if (tool === "send_email") args.to = to;
        b.push(victim, tool, args, time, id);
        time += fastGap();
      }
      break;
    }
    case "payment_new_account": {
      victim = r.pick(byRole("finance"));
      time = workMoment(r, victim, day);
      const acct = account(r);
      b.push(victim, "get_balance", argsOf(r, "get_balance", victim, t, day), time, id);
      for (let k = r.int(1, 3); k > 0; k--) {
        time += fastGap();
        b.push(
          victim,
          "send_money",
          { recipient: acct, amount: r.int(2000, 49000), reference: `${r.pick(WORDS)} ${r.int(1, 99)}` },
          time,
          id,
        );
      }
      break;
    }
    case "mimicry": {
      // only the principal's own most habitual tools, at its pace, but recipients nobody uses
      victim = r.pick(byRole("finance", "sales", "assistant", "support", "hr"));
      const withRecipient = victim.tools.filter((x) =>
        Object.values(toolOf(x, victim.role)!.args).some((k) =>
          ["contact", "colleague", "partner", "customer", "candidate"].includes(k),
        ),
      );
      const to = outsider();
      time = workMoment(r, victim, day);
      for (let k = r.int(4, 7); k > 0; k--) {
        const tool =
          k % 2 === 0 && withRecipient.length ? r.pick(withRecipient) : victim.tools[r.weighted(victim.weights)]!;
        const args = argsOf(r, tool, victim, t, day);
        for (const [key, kd] of Object.entries(toolOf(tool, victim.role)!.args))
          if (["contact", "colleague", "partner", "customer", "candidate"].includes(kd)) args[key] = to;
        b.push(victim, tool, args, time, id);
        time += r.int(30, 600) * 1000;
      }
      break;
    }
    case "slow_collection": {
      // a colleague's lookup tool, a few records a day over ten days, in working hours
      victim = r.pick(t.people.filter((p) => p.joinDay === 0 && !p.tools.includes("get_employee")));
      let next = r.int(1000, 2000);
      for (let d = day; d < day + 10; d++) {
        if (isWeekend(d) || t.holidays.includes(d)) continue;
        for (let k = r.int(4, 9); k > 0; k--)
          b.push(victim, "get_employee", { employee_id: `E${next++}` }, workMoment(r, victim, d), id);
      }
      break;
    }
    case "scraping_burst": {
      victim = r.pick(t.people.filter((p) => p.joinDay === 0));
      const readers = victim.tools.filter((x) => /^(get_|read_|lookup_)/.test(x));
      const tool = readers.length ? r.pick(readers) : victim.tools[0]!;
      time = workMoment(r, victim, day);
      for (let k = r.int(40, 80); k > 0; k--) {
        b.push(victim, tool, argsOf(r, tool, victim, t, day), time, id);
        time += r.int(1, 3) * 1000;
      }
      break;
    }
    case "privilege_escalation": {
      victim = r.pick(t.people.filter((p) => p.joinDay === 0));
      // a colleague's tools the principal never uses, with the colleague's kind of arguments
      const colleague = r.pick(t.people.filter((p) => p.role !== victim.role));
      const others = colleague.tools.filter((x) => !victim.tools.includes(x));
      time = workMoment(r, victim, day);
      for (const tool of r.shuffle(others).slice(0, r.int(4, 6))) {
        b.push(victim, tool, argsOf(r, tool, colleague, t, day), time, id);
        time += r.int(20, 300) * 1000;
      }
      break;
    }
    case "injected_plan": {
      victim = r.pick(byRole("assistant", "sales", "support", "finance", "engineering"));
      time = workMoment(r, victim, day);
      const to = outsider();
      const plan: [string, Record<string, unknown>][] = [
        ["read_email", { email_id: `msg-${r.int(1, 1 << 30).toString(16)}` }],
        ["search_docs", { query: r.pick(["api key", "password", "payroll", "customer list"]) }],
        ["read_doc", { doc_id: `doc-${r.int(1000, 99999)}` }],
        ["read_doc", { doc_id: `doc-${r.int(1000, 99999)}` }],
        ["share_doc", { doc_id: `doc-${r.int(1000, 99999)}`, with: to }],
        ["send_email", { to, subject: "as requested", body: r.word() }],
      ];
      for (const [tool, args] of plan) {
        b.push(victim, tool, args, time, id);
        time += r.int(2, 8) * 1000;
      }
      break;
    }
    case "off_hours_takeover": {
      victim = r.pick(t.people.filter((p) => p.joinDay === 0 && !p.role.onCall));
      time = localDayStart(day, victim.tz) + r.int(1, 3) * HOUR + r.int(0, 59) * MIN;
      for (let k = r.int(6, 10); k > 0; k--) {
        const tool = victim.tools[r.weighted(victim.weights)]!;
        b.push(victim, tool, argsOf(r, tool, victim, t, day), time, id);
        time += r.int(20, 120) * 1000;
      }
      break;
    }
    case "new_intruder_account": {
      const role = r.pick(ROLES);
      victim = makePerson(r, t, role, `svc-sync-${id}`, day);
      time = workMoment(r, victim, day);
      const to = outsider();
      for (let k = r.int(8, 12); k > 0; k--) {
        const tool = r.pick(victim.tools);
        const args = argsOf(r, tool, victim, t, day);
        for (const [key, kd] of Object.entries(toolOf(tool, victim.role)!.args))
          if (["contact", "partner", "customer", "candidate"].includes(kd)) args[key] = to;
        b.push(victim, tool, args, time, id);
        time += r.int(5, 60) * 1000;
      }
      break;
    }
  }
  const mine = b.calls.slice(start);
  o.episodes.push({
    id,
    kind,
    tenant: t.id,
    principal: victim!.id,
    start: Math.min(...mine.map((c) => c.time)),
    calls: mine.length,
  });
}

export function generateOrg(seed: number, opts: OrgOptions = {}): OrgWorld {
  const o: Required<OrgOptions> = { tenants: 5, perRole: [2, 4], episodes: 3, ...opts };
  const r = new Rand(seed * 104729 + 17);
  const tzs = r.shuffle(TZS).slice(0, o.tenants);
  const tenants: OrgTenant[] = [];
  for (let i = 0; i < o.tenants; i++) tenants.push(makeTenant(r, i, o, tzs.length > i ? tzs : [...tzs, ...TZS]));
  const b = new Builder(r);
  const world: OrgWorld = {
    seed,
    tenants,
    calls: b.calls,
    episodes: [],
    evalStart: START + EVAL_DAY * DAY,
    timeZones: Object.fromEntries(tenants.map((t) => [t.id, t.tz])),
    firstCall: new Map(),
  };
  for (const t of tenants) {
    // joiners: one or two people start during the evaluated weeks
    for (let k = r.int(1, 2); k > 0; k--) {
      const d = workday(r, t, EVAL_DAY, DAYS - 8);
      t.people.push(makePerson(r, t, r.pick(ROLES), `joiner${k}`, d));
    }
    events(b, t);
    for (const p of t.people) ordinaryDays(b, p, t, 0, DAYS);
  }
  let id = 0;
  for (const kind of ORG_ATTACKS)
    for (let k = 0; k < o.episodes; k++) attack(b, kind, id++, tenants[(id + k) % tenants.length]!, world);
  b.calls.sort((a, c) => a.time - c.time);
  for (const c of b.calls) {
    const key = `${c.tenant}/${c.principal}`;
    if (!world.firstCall.has(key)) world.firstCall.set(key, c.time);
  }
  return world;
}

export { roleOf };
