// toolwatch command line: serve | proxy | replay | migrate | demo.
import { Flags, UsageError } from "./flags.js";
import { ToolwatchError } from "../core/errors.js";
import { StartupError } from "../integrations/contextforge/http-common.js";

const COMMON = ["config", "log-level"];
const COMMANDS: Record<string, { strings: string[]; bools: string[]; help: () => Promise<string>; run: (f: Flags) => Promise<void | number> }> = {
  serve: {
    strings: [...COMMON, "host", "port", "path", "plugin-name"],
    bools: ["stdio"],
    help: async () => (await import("./serve.js")).SERVE_HELP,
    run: async (f) => (await import("./serve.js")).runServe(f),
  },
  proxy: {
    strings: [...COMMON, "upstream", "host", "port", "path", "jwt-secret", "jwks-url", "jwks-file", "issuer", "audience", "principal-claim", "tenant-claim", "trusted-header", "trusted-tenant-header", "trusted-proxy", "max-token-age", "clock-skew"],
    bools: ["anonymous", "allow-no-exp"],
    help: async () => (await import("./proxy.js")).PROXY_HELP,
    run: async (f) => (await import("./proxy.js")).runProxy(f),
  },
  replay: {
    strings: [...COMMON, "out", "html", "top"],
    bools: ["strict", "quiet", "no-progress"],
    help: async () => (await import("./replay.js")).REPLAY_HELP,
    run: async (f) => (await import("./replay.js")).runReplay(f),
  },
  migrate: {
    strings: ["config", "from", "to"],
    bools: ["fresh"],
    help: async () => (await import("./migrate.js")).MIGRATE_HELP,
    run: async (f) => (await import("./migrate.js")).runMigrate(f),
  },
  demo: {
    strings: ["log-level"],
    bools: [],
    help: async () => (await import("./demo.js")).DEMO_HELP,
    run: async (f) => (await import("./demo.js")).runDemo(f),
  },
};

const USAGE = `toolwatch <command> [options]

  serve    ContextForge external plugin server (streamable HTTP or --stdio)
  proxy    MCP proxy that checks every tools/call before forwarding it upstream
  replay   score a recorded call stream (JSON lines) and summarise
  migrate  carry saved snapshots into new settings (budget), or set them aside to start empty
  demo     a scripted agent session, routine work then an exfiltration attempt

toolwatch <command> --help for the options of one command.`;

/** Runs the CLI; resolves to an exit code for commands that finish (serve/proxy keep running). */
export async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`toolwatch: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write((await cmd.help()) + "\n");
    return 0;
  }
  try {
    const flags = new Flags(rest, cmd);
    const rc = await cmd.run(flags);
    return typeof rc === "number" ? rc : undefined;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`toolwatch ${name}: ${err.message}\n\n${await cmd.help()}\n`);
      return 2;
    }
    if (err instanceof ToolwatchError || err instanceof StartupError) {
      process.stderr.write(`toolwatch ${name}: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.code === "EADDRINUSE" || e?.code === "EACCES" || e?.code === "EADDRNOTAVAIL") {
      process.stderr.write(`toolwatch ${name}: cannot listen: ${e.message} (choose another --port / --host)\n`);
      return 1;
    }
    process.stderr.write(`toolwatch ${name}: ${e?.stack ?? String(err)}\n`);
    return 1;
  }
}
