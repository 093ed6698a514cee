// toolwatch command line: serve | proxy | replay | migrate | demo.
import { Flags, UsageError } from "./flags.js";
import { ToolwatchError } from "../core/errors.js";
import { StartupError } from "../http/listen.js";
import { didYouMean } from "../util/did-you-mean.js";
import { readFileSync } from "node:fs";
import { LOG_LEVELS, isLogLevel } from "../log.js";

const COMMON = ["config", "log-level"];
const COMMANDS: Record<
  string,
  { strings: string[]; bools: string[]; help: () => Promise<string>; run: (f: Flags) => Promise<unknown> }
> = {
  serve: {
    strings: [...COMMON, "host", "port", "path", "plugin-name"],
    bools: ["stdio"],
    help: async () => (await import("./serve.js")).SERVE_HELP,
    run: async (f) => (await import("./serve.js")).runServe(f),
  },
  proxy: {
    strings: [
      ...COMMON,
      "upstream",
      "host",
      "port",
      "path",
      "jwt-secret",
      "jwks-url",
      "jwks-file",
      "issuer",
      "audience",
      "principal-claim",
      "tenant-claim",
      "trusted-header",
      "trusted-tenant-header",
      "trusted-proxy",
      "max-token-age",
      "clock-skew",
    ],
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
    bools: ["strict"],
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

toolwatch <command> --help for the options of one command; toolwatch --version for the version.`;

/** The package's version: package.json is two directories up from both js/cli/ and dist/esm/. */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

// The build writes dist/config.schema.json from this (the CLI bundle holds the file's sections).
export { configFileJsonSchema } from "./config-file.js";

/** Runs the CLI; resolves to an exit code for commands that finish (serve/proxy keep running). */
export async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`toolwatch ${version()}\n`);
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    // Options belong after the command: `toolwatch --port 80` names no command to suggest.
    const what = name.startsWith("-")
      ? `unknown option ${name} (options follow the command)`
      : `unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS), (c) => `"toolwatch ${c}"`)}`;
    process.stderr.write(`toolwatch: ${what}\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${await cmd.help()}\n`);
    return 0;
  }
  try {
    const flags = new Flags(rest, cmd);
    const level = flags.string("log-level");
    if (level !== undefined && !isLogLevel(level)) {
      throw new UsageError(
        `--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"${didYouMean(level, LOG_LEVELS)}`,
      );
    }
    const rc = await cmd.run(flags);
    return typeof rc === "number" ? rc : undefined;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`toolwatch ${name}: ${err.message}\n(toolwatch ${name} --help lists the options)\n`);
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
    // Anything else is a bug or an environment problem: the message, and the stack only on request.
    const debug = /^(1|true|yes)$/i.test(process.env.TOOLWATCH_DEBUG ?? "");
    process.stderr.write(`toolwatch ${name}: ${debug ? (e?.stack ?? String(err)) : (e?.message ?? String(err))}\n`);
    if (!debug) process.stderr.write("(set TOOLWATCH_DEBUG=1 for the stack trace)\n");
    return 1;
  }
}
