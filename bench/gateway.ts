// Added latency per tool call through the ContextForge plugin server and the MCP proxy over loopback,
// measured by bench/gateway-latency.ts when that exists (bundled next to this harness by bench/run.mjs).
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

export async function gatewayFigures(quick: boolean): Promise<Record<string, unknown>> {
  const path = join(process.cwd(), "build", "bench", "gateway-latency.mjs");
  if (!existsSync(path)) {
    return { available: false, note: "n/a yet: bench/gateway-latency.ts does not exist" };
  }
  const mod = (await import(pathToFileURL(path).href)) as {
    measureGatewayLatency?: (o: { quick: boolean }) => Promise<Record<string, unknown>>;
  };
  if (typeof mod.measureGatewayLatency !== "function") {
    return { available: false, note: "n/a yet: bench/gateway-latency.ts exports no measureGatewayLatency()" };
  }
  try {
    return { available: true, unit: "ms", ...(await mod.measureGatewayLatency({ quick })) };
  } catch (err) {
    return { available: false, note: `failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
