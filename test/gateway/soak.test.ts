// A CI-sized soak (the harness of `npm run soak`): the plugin server and the proxy, each in its own
// process, take ~10 000 tool calls from real MCP SDK clients; the server's heap after a forced GC must
// not grow after the warm-up. The SDK's JSON-response transport kept ~7 KB per request (about 60 MB
// here) until McpEndpoint released answered streams.
import { describe, expect, it } from "vitest";
import { runSoak } from "../../bench/soak/harness.js";

const CALLS = Number(process.env.TOOLWATCH_SOAK_CALLS ?? 10_000);
// Allowance for what settles late (JIT code, detector bookkeeping): well under the leak's tens of MB.
const MAX_HEAP_GROWTH_MB = 8;

describe("soak: server heap stays flat under a long run of calls", () => {
  it("toolwatch serve (invoke_hook, pre and post, many principals)", async () => {
    const r = await runSoak({ target: "serve", calls: CALLS, concurrency: 8 });
    expect(r.calls).toBeGreaterThanOrEqual(CALLS);
    expect(r.growth.heapMb, JSON.stringify(r.samples)).toBeLessThan(MAX_HEAP_GROWTH_MB);
  }, 120_000);

  it("toolwatch proxy (tools/call relayed to the demo server, one client's sessions coming and going)", async () => {
    // a third of the calls: each crosses two HTTP hops; still ~20 MB of leak if the streams stayed
    const r = await runSoak({ target: "proxy", calls: Math.round(CALLS * 0.3), concurrency: 8 });
    expect(r.sessions).toBeGreaterThan(8);
    expect(r.growth.heapMb, JSON.stringify(r.samples)).toBeLessThan(MAX_HEAP_GROWTH_MB);
  }, 120_000);
});
