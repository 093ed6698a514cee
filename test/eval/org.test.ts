import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { DAY, DAYS, EVAL_DAY, HOUR, ORG_ATTACKS, START, generateOrg } from "../../eval/org/world.js";
import { ROLES } from "../../eval/org/roles.js";
import { aucOfCounts, evaluateOrg, formatOrg } from "../../eval/org/run.js";
import { rng, rocAuc } from "../../eval/metrics.js";
import { parseArgs } from "../../eval/cli.js";

const digest = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");

describe("simulated organisation", () => {
  const w = generateOrg(7);

  it("is deterministic per seed and differs across seeds", () => {
    expect(digest(generateOrg(7).calls)).toBe(digest(w.calls));
    expect(digest(generateOrg(8).calls)).not.toBe(digest(w.calls));
  });

  it("has tenants in different time zones, roles of 12-19 tools, joiners and every attack kind", () => {
    expect(new Set(w.tenants.map((t) => t.tz)).size).toBe(w.tenants.length);
    for (const r of ROLES) expect(r.tools.length).toBeGreaterThanOrEqual(12);
    for (const r of ROLES) expect(r.tools.length).toBeLessThanOrEqual(19);
    expect(w.tenants.some((t) => t.people.some((p) => p.joinDay >= EVAL_DAY))).toBe(true);
    for (const k of ORG_ATTACKS) {
      const eps = w.episodes.filter((e) => e.kind === k);
      expect(eps.length, k).toBeGreaterThan(0);
      for (const e of eps) {
        expect(e.calls, k).toBeGreaterThanOrEqual(2);
        expect(e.start, k).toBeGreaterThanOrEqual(w.evalStart);
        const mine = w.calls.filter((c) => c.episode === e.id);
        expect(mine.length).toBe(e.calls);
        expect(new Set(mine.map((c) => `${c.tenant}/${c.principal}`)).size).toBe(1);
      }
    }
    for (const ev of ["payment_run", "incident", "adoption", "new_vendor", "transfer", "new_partner"])
      expect(
        w.calls.some((c) => c.event === ev),
        ev,
      ).toBe(true);
    expect(w.calls[w.calls.length - 1]!.time).toBeLessThan(START + (DAYS + 1) * DAY);
    for (let i = 1; i < w.calls.length; i++) expect(w.calls[i]!.time).toBeGreaterThanOrEqual(w.calls[i - 1]!.time);
  });

  it("gives dates that change by day and off-hours attacks at night", () => {
    const dates = new Set(w.calls.filter((c) => c.tool === "calendar_list").map((c) => c.args.date));
    expect(dates.size).toBeGreaterThan(20);
    const takeover = w.episodes.find((e) => e.kind === "off_hours_takeover")!;
    const tz = w.timeZones[takeover.tenant]!;
    const person = w.tenants
      .flatMap((t) => t.people)
      .find((p) => p.tenant === takeover.tenant && p.id === takeover.principal)!;
    const hour = Math.floor(((((takeover.start + (person?.tz ?? tz) * 60000) % DAY) + DAY) % DAY) / HOUR);
    expect(hour).toBeGreaterThanOrEqual(1);
    expect(hour).toBeLessThan(5);
  });

  it("reports every attack kind for toolwatch and the prior art, with the benign rates", () => {
    const rep = evaluateOrg({ seeds: 1, seedStart: 11, world: { tenants: 2, episodes: 1 } });
    expect(rep.scorers.map((s) => s.scorer)).toEqual(["toolwatch", "prior art"]);
    const md = formatOrg(rep);
    for (const k of ORG_ATTACKS) expect(md).toMatch(new RegExp(`\\| ${k} \\| 1 \\|`));
    expect(md).toMatch(/\| attack kind \| episodes \| toolwatch @ budget \| prior art @ budget \|/);
    expect(md).toMatch(/\| toolwatch \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|/);
    for (const s of rep.scorers) {
      expect(s.seeds[0]!.established.calls).toBeGreaterThan(1000);
      expect(s.seeds[0]!.newcomers.calls).toBeGreaterThan(0);
    }
  }, 60_000);

  it("computes the call-level ROC-AUC from risk histograms as rocAuc does from the calls", () => {
    const rand = rng(5);
    const levels = [0, 0.1, 0.3, 0.45, 0.55, 0.6, 0.9];
    const hist = (bias: number) => {
      const m = new Map<number, number>();
      for (let i = 0; i < 300; i++) {
        const r = levels[Math.min(levels.length - 1, Math.floor(rand() * levels.length * bias))]!;
        m.set(r, (m.get(r) ?? 0) + 1);
      }
      return [...m].sort((a, b) => a[0] - b[0]);
    };
    const pos = hist(1.4);
    const neg = hist(0.7);
    const calls = [
      ...pos.flatMap(([score, n]) => Array.from({ length: n }, () => ({ score, positive: true, group: "" }))),
      ...neg.flatMap(([score, n]) => Array.from({ length: n }, () => ({ score, positive: false, group: "" }))),
    ];
    expect(aucOfCounts(pos, neg)).toBeCloseTo(rocAuc(calls), 12);
  });

  it("is asked for with --org and part of the default run", () => {
    expect(parseArgs(["--org", "--seeds", "2"], "/repo", {}).org).toBe(true);
    expect(parseArgs(["--org"], "/repo", {}).scenarios).toBe(false);
    expect(parseArgs([], "/repo", {}).org).toBe(true);
    expect(parseArgs(["--scenarios"], "/repo", {}).org).toBe(false);
  });
});
