// Over STDIO the gateway starts one plugin process per (team, tool) plugin-manager context. Each
// keeps its own baselines, so a principal's calls across tools are never judged together. Every
// stdio server registers itself here (a file per pid in a per-user directory under the temp
// directory) and warns when others are alive: the operator should run one HTTP server instead.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../log.js";
import { processAlive } from "../../util/process-alive.js";

export interface StdioPeers {
  /** Other live stdio servers of this user on this host. */
  count(): number;
  /** Unregisters; also done on process exit. */
  close(): void;
}

function userTag(): string {
  if (typeof process.getuid === "function") return String(process.getuid());
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_.-]/g, "_");
  } catch {
    return "user";
  }
}

export function registryDir(): string {
  return join(tmpdir(), `toolwatch-stdio-${userTag()}`);
}

/** Other live registered pids; entries of dead processes are removed. */
function livePeers(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    if (processAlive(pid)) out.push(pid);
    else {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another server pruned it first
      }
    }
  }
  return out;
}

/**
 * Registers this stdio server and warns (now, and whenever another one appears) when it is not
 * alone. Never throws: the registry is advice, the server runs without it.
 */
export function watchStdioPeers(pluginName: string, log: Logger, dir = registryDir()): StdioPeers {
  const file = join(dir, `${process.pid}.json`);
  let registered = false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ pid: process.pid, plugin: pluginName, started: new Date().toISOString() }), {
      mode: 0o600,
    });
    registered = true;
  } catch (err) {
    log.debug({ err: (err as Error).message, dir }, "stdio server registry unavailable");
  }
  let warned = 0;
  const check = (): void => {
    const peers = livePeers(dir);
    // only when the count grows: a restart loop of the gateway should not flood the log
    if (peers.length <= warned) return;
    warned = peers.length;
    const plugins = new Set<string>([pluginName]);
    for (const pid of peers) {
      try {
        const p = JSON.parse(readFileSync(join(dir, `${pid}.json`), "utf8")).plugin;
        if (typeof p === "string") plugins.add(p);
      } catch {
        // gone meanwhile, or half-written
      }
    }
    log.warn(
      { servers: peers.length + 1, peers, plugins: [...plugins] },
      `${peers.length + 1} toolwatch stdio plugin servers are running on this host. Each keeps its own baselines, ` +
        "so the gateway's per-(team, tool) plugin contexts split each principal's history and calls across tools " +
        "are never judged together. Run `toolwatch serve` over streamable HTTP (proto: STREAMABLEHTTP) instead.",
    );
  };
  const remove = (): void => {
    if (!registered) return;
    registered = false;
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
  check();
  let watcher: FSWatcher | undefined;
  if (registered) {
    try {
      // a directory watch is one inotify handle; re-reading on each change is a few small files
      watcher = watch(dir, () => check());
      watcher.on("error", () => watcher?.close());
      watcher.unref();
    } catch {
      // no watch support: the start-up check stands alone
    }
  }
  process.once("exit", remove);
  return {
    count: () => livePeers(dir).length,
    close() {
      watcher?.close();
      process.removeListener("exit", remove);
      remove();
    },
  };
}
