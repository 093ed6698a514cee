// A snapshot written through the Node host restores through the Python host (wasmtime) and back: the
// core owns the format, hosts only copy bytes.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createDetector } from "../../js/runtime/node/index.js";

const root = resolve(import.meta.dirname, "..", "..");
const python = process.env.TOOLWATCH_PYTHON ?? join(root, ".venv", "bin", "python");

describe("snapshots across hosts", () => {
  it("Node → Python → Node: same state hash, same decision", () => {
    const t0 = Date.UTC(2024, 0, 8, 9, 0, 0);
    const d = createDetector();
    for (let i = 0; i < 3000; i++) {
      const p = i % 120;
      d.check({
        tenant: `t${p % 4}`,
        principal: `p${p}`,
        tool: ["read_file", "search", "send_email"][i % 3]!,
        args: { to: `team${p % 3}@acme.io` },
        time: t0 + i * 30_000,
      });
    }
    const dir = mkdtempSync(join(tmpdir(), "tw-xhost-"));
    const inPath = join(dir, "node.snap");
    const outPath = join(dir, "python.snap");
    writeFileSync(inPath, d.snapshot());
    const t = t0 + 3000 * 30_000 + 60_000;
    const out = JSON.parse(
      execFileSync(python, [join(root, "test/state/fixtures/cross_host.py"), inPath, outPath, String(t)], {
        env: {
          ...process.env,
          PYTHONPATH: join(root, "hosts", "python"),
          TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm"),
        },
        encoding: "utf8",
      }),
    ) as { restored: string; records: number; action: string; risk: number; after: string };
    expect(out.restored).toBe(d.stateHash());
    expect(out.records).toBe(124);
    const dec = d.check({
      tenant: "t1",
      principal: "p1",
      tool: "send_email",
      args: { to: "drop@evil.example" },
      time: t,
    });
    expect([out.action, out.risk]).toEqual([dec.action, dec.risk]);
    expect(out.after).toBe(d.stateHash());
    const back = createDetector();
    back.restore(new Uint8Array(readFileSync(outPath)));
    expect(back.stateHash()).toBe(d.stateHash());
    rmSync(dir, { recursive: true });
  });
});
