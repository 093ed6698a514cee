// `pip install ./hosts/python` gives a working plugin: a fresh venv with ContextForge's framework (the peers'
// own install.sh) and the package built from this checkout, no source path, no TOOLWATCH_WASM. The manager
// loads it by class path with the prior plugin's config block; it stops an exfiltration burst, shares one
// baseline across two (team, tool) contexts, and restores it in a new process on the same state directory.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drive, mcpIdentity, peers, root, skipReason, type CallOutcome, type Op } from "./harness.js";
import { inProcessEntry, PRIOR_ART_BLOCK } from "./inprocess-helpers.js";

const NAME = "ToolCallAnomalyDetection";
const erin = mcpIdentity("erin@acme.example", "team-ops");
const pkg = join(root, "hosts", "python", "toolwatch_wasm");
// pip's retries against an unreachable default index cost minutes; the local index answers at once
const pipEnv = { ...process.env, PIP_RETRIES: "0" };
// nothing from the checkout: the installed package must stand on its own
const installedEnv = { PYTHONPATH: "", TOOLWATCH_WASM: "" };

describe.skipIf(skipReason !== undefined)("the Python package, installed with pip, as a ContextForge plugin", () => {
  const tmp = mkdtempSync(join(tmpdir(), "tw-pip-"));
  const venv = join(tmp, "venv");
  const py = join(venv, "bin", "python");

  beforeAll(() => {
    // `npm run build` copies the core and the config schema into the package; a stale copy would test old code
    expect(
      existsSync(join(pkg, "toolwatch.wasm")),
      "hosts/python/toolwatch_wasm/toolwatch.wasm missing: run `npm run build`",
    ).toBe(true);
    expect(
      readFileSync(join(pkg, "toolwatch.wasm")).equals(readFileSync(join(root, "build", "toolwatch.wasm"))),
      "the package's toolwatch.wasm differs from build/toolwatch.wasm: run `npm run build`",
    ).toBe(true);
    const install = spawnSync("bash", [join(peers, "install.sh"), venv], { encoding: "utf8", env: pipEnv });
    expect(install.status, `install.sh failed:\n${install.stdout}\n${install.stderr}`).toBe(0);
    // built from a copy, so pip's build directories stay out of the working tree
    const src = join(tmp, "src");
    cpSync(join(root, "hosts", "python"), src, {
      recursive: true,
      filter: (p) => !p.includes("__pycache__") && !p.endsWith(".egg-info"),
    });
    const pip = spawnSync(py, ["-m", "pip", "install", "--quiet", src], { encoding: "utf8", env: pipEnv });
    expect(pip.status, `pip install ./hosts/python failed:\n${pip.stdout}\n${pip.stderr}`).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("installs the module with the core inside it", () => {
    const r = spawnSync(
      py,
      [
        "-c",
        "import toolwatch_wasm, toolwatch_wasm.detector as d, toolwatch_wasm.config as c; print(toolwatch_wasm.__file__); print(d.find_wasm()); print(c.find_schema())",
      ],
      { cwd: tmp, encoding: "utf8", env: { ...process.env, ...installedEnv } },
    );
    expect(r.status, r.stderr).toBe(0);
    const [mod, wasm, schema] = r.stdout.trim().split("\n");
    for (const p of [mod, wasm, schema]) expect(p!.startsWith(join(venv, "lib"))).toBe(true);
  });

  it("loads by class path with the prior-art block: blocks an exfiltration burst, one baseline for two contexts, restored after a restart", async () => {
    const dir = join(tmp, "state");
    const entry = inProcessEntry({ ...PRIOR_ART_BLOCK, state_dir: dir });
    const ops: Op[] = [];
    for (let i = 0; i < 12; i++)
      ops.push({
        op: "call",
        tool: i % 2 ? "list_files" : "read_file",
        args: { path: "/reports" },
        identity: erin,
        post: true,
        plugin: NAME,
        manager: 0,
      });
    ops.push({ op: "inspect", plugin: NAME });
    for (let i = 0; i < 25; i++)
      ops.push({
        op: "call",
        tool: `export_table_${i}`,
        args: { dest: "s3://drop" },
        identity: erin,
        plugin: NAME,
        manager: 1,
      });
    ops.push({ op: "inspect", plugin: NAME });
    const first = await drive({ plugins: [entry], ops, managers: 2 }, installedEnv, { python: py });
    expect(first.init_error).toBeUndefined();
    expect(first.loaded).toBe(1);
    const inspects = first.ops.filter((o: any) => o.inspect).map((o: any) => o.inspect);
    expect(inspects[0][0].class).toBe("ToolCallAnomalyDetectionPlugin");
    expect(inspects[0][0].detector_id).toBe(inspects[0][1].detector_id);
    const burst = (first.ops as CallOutcome[]).filter((o) => o.tool?.startsWith("export_table_"));
    // judged through context 1 against the routine erin built through context 0
    expect(burst[0]!.pre.metadata!.toolwatch.baseline).toBe("own");
    const stopped = burst.filter((o) => o.pre.raised === "PluginViolationError");
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0]!.pre.violation).toMatchObject({
      mcp_error_code: -32003,
      details: { toolwatch: { action: "block" } },
    });
    const finalHash = inspects[1][0].state_hash as string;

    const second = await drive(
      { plugins: [entry], ops: [{ op: "inspect", plugin: NAME }], managers: 2 },
      installedEnv,
      { python: py },
    );
    expect(second.ops[0].inspect.map((x: any) => x.state_hash)).toEqual([finalHash, finalHash]);
  }, 120_000);
});
