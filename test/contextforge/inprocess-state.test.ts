// Baselines of the in-process plugin survive restarts and move between hosts: a snapshot directory written by
// the Node file store (as `toolwatch serve` keeps it) is restored by the Python plugin, and the Python
// plugin's directory by the Node file store, with equal state hashes; rotation, unreadable and foreign files.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../../js/runtime/node/index.js";
import { parseConfig } from "../../js/config/parse.js";
import { FileStore } from "../../js/state/file-store.js";
import { drive, mcpIdentity, root, skipReason, type Op } from "./harness.js";
import { ensureInProcessVenv, inProcessEntry, PRIOR_ART_BLOCK, sourceEnv } from "./inprocess-helpers.js";

const NAME = "ToolCallAnomalyDetection";
const erin = mcpIdentity("erin@acme.example", "team-ops");
const snaps = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^toolwatch-\d{12}\.snap$/.test(f))
    .sort();
const routine = (n: number): Op[] =>
  Array.from({ length: n }, (_, i) => ({
    op: "call" as const,
    tool: i % 2 ? "list_files" : "read_file",
    args: { path: "/reports" },
    identity: erin,
    post: true,
    plugin: NAME,
  }));
const inspectHash = (ops: any[]) => ops.filter((o) => o.inspect).map((o) => o.inspect[0].state_hash as string);

/** The Node side, as `toolwatch serve --config` builds it: the same block through the same schema. */
const nodeDetector = () => createDetector(parseConfig(PRIOR_ART_BLOCK));

describe.skipIf(skipReason !== undefined)("in-process plugin state: restarts and the Node file store", () => {
  beforeAll(() => ensureInProcessVenv(), 240_000);

  it("restores a snapshot the Node file store wrote (equal state hash), and keeps learning on it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-state-n2p-"));
    const d = nodeDetector();
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 30; i++) {
      d.check({
        tool: i % 3 ? "read_file" : "list_files",
        args: { path: "/reports" },
        identity: { principal: "erin@acme.example", tenant: "team-ops" },
        time: t0 + i * 60_000,
      });
    }
    const saved = new FileStore({ dir }).save(d);
    expect(saved.seq).toBe(1);
    const ops: Op[] = [
      { op: "inspect", plugin: NAME },
      { op: "call", tool: "read_file", args: { path: "/reports" }, identity: erin, plugin: NAME },
    ];
    const r = await drive({ plugins: [inProcessEntry({ ...PRIOR_ART_BLOCK, state_dir: dir })], ops }, sourceEnv());
    expect(r.init_error).toBeUndefined();
    expect(inspectHash(r.ops)).toEqual([d.stateHash()]);
    // erin is known from the Node process's learning: her own baseline judges, read_file is not new
    const pre = r.ops[1].pre;
    expect(pre.metadata.toolwatch).toMatchObject({ baseline: "own", anomaly_mode: "active" });
    expect(pre.metadata.toolwatch.reasons.map((x: { code: string }) => x.code)).not.toContain("UNSEEN_TOOL");
    // the call changed the state, so shutdown saved it as the next snapshot; the Node file is kept
    expect(snaps(dir)).toEqual(["toolwatch-000000000001.snap", "toolwatch-000000000002.snap"]);
  }, 60_000);

  it("its snapshots restore in the Node file store with an equal state hash, and in a restarted process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-state-p2n-"));
    const entry = inProcessEntry({ ...PRIOR_ART_BLOCK, state: { dir, keep: 3, interval_seconds: 0 } });
    const first = await drive(
      { plugins: [entry], ops: [...routine(12), { op: "inspect", plugin: NAME }] },
      sourceEnv(),
    );
    const [h1] = inspectHash(first.ops);
    expect(h1).toMatch(/^[0-9a-f]{16}$/);
    expect(snaps(dir)).toEqual(["toolwatch-000000000001.snap"]); // written at shutdown

    const node = nodeDetector();
    const store = new FileStore({ dir });
    expect(store.restoreLatest(node)?.seq).toBe(1);
    expect(node.stateHash()).toBe(h1);

    // a new process on the same directory starts from it (the gateway restarted)
    const second = await drive(
      { plugins: [entry], ops: [{ op: "inspect", plugin: NAME }, ...routine(1)] },
      sourceEnv(),
    );
    expect(inspectHash(second.ops)).toEqual([h1]);
    expect(second.ops[1].pre.metadata.toolwatch).toMatchObject({ baseline: "own" });
    // and TOOLWATCH_STATE_DIR, serve's variable, sets the directory as well
    const third = await drive(
      { plugins: [inProcessEntry(PRIOR_ART_BLOCK)], ops: [{ op: "inspect", plugin: NAME }] },
      { ...sourceEnv(), TOOLWATCH_STATE_DIR: dir },
    );
    expect(inspectHash(third.ops)).not.toEqual([h1]); // the second run learnt one more call
    const again = nodeDetector();
    new FileStore({ dir }).restoreLatest(again);
    expect(inspectHash(third.ops)).toEqual([again.stateHash()]);
  }, 90_000);

  it("rotates only its own snapshots, never one it could not read; saves on an interval; leaves no temp files", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-state-rot-"));
    const d = nodeDetector();
    d.check({ tool: "read_file", args: {}, identity: { principal: "p", tenant: "t" }, time: Date.now() });
    new FileStore({ dir }).save(d); // seq 1: written by Node
    writeFileSync(join(dir, "toolwatch-000000000007.snap"), Buffer.from("not a snapshot at all, but named like one"));
    const out = execFileSync(
      join(root, ".venv-contextforge", "bin", "python"),
      [
        "-c",
        `
import json, os, time
from toolwatch_wasm.registry import shared_detector, StateSettings
from toolwatch_wasm.contextforge import plugin_settings
settings, state, _ = plugin_settings(json.loads(${JSON.stringify(JSON.stringify({ ...PRIOR_ART_BLOCK, state: { dir, keep: 2, interval_seconds: 0.2 } }))}))
s = shared_detector(settings, state)
restored = s.restored.seq
s.check("list_files", {}, principal="p", tenant="t")
time.sleep(0.7)  # the interval saver writes without any release
periodic = sorted(f for f in os.listdir(${JSON.stringify(dir)}) if f.endswith(".snap"))
for i in range(4):
    s.check("tool_%d" % i, {}, principal="p", tenant="t")
    s.save()
print(json.dumps({"restored": restored, "periodic": periodic, "hash": s.state_hash(), "same": shared_detector(settings, state) is s}))
`,
      ],
      { env: { ...process.env, ...sourceEnv() }, encoding: "utf8" },
    );
    const r = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(r.restored).toBe(1); // the damaged #7 was skipped
    expect(r.periodic.length).toBeGreaterThan(2);
    expect(r.same).toBe(true);
    const left = snaps(dir);
    // the Node file and the unreadable #7 stay; of its own, the newest two
    expect(left.slice(0, 2)).toEqual(["toolwatch-000000000001.snap", "toolwatch-000000000007.snap"]);
    expect(left).toHaveLength(4);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const node = nodeDetector();
    const restored = new FileStore({ dir }).restoreLatest(node);
    expect(restored?.path).toBe(join(dir, left.at(-1)!));
    expect(node.stateHash()).toBe(r.hash);
    expect(existsSync(join(dir, ".toolwatch-written.json"))).toBe(true);
  }, 60_000);
});
