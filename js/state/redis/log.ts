// The logging the Redis mode needs: pino's (obj, msg) call shape, so a pino logger can be passed as is.
export interface GuardLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** JSON lines on stderr (stdout may be an MCP stdio channel). */
export function stderrLogger(name = "toolwatch"): GuardLogger {
  const line = (level: string) => (obj: object, msg: string) => {
    process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name, ...obj, msg })}\n`);
  };
  return { error: line("error"), warn: line("warn"), info: line("info") };
}
