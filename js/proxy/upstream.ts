// The upstream MCP server: an http(s) URL, or a command the proxy spawns and speaks stdio with.
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { StartupError } from "../integrations/contextforge/http-common.js";

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
  if (!o.upstream || !o.upstream.trim()) throw new StartupError("--upstream is required: an http(s) URL or a command");
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
  return new StdioClientTransport({ command: command!, args, stderr: o.stderr ?? "inherit", cwd: o.cwd, ...(o.env ? { env: o.env } : {}) });
}
