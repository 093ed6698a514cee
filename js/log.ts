// Structured JSON logs. Always to stderr: stdout may be an MCP stdio channel, and a log line there
// would corrupt the protocol.
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function isLogLevel(x: unknown): x is LevelWithSilent {
  return typeof x === "string" && (LOG_LEVELS as readonly string[]).includes(x);
}

/** A pino logger writing JSON lines to stderr (fd 2), synchronously so nothing is lost on exit. */
export function createLogger(level: string = process.env.TOOLWATCH_LOG_LEVEL ?? "info", name = "toolwatch"): Logger {
  if (!isLogLevel(level)) throw new Error(`log level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  return pino({ name, level, base: { name } }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (library use without a logger). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
