// The file store: atomic saves, keep-K, revert, and a real crash test (a child process saving large
// snapshots in a loop, SIGKILLed at random moments).
import { describe, expect, it, beforeAll } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { createDetector, type Detector } from "../../js/runtime/node/index.js";
import { FileStore } from "../../js/state/file-store.js";

const T0 = Date.UTC(2024, 0, 8, 10, 0, 0);
const WASM = resolve("build/toolwatch.wasm");

function feed(d: Detector, n: number, start: number, tool = "read_file"): void {
  for (let i = 0; i < n; i++)
    d.check({ tenant: "acme", principal: `p${i % 30}`, tool, args: { path: `/d/${i % 5}` }, time: start + i * 10_000 });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "toolwatch-store-"));
}

describe("file store", () => {
  it("saves atomically, keeps the last K, and restores the newest at start", () => {
    const dir = tempDir();
    const store = new FileStore({ dir, keep: 3 });
    const d = createDetector();
    const hashes: string[] = [];
    for (let i = 0; i < 5; i++) {
      feed(d, 100, T0 + i * 3600_000);
      hashes.push(d.stateHash());
      const s = store.save(d);
      expect(s.seq).toBe(i + 1);
    }
    expect(store.list().map((s) => s.seq)).toEqual([5, 4, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const fresh = createDetector();
    expect(new FileStore({ dir }).restoreLatest(fresh)?.seq).toBe(5);
    expect(fresh.stateHash()).toBe(hashes[4]);
    rmSync(dir, { recursive: true });
  });

  it("reverts to an older snapshot and makes it the newest, so a restart keeps the revert", () => {
    const dir = tempDir();
    const store = new FileStore({ dir, keep: 5 });
    const d = createDetector();
    feed(d, 300, T0);
    store.save(d);
    const good = d.stateHash();
    feed(d, 300, T0 + 86400_000, "exfiltrate"); // a poisoned stretch
    store.save(d);
    expect(d.stateHash()).not.toBe(good);
    expect(store.revert(d, 1).seq).toBe(1);
    expect(d.stateHash()).toBe(good);
    expect(store.list()[0]!.seq).toBe(3);
    const restarted = createDetector();
    new FileStore({ dir }).restoreLatest(restarted);
    expect(restarted.stateHash()).toBe(good);
    expect(() => store.revert(d, 9)).toThrow(/cannot go back/);
    rmSync(dir, { recursive: true });
  });

  it("skips a damaged newest file and restores the one before, reporting why", () => {
    const dir = tempDir();
    const store = new FileStore({ dir });
    const d = createDetector();
    feed(d, 200, T0);
    store.save(d);
    const h1 = d.stateHash();
    feed(d, 200, T0 + 3600_000);
    const s2 = store.save(d);
    writeFileSync(s2.path, Buffer.from("garbage that is not a snapshot"));
    const errors: string[] = [];
    const fresh = createDetector();
    expect(
      new FileStore({ dir, onError: (e) => errors.push((e as { code: string }).code) }).restoreLatest(fresh)?.seq,
    ).toBe(1);
    expect(fresh.stateHash()).toBe(h1);
    expect(errors).toEqual(["SNAPSHOT_FOREIGN"]);
    rmSync(dir, { recursive: true });
  });

  it("start() restores the newest file, hooks shutdown, and makes trap recovery go back to the newest file", () => {
    const dir = tempDir();
    const first = createDetector();
    feed(first, 200, T0);
    new FileStore({ dir }).save(first);
    const exitListeners = process.listenerCount("exit");
    const d = createDetector();
    const store = new FileStore({ dir, intervalMs: 0 });
    expect(store.start(d)?.seq).toBe(1);
    expect(d.stateHash()).toBe(first.stateHash());
    expect(process.listenerCount("exit")).toBe(exitListeners + 1);
    feed(d, 100, T0 + 3600_000);
    store.save(d);
    const saved = d.stateHash();
    feed(d, 100, T0 + 7200_000);
    (d as unknown as { recover(e: unknown): void }).recover(new Error("simulated trap"));
    expect(d.stateHash()).toBe(saved);
    store.stop();
    expect(process.listenerCount("exit")).toBe(exitListeners);
    rmSync(dir, { recursive: true });
  });

  it("refuses bad options with a clear message", () => {
    expect(() => new FileStore({ dir: "" })).toThrow(/dir/);
    expect(() => new FileStore({ dir: tempDir(), keep: 0 })).toThrow(/keep/);
    expect(() => new FileStore({ dir: tempDir(), prefix: "../x" })).toThrow(/prefix/);
  });

  it("saves periodically once started", async () => {
    const dir = tempDir();
    const d = createDetector();
    const store = new FileStore({ dir, intervalMs: 20, saveOnShutdown: false });
    store.start(d);
    feed(d, 50, T0);
    const h = d.stateHash();
    while (
      !store.list().some((s) => {
        const x = createDetector();
        store.restoreFile(x, s);
        return x.stateHash() === h;
      })
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    store.stop();
    rmSync(dir, { recursive: true });
  });

  describe("child processes", () => {
    let saver = "";
    let shutdown = "";
    beforeAll(async () => {
      const out = tempDir();
      saver = join(out, "saver.mjs");
      shutdown = join(out, "shutdown.mjs");
      await build({
        entryPoints: ["test/state/fixtures/saver.ts"],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: saver,
        logLevel: "error",
      });
      await build({
        entryPoints: ["test/state/fixtures/shutdown.ts"],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: shutdown,
        logLevel: "error",
      });
    });

    it("saves on exit and on SIGTERM, restores at the next start, and still dies of the signal", async () => {
      const dir = tempDir();
      const run = (how: "exit" | "wait") =>
        new Promise<{ hash: string; restored: number; code: number | null; signal: string | null }>((res, rej) => {
          const child = spawn(process.execPath, [shutdown, dir, how], {
            env: { ...process.env, TOOLWATCH_WASM: WASM },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          let err = "";
          child.stderr.on("data", (c) => (err += c));
          child.stdout.on("data", (c) => {
            out += c;
            if (how === "wait" && out.includes("\n")) child.kill("SIGTERM");
          });
          child.on("error", rej);
          child.on("exit", (code, signal) => {
            const [, hash, , restored] = out.trim().split(" ");
            if (!hash) rej(new Error(`no output: ${err}`));
            else res({ hash, restored: Number(restored), code, signal });
          });
        });
      const first = await run("exit");
      expect(first.code).toBe(0);
      expect(new FileStore({ dir }).list().length).toBe(1);
      const second = await run("wait");
      expect(second.restored).toBe(1);
      expect(second.signal).toBe("SIGTERM");
      const store = new FileStore({ dir });
      expect(store.list().map((s) => s.seq)).toEqual([2, 1]);
      const check = (seq: number) => {
        const d = createDetector();
        store.restoreFile(d, store.list().find((s) => s.seq === seq)!);
        return d.stateHash();
      };
      expect(check(1)).toBe(first.hash);
      expect(check(2)).toBe(second.hash);
      rmSync(dir, { recursive: true });
    });

    it("a writer SIGKILLed at random moments always leaves a valid snapshot, old or new, never a broken one", async () => {
      const dir = tempDir();
      const hashes = new Map<number, string>();
      let lastSaved = 0;
      let kills = 0;
      let midWrite = 0; // kills that landed while a temp file was being written
      let restoredOk = true; // each restarted writer restored the state saved under the newest number
      for (let round = 0; round < 8; round++) {
        const child = spawn(process.execPath, [saver, dir, "20000"], {
          env: { ...process.env, TOOLWATCH_WASM: WASM },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let buf = "";
        let savedThisRound = 0;
        let stderr = "";
        let savingAt = 0;
        let saveMs = 50;
        child.stderr.on("data", (c) => (stderr += c));
        // kill inside a save: after the second save has started, at a random point of a typical save's
        // duration (mid-snapshot, mid-write, mid-fsync, around the rename) or just after it
        const killed = new Promise<void>((res, rej) => {
          child.stdout.on("data", (c) => {
            buf += c;
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
              const [kind, seq, value] = buf.slice(0, nl).split(" ");
              buf = buf.slice(nl + 1);
              if (kind === "restored" && Number(seq) > 0) restoredOk = restoredOk && value === hashes.get(Number(seq));
              if (kind === "saving") {
                hashes.set(Number(seq), value!);
                savingAt = performance.now();
                if (savedThisRound === 1)
                  setTimeout(
                    () => {
                      child.kill("SIGKILL");
                      res();
                    },
                    Math.random() * saveMs * 1.2,
                  );
              }
              if (kind === "saved") {
                lastSaved = Number(seq);
                saveMs = performance.now() - savingAt;
                savedThisRound++;
              }
            }
          });
          child.on("exit", (code, sig) => {
            if (sig !== "SIGKILL") rej(new Error(`saver exited early (${code}): ${stderr}`));
          });
        });
        const exited = new Promise((r) => child.once("exit", r));
        await killed;
        await exited;
        kills++;
        if (readdirSync(dir).some((f) => f.endsWith(".tmp"))) midWrite++;

        const store = new FileStore({ dir, keep: 3 });
        expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // the dead writer's temp is cleaned
        const all = store.list();
        expect(all.length).toBeGreaterThan(0);
        // every stored file is whole: each one restores, and to the state that was saved under its number
        for (const s of all) {
          const d = createDetector({ maxEntities: 21000 });
          store.restoreFile(d, s);
          expect(d.stateHash()).toBe(hashes.get(s.seq));
        }
        expect(all[0]!.seq).toBeGreaterThanOrEqual(lastSaved);
      }
      expect(kills).toBe(8);
      expect(restoredOk).toBe(true);
      console.log(`crash test: ${kills} kills, ${midWrite} mid-write, last saved snapshot ${lastSaved}`);
      rmSync(dir, { recursive: true });
    }, 180_000);
  });
});
