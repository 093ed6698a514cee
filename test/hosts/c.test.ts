// The C host (hosts/c: wasm2c translation + a small C API) built with make and run as real
// processes: the replay tool matches every conformance vector, and the example program decides.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { vectors } from "../vectors/vectors.js";

const root = join(import.meta.dirname, "..", "..");
const dir = join(root, "hosts", "c");

describe("C host", () => {
  beforeAll(() => {
    // wasm2c (Debian wabt) and libcjson-dev are installed by .ci/run
    execFileSync("make", ["-C", dir, "-s"], { stdio: "pipe" });
  }, 120_000);

  it("replays every conformance vector exactly", () => {
    const files = readdirSync(join(root, "test", "vectors"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => join(root, "test", "vectors", f));
    const r = spawnSync(join(dir, "build", "toolwatch-replay"), files, { encoding: "utf8", maxBuffer: 64 << 20 });
    const report = JSON.parse(r.stdout) as { vectors: number; steps: number; skipped: number; diffs: string[] };
    expect(report.diffs).toEqual([]);
    expect(report.vectors).toBe(vectors.length);
    expect(report.steps).toBe(vectors.reduce((n, v) => n + v.steps.length, 0));
    // only the steps no C call can make: names holding a lone UTF-16 surrogate, refused by the other hosts
    const utf16Only = vectors.flatMap((v) => v.steps).filter((s) => s.expect.error === "INVALID_STRING").length;
    expect(utf16Only).toBeGreaterThan(0);
    expect(report.skipped).toBe(utf16Only);
    expect(r.status).toBe(0);
  });

  it("the example program learns a routine, flags an odd call and names refusals", () => {
    const out = execFileSync(join(dir, "build", "example"), { encoding: "utf8" })
      .trim()
      .split("\n");
    const line = (k: string) =>
      out
        .find((l) => l.startsWith(`${k} `))!
        .split(" ")
        .slice(1);
    expect(line("routine")).toEqual(["allow", "own"]);
    expect(line("odd")[0]).not.toBe("allow");
    expect(line("odd")).toContain("UNSEEN_TOOL");
    expect(line("longkey")).toEqual(["error", "TOO_LONG"]);
    expect(line("notool")).toEqual(["error", "INVALID_TOOL"]);
    expect(line("after")).toEqual(["1"]);
    expect(line("hash")[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(line("badconfig")).toEqual(["INVALID_CONFIG", "blockThreshold"]);
    expect(line("unknown")).toEqual(["INVALID_CONFIG"]);
  });

  it('links into Rust through extern "C" (hosts/c/rust)', () => {
    // rustc is installed by .ci/run (Debian's rustc when none is on PATH)
    execFileSync("make", ["-C", dir, "-s", "rust"], { stdio: "pipe" });
    const out = execFileSync(join(dir, "build", "guard-rs"), { encoding: "utf8" })
      .trim()
      .split("\n");
    const line = (k: string) =>
      out
        .find((l) => l.startsWith(`${k} `))!
        .trim()
        .split(" ")
        .slice(1);
    expect(line("routine")).toEqual(["allow"]);
    expect(line("odd")[0]).not.toBe("allow");
    expect(line("odd")).toContain("UNSEEN_TOOL");
    expect(line("empty")).toEqual(["INVALID_TOOL"]);
  }, 120_000);

  it("a broken vector file is reported, not crashed on", () => {
    const r = spawnSync(join(dir, "build", "toolwatch-replay"), [join(root, "package.json")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).vectors).toBe(0);
  });
});
