// The upstream MCP server: an http(s) URL, or a command the proxy spawns and speaks stdio with.
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { StartupError } from "../http/listen.js";
import { closest } from "../util/did-you-mean.js";

export interface UpstreamOptions {
  /** http(s)://... or a command line ("node server.mjs --flag"). */
  upstream: string;
  /** Extra headers for an HTTP upstream (its own credentials; the caller's are never passed on). */
  headers?: Record<string, string>;
  /** Where a spawned upstream's stderr goes. */
  stderr?: "inherit" | "ignore" | "pipe";
  cwd?: string;
  env?: Record<string, string>;
}

/** Splits a command line: whitespace separates, single or double quotes group, backslash escapes. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (quote) throw new StartupError(`unterminated ${quote} in upstream command`);
  if (has || cur) out.push(cur);
  return out;
}

export function isHttpUpstream(u: string): boolean {
  return /^https?:\/\//i.test(u);
}

export function validateUpstream(o: UpstreamOptions): void {
  if (!o.upstream?.trim()) throw new StartupError("--upstream is required: an http(s) URL or a command");
  // "ftp://x" or "htps://x" is a mistyped URL, not a command to spawn.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(o.upstream)?.[1];
  if (scheme !== undefined && !isHttpUpstream(o.upstream)) {
    const near = closest(scheme, ["http", "https"]);
    throw new StartupError(
      `--upstream ${o.upstream}: only http:// and https:// URLs are supported${near ? ` (did you mean ${near}://?)` : ""}, or give a command to spawn`,
    );
  }
  if (isHttpUpstream(o.upstream)) {
    try {
      new URL(o.upstream);
    } catch {
      throw new StartupError(`--upstream is not a valid URL: ${o.upstream}`);
    }
  } else if (splitCommand(o.upstream).length === 0) throw new StartupError("--upstream command is empty");
}

/** A fresh client transport to the upstream (one per downstream session). */
export function upstreamTransport(o: UpstreamOptions): Transport {
  if (isHttpUpstream(o.upstream)) {
    return new StreamableHTTPClientTransport(new URL(o.upstream), { requestInit: { headers: o.headers ?? {} } });
  }
  const [command, ...args] = splitCommand(o.upstream);
  return new StdioClientTransport({
    command: command!,
    args,
    stderr: o.stderr ?? "inherit",
    cwd: o.cwd,
    ...(o.env ? { env: o.env } : {}),
  });
}

/** Where a command would be found: a path as given (relative to cwd), else the first PATH entry holding it. */
function findCommand(
  command: string,
  cwd: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes("/") || command.includes("\\")) {
    const p = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return executable(p) ? p : undefined;
  }
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    for (const ext of exts) if (executable(join(dir, command + ext))) return join(dir, command + ext);
  }
  return undefined;
}

const causeOf = (err: unknown): string => {
  // fetch wraps the reason (ECONNREFUSED, ENOTFOUND, a certificate error) in `cause`
  let e = err as { message?: string; cause?: unknown; code?: string } | undefined;
  const parts: string[] = [];
  for (let i = 0; e && i < 4; i++, e = e.cause as typeof e) {
    const m = e.code && !String(e.message).includes(e.code) ? `${e.message} (${e.code})` : String(e.message ?? e);
    if (!parts.some((p) => p.includes(m))) parts.push(m);
  }
  return parts.join(": ");
};

/**
 * Connects to the upstream once and completes the MCP handshake, so that a misspelt command or an
 * unreachable URL stops the proxy at start with a message, not at the first client's request.
 */
export async function checkUpstream(
  o: UpstreamOptions,
  timeoutMs = 20_000,
): Promise<{ name?: string; version?: string }> {
  validateUpstream(o);
  if (!isHttpUpstream(o.upstream)) {
    const [command] = splitCommand(o.upstream);
    if (!findCommand(command!, o.cwd, o.env ?? process.env)) {
      throw new StartupError(
        `--upstream: cannot run "${command}": ${/[\\/]/.test(command!) ? "no such executable file" : "not found on PATH"}`,
      );
    }
  }
  const client = new Client({ name: "toolwatch-proxy-check", version: "1" });
  const transport = upstreamTransport(o);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(transport),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no MCP handshake within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    const v = client.getServerVersion();
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    return { name: v?.name, version: v?.version };
  } catch (err) {
    // the SDK's word for a spawned process that exited (or closed stdout) before answering
    if (!isHttpUpstream(o.upstream) && /connection closed/i.test(String((err as Error).message))) {
      throw new StartupError(
        `upstream command "${o.upstream}" exited before the MCP handshake (is it an MCP server speaking stdio?)`,
      );
    }
    throw new StartupError(`cannot reach upstream ${o.upstream}: ${causeOf(err)}`);
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}
