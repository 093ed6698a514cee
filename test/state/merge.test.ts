// Merge: two replicas that each saw half of a stream, merged, against one process that saw all of it.
import { describe, expect, it } from "vitest";
import { createDetector, type Detector, type CallInput } from "../../js/runtime/node/index.js";
import { rng } from "../../js/util/rng.js";

const T0 = Date.UTC(2024, 0, 8, 8, 0, 0); // Monday 08:00 UTC
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface User {
  tenant: string;
  principal: string;
  tools: string[];
  recipients: string[];
}
const USERS: User[] = [
  {
    tenant: "acme",
    principal: "alice",
    tools: ["read_file", "search", "summarise"],
    recipients: ["bob@acme.io", "carol@acme.io"],
  },
  { tenant: "acme", principal: "bob", tools: ["search", "send_email", "read_file"], recipients: ["alice@acme.io"] },
  {
    tenant: "acme",
    principal: "carol",
    tools: ["list_dir", "read_file", "send_email"],
    recipients: ["team@acme.io", "bob@acme.io"],
  },
  { tenant: "globex", principal: "dave", tools: ["query_db", "export_csv", "search"], recipients: ["ops@globex.io"] },
  {
    tenant: "globex",
    principal: "erin",
    tools: ["query_db", "send_email"],
    recipients: ["dave@globex.io", "ops@globex.io"],
  },
];

function call(u: User, i: number, t: number, r: () => number): CallInput {
  // one call early in the first day (while every baseline is still cold) uses a tool never used again:
  // only one replica learns it
  const tool = i === 2 ? `setup_${u.principal}` : u.tools[i % u.tools.length]!;
  const args: Record<string, unknown> =
    tool === "send_email"
      ? { to: u.recipients[Math.floor(r() * u.recipients.length)]!, subject: `update ${i}` }
      : tool === "query_db"
        ? { table: "orders", limit: 100 }
        : { path: `/projects/${u.principal}/notes.md` };
  return { tenant: u.tenant, principal: u.principal, tool, args, time: t };
}

/** Five working days, each user ~30 calls a day between 09:00 and 17:00, interleaved. */
function stream(): CallInput[] {
  const r = rng(42);
  const out: CallInput[] = [];
  for (let day = 0; day < 5; day++) {
    for (const [ui, u] of USERS.entries()) {
      let t = T0 + day * DAY + HOUR + ui * 7 * MIN;
      for (let i = 0; i < 30; i++) {
        // alice works in quick succession (several calls per burst window), the others minutes apart
        t += ui === 0 ? Math.floor((15 + r() * 10) * 1000) : Math.floor((5 + r() * 10) * MIN);
        out.push(call(u, day * 30 + i, t, r));
      }
    }
  }
  return out.sort((a, b) => a.time! - b.time!);
}

// Record bytes (exportRecord) → the figures a merge promises to keep exactly.
function figures(d: Detector, u: { tenant: string; principal: string }, which: "entity" | "tenant") {
  const b = d.exportRecord(u, which)!;
  const v = new DataView(b.buffer, b.byteOffset + 40);
  const recSize = d.stats().recordBytes;
  const ringOff = 96 + 168;
  const ringCap = 20;
  const toolsOff = (ringOff + ringCap * 4 + 7) & ~7;
  const tools = new Map<number, number>();
  for (let i = 0; i < 16; i++) {
    const fp = v.getUint32(toolsOff + i * 8, true);
    if (fp !== 0) tools.set(fp, v.getUint16(toolsOff + i * 8 + 4, true));
  }
  const base = v.getFloat64(64, true);
  const head = v.getUint16(72, true);
  const len = v.getUint16(74, true);
  const ring: number[] = [];
  for (let k = 0; k < len; k++)
    ring.push(base + v.getUint32(ringOff + ((((head - 1 - k) % ringCap) + ringCap) % ringCap) * 4, true));
  // the fields decoded here sit in the record's fixed part, ahead of the slot sets and the sketch
  expect(recSize).toBeGreaterThan(toolsOff + 16 * 8);
  return {
    first: v.getFloat64(16, true),
    last: v.getFloat64(24, true),
    learned: v.getUint32(32, true),
    seen: v.getUint32(36, true),
    hours: Array.from(new Uint8Array(b.buffer, b.byteOffset + 40 + 96, 168)),
    hourTotal: v.getUint32(76, true),
    tools: [...tools.entries()].sort((x, y) => x[0] - y[0]),
    ring: ring.sort((x, y) => x - y),
    rate: v.getFloat64(56, true),
  };
}

function probes(end: number): CallInput[] {
  const p: CallInput[] = [];
  let t = end + 16 * HOUR; // next morning
  for (const u of USERS) {
    for (let i = 0; i < 6; i++) if (i !== 2) p.push(call(u, i, (t += 4 * MIN), rng(7 + i)));
    p.push(call(u, 2, (t += 4 * MIN), rng(3)));
    p.push({
      tenant: u.tenant,
      principal: u.principal,
      tool: "delete_repository",
      args: { name: "prod" },
      time: (t += MIN),
    });
    p.push({
      tenant: u.tenant,
      principal: u.principal,
      tool: "send_email",
      args: { to: "drop@evil.example", subject: "x" },
      time: (t += MIN),
    });
  }
  // a burst from one user
  for (let i = 0; i < 25; i++)
    p.push({
      tenant: "acme",
      principal: "alice",
      tool: "read_file",
      args: { path: "/projects/alice/notes.md" },
      time: t + 30 * MIN + i * 500,
    });
  return p;
}

// A replica sees a principal's calls out of their order when calls are spread at random, so its order
// signal judges noise (a run of "unusual" steps that never happened); here the order signal is computed
// but not counted, so every replica learns every call it sees and the counts can be compared exactly.
const SPLIT = { signals: { unseenTransition: { mode: "shadow" as const } } };

describe("merge", () => {
  it("two replicas that each saw half of the stream, merged, judge like one process that saw all", () => {
    const s = stream();
    const single = createDetector(SPLIT);
    const a = createDetector(SPLIT);
    const b = createDetector(SPLIT);
    const r = rng(1);
    for (const c of s) {
      single.check(c);
      (r() < 0.5 ? a : b).check(c);
    }
    const merged = createDetector(SPLIT);
    expect(merged.merge(a.snapshot())).toBe(USERS.length + 2);
    expect(merged.merge(b.snapshot())).toBe(USERS.length + 2);
    expect(merged.stats().checks).toBe(s.length);
    expect(merged.stats().entities).toBe(USERS.length);
    expect(merged.stats().tenants).toBe(2);

    // exact: counts, first/last seen, hour bins, tool counts, the burst ring
    for (const u of USERS) {
      const fs = figures(single, u, "entity");
      const fm = figures(merged, u, "entity");
      expect(fm.learned).toBe(fs.learned);
      expect(fm.seen).toBe(fs.seen);
      expect(fm.first).toBe(fs.first);
      expect(fm.last).toBe(fs.last);
      expect(fm.hours).toEqual(fs.hours);
      expect(fm.hourTotal).toBe(fs.hourTotal);
      expect(fm.tools).toEqual(fs.tools);
      expect(fm.ring).toEqual(fs.ring);
      // approximate: the rate average (each replica saw about half the calls in a window)
      expect(Math.abs(fm.rate - fs.rate) / fs.rate).toBeLessThan(0.25);
    }
    for (const tenant of ["acme", "globex"]) {
      const ts = figures(single, { tenant, principal: "x" }, "tenant");
      const tm = figures(merged, { tenant, principal: "x" }, "tenant");
      expect([tm.learned, tm.first, tm.last, tm.hours, tm.tools]).toEqual([
        ts.learned,
        ts.first,
        ts.last,
        ts.hours,
        ts.tools,
      ]);
    }

    // decisions on the next day's calls, attacks and a burst
    const ps = probes(s[s.length - 1]!.time!);
    let same = 0;
    let sameReplica = 0;
    const flagged = { single: 0, merged: 0, replica: 0 };
    for (const c of ps) {
      const ds = single.check(c);
      const dm = merged.check(c);
      const da = a.check(c);
      if (ds.action === dm.action) same++;
      if (ds.action === da.action) sameReplica++;
      if (ds.action !== "allow") flagged.single++;
      if (dm.action !== "allow") flagged.merged++;
      if (da.action !== "allow") flagged.replica++;
      if (c.tool === "delete_repository" || String((c.args as { to?: string }).to).includes("evil")) {
        expect(dm.action).toBe(ds.action);
        // transitions are the approximate part: a replica learns pairs of calls that were not adjacent
        const codes = (d: typeof dm) => d.reasons.map((x) => x.code).filter((x) => x !== "UNSEEN_TRANSITION");
        expect(codes(dm)).toEqual(codes(ds));
      }
      if (c.tool === "delete_repository") expect(dm.action).not.toBe("allow");
    }
    expect(same / ps.length).toBeGreaterThanOrEqual(0.95);
    expect(flagged.merged).toBeGreaterThan(USERS.length);
    // a lone replica misses what only the other one saw (the one-off tools): the merge is what fixes it
    expect(sameReplica).toBeLessThan(same);
  });

  it("merging one replica into an empty state gives that replica's state", () => {
    const s = stream();
    const a = createDetector();
    for (const c of s.slice(0, 300)) a.check(c);
    const m = createDetector();
    m.merge(a.snapshot());
    for (const u of USERS) expect(m.exportRecord(u)).toEqual(a.exportRecord(u));
  });

  it("a record merged through XFER equals the snapshot merge of that record", () => {
    const s = stream();
    const a = createDetector();
    const b = createDetector();
    for (const [i, c] of s.entries()) (i % 2 ? a : b).check(c);
    const viaSnap = createDetector();
    viaSnap.merge(a.snapshot());
    viaSnap.merge(b.snapshot());
    const u = USERS[2]!;
    const viaRecord = createDetector();
    expect(viaRecord.mergeRecord(u, "entity", a.exportRecord(u)!)).toBe("created");
    expect(viaRecord.mergeRecord(u, "entity", b.exportRecord(u)!)).toBe("merged");
    expect(viaRecord.exportRecord(u)).toEqual(viaSnap.exportRecord(u));
    expect(() => viaRecord.mergeRecord(USERS[0]!, "entity", a.exportRecord(u)!)).toThrow(/another identity/);
  });

  it("refuses a bad snapshot without merging anything", () => {
    const a = createDetector();
    for (const c of stream().slice(0, 200)) a.check(c);
    const snap = a.snapshot();
    snap[snap.length - 5]! ^= 1;
    const m = createDetector();
    for (const c of stream().slice(200, 260)) m.check(c);
    const before = m.stateHash();
    expect(() => m.merge(snap)).toThrow(/checksum/);
    expect(m.stateHash()).toBe(before);
  });

  it("counts that saturate when added are halved, and stay learned counts", () => {
    const alice = { tenant: "acme", principal: "alice" };
    const replica = (start: number) => {
      const d = createDetector();
      for (let i = 0; i < 20000; i++)
        d.learn({
          ...alice,
          tool: i % 100 === 0 ? "search" : "read_file",
          args: { path: "/a" },
          time: start + i * 60_000,
        });
      return d;
    };
    const a = replica(T0);
    const b = replica(T0 + 20000 * 60_000);
    a.merge(b.snapshot());
    const f = figures(a, alice, "entity");
    expect(f.learned).toBe(40000);
    const counts = f.tools.map(([, c]) => c).sort((x, y) => y - x);
    expect(counts.length).toBe(2);
    expect(counts[0]).toBeLessThanOrEqual(0x7fff); // 39 600 halved to 19 800, the candidate bit never set
    expect(counts[0]).toBe(19800);
    expect(counts[1]).toBe(200);
    const d = a.check({ ...alice, tool: "read_file", args: { path: "/a" }, time: T0 + 40001 * 60_000 });
    expect(d.reasons.map((r) => r.code)).not.toContain("UNSEEN_TOOL");
    expect(d.action).toBe("allow");
  });

  it("unions allowlists and adds the counters", () => {
    const a = createDetector();
    const b = createDetector();
    a.allow({ tool: "healthcheck" });
    b.allow({ tool: "healthcheck" });
    b.allow({ principal: "ci-bot" });
    const s = stream();
    for (const c of s.slice(0, 100)) a.check(c);
    for (const c of s.slice(100, 250)) b.check(c);
    a.merge(b.snapshot());
    expect(a.stats().allowlistEntries).toBe(2);
    expect(a.stats().checks).toBe(250);
    expect(a.check({ principal: "ci-bot", tenant: "acme", tool: "anything", time: T0 + 9 * DAY }).allowlisted).toBe(
      true,
    );
  });
});
