// The measured side of the soak: the real plugin server (`servePluginHttp`) or the real proxy
// (`startProxy`), built from the project's sources, alone in its own Node process so that its memory
// is all that is measured. The parent drives it over IPC:
//   -> { type: "mem" }   <- { type: "mem", rss, heapUsed, ... } measured after forced full GCs
//   -> { type: "stop" }  closes the server and exits
// Run with --expose-gc. argv: serve | proxy <upstream-url>
import { createDetector } from "../../js/runtime/node/index.js";
import { ContextForgePlugin, servePluginHttp, type RunningServer } from "../../js/integrations/contextforge/index.js";
import { startProxy } from "../../js/proxy/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) {
  process.stderr.write("soak child: needs --expose-gc and an IPC channel\n");
  process.exit(2);
}
const send = (m: unknown): void => void process.send!(m);

// Monitor mode: every call takes the full path (scored, answered), none is cut short by a block.
const config = { action: "warn" as const };

async function start(mode: string, upstream: string | undefined): Promise<RunningServer> {
  if (mode === "serve") {
    const plugin = new ContextForgePlugin({ detector: createDetector(config) });
    return servePluginHttp(plugin, { host: "127.0.0.1", port: 0 });
  }
  if (mode === "proxy" && upstream) {
    return startProxy({
      upstream,
      detector: createDetector(config),
      auth: { trustedHeader: "x-soak-user", trustedTenantHeader: "x-soak-tenant" },
    });
  }
  throw new Error(`usage: child.mjs serve | proxy <upstream-url> (got ${mode})`);
}

async function settle(): Promise<void> {
  // Several full collections with turns of the event loop between them, so that finalizers and
  // closed sockets are released before the heap is read.
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

const server = await start(process.argv[2] ?? "", process.argv[3]);
process.on("message", (m: { type?: string }) => {
  if (m?.type === "mem") {
    void settle().then(() => {
      const u = process.memoryUsage();
      send({
        type: "mem",
        rss: u.rss,
        heapUsed: u.heapUsed,
        heapTotal: u.heapTotal,
        external: u.external,
        arrayBuffers: u.arrayBuffers,
      });
    });
  } else if (m?.type === "stop") {
    void server.close().finally(() => process.exit(0));
  }
});
// the parent going away must not leave a server behind
process.on("disconnect", () => process.exit(0));
send({ type: "ready", url: server.url });
