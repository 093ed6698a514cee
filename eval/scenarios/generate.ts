// The seeded scenario generator (docs/SCENARIOS.md): weeks of multi-tenant benign traffic, then one
// evaluation week into which attacks or benign changes of one kind are injected.
import {
  Rand,
  RARE_TOOLS,
  argsFor,
  makePrincipal,
  makeTenant,
  specOf,
  type Principal,
  type Tenant,
  type ValueKind,
} from "./world.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Monday 2024-03-04 00:00 UTC. */
export const START = Date.UTC(2024, 2, 4);

export const ATTACKS = [
  "burst_exfiltration",
  "off_hours_takeover",
  "slow_drip_new_tools",
  "new_account",
  "new_recipient_value",
  "unusual_sequence",
] as const;
export const CHANGES = ["tenant_adopts_tool", "timezone_move", "busy_day", "new_member"] as const;
export type ScenarioKind = (typeof ATTACKS)[number] | (typeof CHANGES)[number] | "baseline";

export interface GenCall {
  tenant: string;
  principal: string;
  tool: string;
  args: Record<string, unknown>;
  time: number;
  /** injection id for attack calls, -1 for benign (changed behaviour included) */
  injection: number;
  /** part of a benign change (counted as benign, also reported apart) */
  change: boolean;
}

export interface Injection {
  id: number;
  kind: ScenarioKind;
  tenant: string;
  principal: string;
  start: number;
  calls: number;
}

export interface Stream {
  kind: ScenarioKind;
  seed: number;
  tenants: Tenant[];
  calls: GenCall[];
  injections: Injection[];
  evalStart: number;
  end: number;
  timeZones: Record<string, number>;
}

export interface GenOptions {
  tenants?: number;
  principals?: number;
  /** days of benign history before the evaluation week */
  learnDays?: number;
  evalDays?: number;
  injections?: number;
}

function localDayStart(day: number, tz: number): number {
  return START + day * DAY - tz * MIN;
}

function isWeekend(day: number): boolean {
  return day % 7 >= 5; // START is a Monday
}

/** One working session: a walk along the principal's habitual workflow. */
function session(
  r: Rand,
  p: Principal,
  t0: number,
  out: GenCall[],
  gap: [number, number] = [5, 45],
  change = false,
): number {
  let tool = p.tools[r.weighted(p.weights)]!;
  const n = r.int(3, 10);
  let t = t0;
  for (let i = 0; i < n; i++) {
    out.push({
      tenant: p.tenant,
      principal: p.id,
      tool,
      args: argsFor(r, tool, p.values),
      time: t,
      injection: -1,
      change,
    });
    t += r.int(gap[0], gap[1]) * 1000;
    const nx = p.next[tool]!;
    tool = r.next() < 0.85 ? r.pick(nx) : p.tools[r.weighted(p.weights)]!;
  }
  return t;
}

/** A principal's benign days [from, to): sessions in working hours, fewer at weekends. */
function days(r: Rand, p: Principal, from: number, to: number, out: GenCall[], shiftHours = 0, busy = -1): void {
  for (let d = from; d < to; d++) {
    const weekend = isWeekend(d);
    let n = weekend ? (r.next() < p.weekendOdds ? 1 : 0) : r.poisson(p.sessionsPerDay);
    const isBusy = d === busy;
    if (isBusy) n = n * 3 + 3;
    const base = localDayStart(d, p.tz) + (p.startHour + shiftHours) * HOUR;
    for (let s = 0; s < n; s++) {
      const t0 = base + Math.floor(r.next() * p.hours * HOUR);
      session(r, p, t0, out, isBusy ? [3, 12] : [5, 45], shiftHours !== 0 || isBusy);
    }
  }
}

/** A working-hours moment of an evaluation day for a principal. */
function workMoment(r: Rand, p: Principal, day: number): number {
  return localDayStart(day, p.tz) + (p.startHour + 1) * HOUR + Math.floor(r.next() * (p.hours - 2) * HOUR);
}

function evalWeekday(r: Rand, learnDays: number, evalDays: number): number {
  for (;;) {
    // not the first evaluation day: a local day east of UTC starts before it in UTC
    const d = learnDays + r.int(1, evalDays - 1);
    if (!isWeekend(d)) return d;
  }
}

const REPEATING: ValueKind[] = ["contact", "channel", "host", "account", "project", "table", "folder"];

export function generate(kind: ScenarioKind, seed: number, o: GenOptions = {}): Stream {
  const r = new Rand(seed * 7919 + kind.length);
  const nT = o.tenants ?? 3;
  const nP = o.principals ?? 8;
  const learnDays = o.learnDays ?? 21;
  const evalDays = o.evalDays ?? 7;
  const nInj = o.injections ?? 4;
  const tenants: Tenant[] = [];
  for (let i = 0; i < nT; i++) tenants.push(makeTenant(r, i, nP));
  const calls: GenCall[] = [];
  const injections: Injection[] = [];
  const evalStart = START + learnDays * DAY;
  const end = START + (learnDays + evalDays) * DAY;

  // benign changes decide who behaves differently in the evaluation week
  const moved = new Set<Principal>();
  const busyTenant = kind === "busy_day" ? tenants[0]! : null;
  const busyDay = evalWeekday(r, learnDays, evalDays);
  if (kind === "timezone_move") for (const t of tenants) moved.add(r.pick(t.principals));

  for (const t of tenants) {
    for (const p of t.principals) {
      days(r, p, 0, learnDays, calls);
      const shift = moved.has(p) ? r.pick([-8, -6, 6, 8]) : 0;
      days(r, p, learnDays, learnDays + evalDays, calls, shift, busyTenant === t ? busyDay : -1);
    }
  }

  if (kind === "tenant_adopts_tool") {
    // every principal of one tenant starts using one new tool, a few times a day, from the evaluation week
    const t = tenants[0]!;
    const fresh = "ai_assistant_query";
    for (const p of t.principals) {
      for (let d = learnDays; d < learnDays + evalDays; d++) {
        if (isWeekend(d)) continue;
        for (let k = r.int(1, 3); k > 0; k--) {
          calls.push({
            tenant: t.id,
            principal: p.id,
            tool: fresh,
            args: { prompt: r.word() },
            time: workMoment(r, p, d),
            injection: -1,
            change: true,
          });
        }
      }
    }
  }

  if (kind === "new_member") {
    // two people join each tenant on the first evaluation day and work like their colleagues: the
    // tenant's tools, values drawn from the tenant's kind of addresses (some shared with the team)
    for (const t of tenants) {
      for (let i = 0; i < 2; i++) {
        const np = makePrincipal(r, t.id, `joiner${i}`, t.tz, t.catalog);
        const mine: GenCall[] = [];
        days(r, np, learnDays, learnDays + evalDays, mine);
        for (const c of mine) calls.push({ ...c, change: true });
      }
    }
  }

  let id = 0;
  const victims = new Set<Principal>();
  const victim = (pred: (p: Principal) => boolean = () => true): Principal => {
    const all = tenants.flatMap((t) => t.principals).filter((p) => !victims.has(p) && pred(p));
    const p = r.pick(all);
    victims.add(p);
    return p;
  };
  const inject = (
    p: { tenant: string; id: string },
    list: { tool: string; args: Record<string, unknown>; time: number }[],
  ) => {
    const inj: Injection = {
      id: id++,
      kind,
      tenant: p.tenant,
      principal: p.id,
      start: list[0]!.time,
      calls: list.length,
    };
    injections.push(inj);
    for (const c of list) calls.push({ tenant: p.tenant, principal: p.id, ...c, injection: inj.id, change: false });
  };

  if ((ATTACKS as readonly string[]).includes(kind)) {
    for (let k = 0; k < nInj; k++) {
      const day = evalWeekday(r, learnDays, evalDays);
      const list: { tool: string; args: Record<string, unknown>; time: number }[] = [];
      if (kind === "burst_exfiltration") {
        // a habitual read tool, scripted: 40 calls about 1.5 s apart
        const p = victim();
        const tool = p.tools[0]!;
        let t = workMoment(r, p, day);
        for (let i = 0; i < 40; i++) {
          list.push({ tool, args: argsFor(r, tool, p.values), time: t });
          t += r.int(1000, 2000);
        }
        inject(p, list);
      } else if (kind === "off_hours_takeover") {
        // someone else drives the account at night (victim's local 01:00-04:00): tools of the tenant's
        // catalog, values seen in the tenant — the intruder does not know the victim's habits
        const p = victim();
        const t0 = tenants.find((x) => x.id === p.tenant)!;
        let t = localDayStart(day, p.tz) + HOUR + Math.floor(r.next() * 3 * HOUR);
        for (let i = 0; i < 8; i++) {
          const tool = r.pick(t0.catalog).name;
          list.push({ tool, args: argsFor(r, tool, t0.pool), time: t });
          t += r.int(20, 90) * 1000;
        }
        inject(p, list);
      } else if (kind === "slow_drip_new_tools") {
        // never-seen tools, one every 8-15 minutes: far under any burst threshold
        const p = victim();
        let t = workMoment(r, p, day);
        for (const spec of r.shuffle(RARE_TOOLS).slice(0, 6)) {
          list.push({ tool: spec.name, args: argsFor(r, spec.name, p.values), time: t });
          t += r.int(8, 15) * MIN;
        }
        inject(p, list);
      } else if (kind === "new_account") {
        // an account nobody has seen in an established tenant, in working hours, pulling data out:
        // tenant tools, but addresses and hosts outside the tenant
        const t0 = r.pick(tenants);
        const fake = makePrincipal(r, t0.id, `new${k}`, t0.tz, t0.catalog);
        for (const kk of REPEATING)
          fake.values[kk] = fake.values[kk].map((v) =>
            v
              .replace(`.${t0.id}.example`, ".attacker.example")
              .replace(`@${t0.id}.example`, "@attacker.example")
              .replace(t0.id.toUpperCase(), "EXT"),
          );
        let t = localDayStart(day, t0.tz) + 11 * HOUR + Math.floor(r.next() * 4 * HOUR);
        for (let i = 0; i < 10; i++) {
          const tool = r.pick(t0.catalog).name;
          list.push({ tool, args: argsFor(r, tool, fake.values), time: t });
          t += r.int(10, 60) * 1000;
        }
        inject({ tenant: t0.id, id: fake.id }, list);
      } else if (kind === "new_recipient_value") {
        // a habitual tool with a repeating argument (recipient, URL, account...) sent to a value never seen
        const hasKey = (p: Principal) =>
          p.tools.some((tl) => Object.values(specOf(tl).args).some((v) => REPEATING.includes(v)));
        const p = victim(hasKey);
        const tool = p.tools.find((tl) => Object.values(specOf(tl).args).some((v) => REPEATING.includes(v)))!;
        const args = argsFor(r, tool, p.values);
        for (const [key, kindOf] of Object.entries(specOf(tool).args)) {
          if (kindOf === "contact") args[key] = `drop${k}@attacker.example`;
          else if (kindOf === "host") args[key] = `https://collect${k}.attacker.example/u`;
          else if (kindOf === "account") args[key] = `ACCT-EXT-${r.int(1000, 9999)}`;
          else if (REPEATING.includes(kindOf)) args[key] = `${String(args[key])}-x${r.int(100, 999)}`;
        }
        list.push({ tool, args, time: workMoment(r, p, day) });
        inject(p, list);
      } else if (kind === "unusual_sequence") {
        // known tools and values in working hours, in an order the principal's workflow never takes
        // a victim whose every tool has a tool its workflow never goes to next, so each step can leave it
        const p = victim(
          (x) => x.tools.length >= 3 && x.tools.every((a) => x.tools.some((b) => !x.next[a]!.includes(b))),
        );
        const never: [string, string][] = [];
        for (const a of p.tools) for (const b of p.tools) if (!p.next[a]!.includes(b)) never.push([a, b]);
        let t = workMoment(r, p, day);
        let tool = never.length ? r.pick(never)[0] : p.tools[0]!;
        for (let i = 0; i < 5; i++) {
          list.push({ tool, args: argsFor(r, tool, p.values), time: t });
          t += r.int(5, 30) * 1000;
          const opts = p.tools.filter((b) => !p.next[tool]!.includes(b));
          tool = opts.length ? r.pick(opts) : r.pick(p.tools);
        }
        inject(p, list);
      }
    }
  }

  calls.sort((a, b) => a.time - b.time || a.injection - b.injection);
  const timeZones = Object.fromEntries(tenants.map((t) => [t.id, t.tz]));
  return { kind, seed, tenants, calls, injections, evalStart, end, timeZones };
}
