// Starts a real Redis Cluster on 127.0.0.1: `masters` masters with `replicas` replicas each, every node a
// redis-server of its own (scripts/redis-server.mjs) with `--cluster-enabled yes`, joined by
// `redis-cli --cluster create`. For tests, benchmarks and the fault suite. Every wait is bounded; nodes
// are stopped by pid; the data directory is removed on stop when this module created it.
//   node scripts/redis-cluster.mjs [--masters N] [--replicas R]   → prints the node URLs, runs until Ctrl-C
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, startRedis } from "./redis-server.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One redis-cli command against a node; resolves its stdout ('' if the node does not answer in time). */
export function cli(port, args, timeoutMs = 5000) {
  const bin = process.env.REDIS_CLI ?? "redis-cli";
  return new Promise((resolve) => {
    execFile(
      bin,
      ["-h", "127.0.0.1", "-p", String(port), ...args],
      { timeout: timeoutMs, encoding: "utf8" },
      (err, stdout) => resolve(err ? "" : stdout),
    );
  });
}

/**
 * CLUSTER NODES as one node sees it: [{id, port, role: "master"|"replica", masterId, failed, slots, ranges}].
 * `slots` counts the slots a master serves, `ranges` lists them as [first, last] pairs.
 */
export async function clusterNodes(port) {
  const out = await cli(port, ["cluster", "nodes"]);
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const f = line.split(" ");
      const flags = f[2].split(",");
      let slots = 0;
      const ranges = [];
      for (const r of f.slice(8)) {
        if (r.startsWith("[")) continue; // a slot being migrated
        const [a, b] = r.split("-").map(Number);
        slots += (b ?? a) - a + 1;
        ranges.push([a, b ?? a]);
      }
      return {
        id: f[0],
        port: Number(f[1].split(":")[1].split("@")[0]),
        role: flags.includes("master") ? "master" : "replica",
        masterId: f[3] === "-" ? null : f[3],
        failed: flags.some((x) => x === "fail" || x === "fail?"),
        connected: f[7] === "connected",
        slots,
        ranges,
      };
    });
}

/** Slots split over the first `masters` nodes, every node met, the rest replicating in turn; '' = done. */
async function joinByHand(nodes, masters) {
  const ms = nodes.slice(0, masters);
  for (let i = 0; i < masters; i++) {
    const from = Math.floor((16384 * i) / masters);
    const to = Math.floor((16384 * (i + 1)) / masters) - 1;
    if (!/OK/.test(await cli(ms[i].port, ["cluster", "addslotsrange", String(from), String(to)])))
      return `addslotsrange on ${ms[i].port} failed`;
  }
  for (const n of nodes.slice(1))
    await cli(nodes[0].port, ["cluster", "meet", "127.0.0.1", String(n.port), String(n.busPort)]);
  const ids = [];
  for (const m of ms) ids.push((await cli(m.port, ["cluster", "myid"])).trim());
  const rest = nodes.slice(masters);
  for (let i = 0; i < rest.length; i++) {
    // a replica can only follow a master it already knows of: retry while the meet spreads
    const deadline = Date.now() + 10_000;
    while (!/OK/.test(await cli(rest[i].port, ["cluster", "replicate", ids[i % masters]]))) {
      if (Date.now() > deadline) return `cluster replicate on ${rest[i].port} failed`;
      await sleep(100);
    }
  }
  return null;
}

async function info(port, section) {
  const out = await cli(port, ["info", section]);
  return Object.fromEntries(
    out
      .split(/\r?\n/)
      .filter((l) => l.includes(":"))
      .map((l) => l.split(/:(.*)/s).slice(0, 2)),
  );
}

/**
 * @param {{masters?: number, replicas?: number, dir?: string, nodeTimeoutMs?: number, appendonly?: boolean,
 *   args?: string[], readyTimeoutMs?: number}} [opts]
 *   nodeTimeoutMs: cluster-node-timeout, how long a master may be silent before its replica takes over.
 *   args: further redis-server arguments for every node (e.g. ["--min-replicas-to-write", "1"]).
 */
export async function startCluster(opts = {}) {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  if (masters < 1 || replicas < 0) throw new Error("startCluster: masters must be >= 1 and replicas >= 0");
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "toolwatch-cluster-"));
  const readyMs = opts.readyTimeoutMs ?? 30_000;
  const nodes = [];
  const launch = async (n) => {
    n.server = await startRedis({
      dir: n.dir,
      port: n.port,
      appendonly: opts.appendonly,
      // the bus port is given explicitly: port + 10000 (the default) can be past 65535 for a kernel-picked port
      args: [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-port",
        String(n.busPort),
        "--cluster-node-timeout",
        String(opts.nodeTimeoutMs ?? 1000),
        // a shard without a master must not stop the others: tenants on them keep being scored
        "--cluster-require-full-coverage",
        "no",
        ...(opts.args ?? []),
      ],
    });
  };
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.server?.stop()));
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const d = join(dir, `node${i}`);
      mkdirSync(d, { recursive: true });
      const n = { index: i, dir: d, port: await freePort(), busPort: await freePort(), server: null };
      nodes.push(n);
    }
    await Promise.all(nodes.map(launch));
    // redis-cli --cluster create wants 3 masters at least; fewer are joined by hand
    const created =
      masters < 3
        ? await joinByHand(nodes, masters)
        : await new Promise((resolve) => {
            execFile(
              process.env.REDIS_CLI ?? "redis-cli",
              [
                "--cluster",
                "create",
                ...nodes.map((n) => `127.0.0.1:${n.port}`),
                "--cluster-replicas",
                String(replicas),
                "--cluster-yes",
              ],
              { timeout: 30_000, encoding: "utf8" },
              (err, stdout, stderr) => resolve(err ? `${err.message}\n${stdout}\n${stderr}` : null),
            );
          });
    if (created) throw new Error(`redis-cli --cluster create failed: ${created}`);
  } catch (err) {
    await stopAll();
    throw err;
  }

  const byPort = (port) => {
    const n = nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no cluster node on port ${port}`);
    return n;
  };
  const live = () => nodes.filter((n) => n.server && !n.dead);

  const cluster = {
    dir,
    nodes,
    /** Seed URLs for a cluster client (every node). */
    urls: nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    /** The topology as a live node sees it. */
    topology: async () => {
      for (const n of live()) {
        const t = await clusterNodes(n.port);
        if (t.length) return t;
      }
      return [];
    },
    /**
     * Resolves once every live node reports cluster_state ok, every slot is served by a master that is
     * not failed, and every master has `want` replicas with their replication link up.
     */
    waitReady: async (want = replicas, timeoutMs = readyMs) => {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      while (Date.now() < deadline) {
        last = await readiness(want);
        if (!last) return;
        await sleep(100);
      }
      throw new Error(`Redis cluster not ready within ${timeoutMs} ms: ${last}`);
    },
    /** kill -9 of one node (by pid): nothing beyond what was already written survives. */
    kill: async (port) => {
      const n = byPort(port);
      n.dead = true;
      await n.server.kill();
    },
    /** Starts a stopped or killed node again on its port and data directory: it rejoins (as a replica if it was failed over). */
    restart: async (port) => {
      const n = byPort(port);
      await launch(n);
      n.dead = false;
    },
    stop: stopAll,
  };

  async function readiness(want) {
    const nodesLive = live();
    for (const n of nodesLive) {
      const s = await info(n.port, "cluster");
      if (s.cluster_enabled !== "1") return `node ${n.port} not answering`;
      const ci = await cli(n.port, ["cluster", "info"]);
      if (!/cluster_state:ok/.test(ci)) return `node ${n.port}: cluster_state not ok`;
      if (!/cluster_slots_ok:16384/.test(ci)) return `node ${n.port}: not every slot ok`;
    }
    const t = await clusterNodes(nodesLive[0].port);
    const livePorts = new Set(nodesLive.map((n) => n.port));
    const ms = t.filter((x) => x.role === "master" && x.slots > 0);
    if (ms.reduce((a, m) => a + m.slots, 0) !== 16384) return "slots not all assigned";
    for (const m of ms) {
      if (m.failed || !livePorts.has(m.port)) return `master ${m.port} is down`;
      const reps = t.filter((x) => x.masterId === m.id && livePorts.has(x.port));
      let up = 0;
      for (const r of reps) if ((await info(r.port, "replication")).master_link_status === "up") up++;
      if (up < want) return `master ${m.port} has ${up}/${want} replicas in sync`;
    }
    return "";
  }

  try {
    await cluster.waitReady();
  } catch (err) {
    await stopAll();
    throw err;
  }
  return cluster;
}

// run as a script (not when imported, bundled or not)
if (/redis-cluster\.mjs$/.test(process.argv[1] ?? "") && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a = process.argv.slice(2);
  const val = (k) => {
    const i = a.indexOf(k);
    return i >= 0 ? Number(a[i + 1]) : undefined;
  };
  const c = await startCluster({ masters: val("--masters"), replicas: val("--replicas") });
  console.log(`cluster ready (data ${c.dir}):\n${c.urls.join("\n")}`);
  const bye = () => c.stop().then(() => process.exit(0));
  process.on("SIGINT", bye);
  process.on("SIGTERM", bye);
}
