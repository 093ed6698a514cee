// Starts a real redis-server on 127.0.0.1 with a port and data directory of its own (tests, benchmarks,
// local trials). Usable as a module (startRedis) or from the shell:
//   node scripts/redis-server.mjs [--port N] [--dir D] [--appendonly]   → prints the URL, runs until Ctrl-C
import { spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** A port that was free a moment ago (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    let buf = "";
    sock.setTimeout(500);
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d;
      if (buf.includes("\r\n")) {
        sock.destroy();
        resolve(buf.startsWith("+PONG"));
      }
    });
    const no = () => {
      sock.destroy();
      resolve(false);
    };
    sock.on("timeout", no);
    sock.on("error", no);
  });
}

/**
 * Starts redis-server and resolves once it answers PING.
 * @param {{port?: number, dir?: string, appendonly?: boolean, bin?: string, args?: string[]}} [opts]
 *   appendonly: persistence with fsync on every write (so a restart keeps every acknowledged write).
 *   args: further redis-server arguments (scripts/redis-cluster.mjs passes the cluster settings).
 */
export async function startRedis(opts = {}) {
  const bin = opts.bin ?? process.env.REDIS_SERVER ?? "redis-server";
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "toolwatch-redis-"));
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--save",
    "",
    "--logfile",
    join(dir, "redis.log"),
    "--protected-mode",
    "yes",
    "--appendonly",
    opts.appendonly ? "yes" : "no",
    "--appendfsync",
    "always",
    ...(opts.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  // a test that fails before its cleanup must not leave a server behind
  const reap = () => {
    if (!exited) child.kill("SIGKILL");
  };
  process.once("exit", reap);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let exited = null;
  const exit = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      process.removeListener("exit", reap);
      resolve(exited);
    }),
  );
  child.on("error", (err) => {
    exited = { code: -1, signal: null, err };
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (exited)
      throw new Error(
        `redis-server did not start on port ${port} (${exited.err?.message ?? `exit ${exited.code}`}) ${stderr}; log: ${join(dir, "redis.log")}`,
      );
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const stopWith = async (signal) => {
    if (!exited) child.kill(signal);
    await exit;
  };
  return {
    port,
    dir,
    pid: child.pid,
    url: `redis://127.0.0.1:${port}`,
    /** Graceful: SIGTERM makes Redis flush the append-only file and exit. */
    stop: () => stopWith("SIGTERM"),
    /** Abrupt: no chance to flush anything beyond what was already fsynced. */
    kill: () => stopWith("SIGKILL"),
    exited: exit,
  };
}

// run as a script (not when imported, bundled or not)
if (/redis-server\.mjs$/.test(process.argv[1] ?? "") && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a = process.argv.slice(2);
  const val = (k) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const r = await startRedis({
    port: val("--port") ? Number(val("--port")) : undefined,
    dir: val("--dir"),
    appendonly: a.includes("--appendonly"),
  });
  console.log(`${r.url} (pid ${r.pid}, data ${r.dir})`);
  const bye = () => r.stop().then(() => process.exit(0));
  process.on("SIGINT", bye);
  process.on("SIGTERM", bye);
}
