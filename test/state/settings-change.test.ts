// A settings change must never cost the saved baselines: a store that cannot read its snapshots refuses
// to start (naming the setting that differs) and never rotates them away; an explicit migration carries
// them into a new budget; the Python store's files are never deleted by the Node store.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDetector, loadModule, type Detector } from "../../js/runtime/node/index.js";
import { FileStore } from "../../js/state/file-store.js";
import { migrateDir, setAsideDir } from "../../js/state/migrate.js";

const T0 = Date.UTC(2024, 0, 8, 10, 0, 0);
const BIG = { budgetBytes: 4 * 1024 * 1024 };
const SMALL = { budgetBytes: 1024 * 1024 };

function feed(d: Detector, principals: number, start: number): void {
  for (let i = 0; i < principals; i++)
    d.check({
      tenant: `t${i % 7}`,
      principal: `p${i}`,
      tool: "read_file",
      args: { path: "/a" },
      time: start + i * 1000,
    });
}

const snaps = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".snap"))
    .sort();

describe("settings change with a state directory", () => {
  it("refuses to start with snapshots it cannot read, names the settings, and never rotates them away", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-settings-"));
    const old = createDetector(BIG);
    feed(old, 2000, T0);
    expect(old.stats().entities).toBe(2000);
    const store = new FileStore({ dir, keep: 2, intervalMs: 0, saveOnShutdown: false });
    store.save(old);
    store.save(old);
    const before = snaps(dir);
    // a lower budget: 2000 principals no longer fit
    const d = createDetector(SMALL);
    expect(d.stats().capacity).toBeLessThan(2000);
    const s2 = new FileStore({ dir, keep: 2, intervalMs: 0, saveOnShutdown: false });
    let msg = "";
    try {
      s2.start(d);
    } catch (err) {
      msg = String((err as Error).message);
      expect((err as { code: string }).code).toBe("SNAPSHOT_SETTINGS");
    }
    s2.stop();
    expect(msg).toMatch(/toolwatch-000000000002\.snap/);
    expect(msg).toMatch(/budgetBytes 4194304/);
    expect(msg).toMatch(/budgetBytes 1048576/);
    expect(msg).toMatch(/toolwatch migrate/);
    // an operator who starts anyway (library use) and saves three times: the unreadable ones stay
    for (let i = 0; i < 3; i++) s2.save(d);
    for (const f of before) expect(existsSync(join(dir, f))).toBe(true);
    rmSync(dir, { recursive: true });
  });

  it("a changed cap is refused too, with the cap named", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-settings-"));
    const old = createDetector(BIG);
    feed(old, 50, T0);
    new FileStore({ dir }).save(old);
    const d = createDetector({ ...BIG, maxToolsPerEntity: 8 });
    const s = new FileStore({ dir, intervalMs: 0, saveOnShutdown: false });
    expect(() => s.start(d)).toThrow(/maxToolsPerEntity 16[\s\S]*maxToolsPerEntity 8/);
    s.stop();
    // and a migration cannot convert another record layout: it says so and changes nothing
    expect(() => migrateDir({ dir, config: { ...BIG, maxToolsPerEntity: 8 }, module: loadModule() })).toThrow(
      /maxToolsPerEntity/,
    );
    expect(snaps(dir)).toEqual(["toolwatch-000000000001.snap"]);
    rmSync(dir, { recursive: true });
  });

  it("migrate carries a snapshot into a lower budget, dropping and counting the least recently used", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-settings-"));
    const old = createDetector(BIG);
    feed(old, 2000, T0);
    new FileStore({ dir }).save(old);
    const r = migrateDir({ dir, config: SMALL, module: loadModule() });
    const cap = createDetector(SMALL).stats().capacity;
    expect(r.records).toBe(2007);
    expect(r.kept).toBe(cap);
    expect(r.dropped).toBe(2007 - cap);
    expect(r.setAside).toEqual(["toolwatch-000000000001.snap"]);
    // the old file is kept, set aside; the migrated one starts the server
    expect(existsSync(join(dir, "toolwatch-000000000001.snap.set-aside"))).toBe(true);
    const d = createDetector(SMALL);
    const s = new FileStore({ dir, intervalMs: 0, saveOnShutdown: false });
    expect(s.start(d)?.seq).toBe(2);
    s.stop();
    expect(d.stats().entities + d.stats().tenants).toBe(cap);
    // the most recent principal survived, the oldest did not (sampled LRU)
    expect(d.exportRecord({ tenant: "t4", principal: "p1999" })).not.toBeNull();
    expect(d.exportRecord({ tenant: "t0", principal: "p0" })).toBeNull();
    rmSync(dir, { recursive: true });
  });

  it("starting fresh on purpose sets the snapshots aside and keeps them", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-settings-"));
    const old = createDetector(BIG);
    feed(old, 2000, T0);
    new FileStore({ dir }).save(old);
    expect(setAsideDir({ dir })).toEqual(["toolwatch-000000000001.snap"]);
    const d = createDetector(SMALL);
    const s = new FileStore({ dir, keep: 1, intervalMs: 0, saveOnShutdown: false });
    expect(s.start(d)).toBeNull();
    s.stop();
    s.save(d);
    s.save(d);
    expect(
      readdirSync(dir)
        .filter((f) => f.includes(".snap"))
        .sort(),
    ).toEqual(["toolwatch-000000000001.snap.set-aside", "toolwatch-000000000003.snap"]);
    rmSync(dir, { recursive: true });
  });

  it("rotation deletes only what the Node store wrote: the Python store's and unknown files stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-settings-"));
    const d = createDetector(BIG);
    feed(d, 20, T0);
    // two snapshots written by the Python store (listed in its own manifest), then the Node store saves
    const bytes = d.snapshot();
    writeFileSync(join(dir, "toolwatch-000000000001.snap"), bytes);
    writeFileSync(join(dir, "toolwatch-000000000002.snap"), bytes);
    writeFileSync(join(dir, ".toolwatch-written.json"), JSON.stringify({ written: [1, 2], unreadable: [] }));
    const s = new FileStore({ dir, keep: 2 });
    for (let i = 0; i < 4; i++) s.save(d);
    expect(snaps(dir)).toEqual([
      "toolwatch-000000000001.snap",
      "toolwatch-000000000002.snap",
      "toolwatch-000000000005.snap",
      "toolwatch-000000000006.snap",
    ]);
    rmSync(dir, { recursive: true });
  });
});
