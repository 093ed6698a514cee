// Inside workerd, through the example Worker (examples/worker): the Durable Object guarding a tenant
// decides as the Node host did for the same stream, and an object restarted from its storage keeps
// its baselines.
import { describe, it, expect } from "vitest";
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { vectors } from "../vectors/vectors.js";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const r = await SELF.fetch(`https://guard.example${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: r.status, body: await r.json() };
}
async function state(
  tenant: string,
): Promise<{ stateHash: string; restoredRecords: number; stats: { checks: number; entities: number } }> {
  return (await SELF.fetch(`https://guard.example/state?tenant=${encodeURIComponent(tenant)}`)).json();
}
const f64bits = (x: number): string => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16).padStart(16, "0");
};
const stub = (tenant: string) => (env as any).GUARD.get((env as any).GUARD.idFromName(`tenant:${tenant}`));

describe("the example Worker's tenant guard", () => {
  it("decides a stream exactly as the Node host did (routine vector through POST /check)", async () => {
    const v = vectors.find((x) => x.name === "routine")!;
    const tenants = new Set<string>();
    let n = 0;
    for (const s of v.steps) {
      if (s.op !== "check") continue;
      const c = s.call as { tenant?: string; tz?: number };
      tenants.add(c.tenant ?? "");
      const r = await post("/check", { ...c, timeZone: c.tz });
      expect(
        [r.status, r.body.action, f64bits(r.body.risk), r.body.reasons.map((x: { code: string }) => x.code)],
        `step ${n}`,
      ).toEqual([200, s.expect.action, s.expect.riskBits, s.expect.reasons]);
      n++;
    }
    expect(n).toBeGreaterThan(100);
    expect([...tenants]).toEqual(["acme"]); // one tenant: one object holds the whole stream
    expect((await state("acme")).stateHash).toBe(v.final.stateHash);
  });

  it("an object restarted from storage keeps its baselines", async () => {
    const tenant = "restart";
    const call = (tool: string, i: number) => ({
      tenant,
      principal: "bob",
      tool,
      args: { path: `/srv/${i % 3}` },
      time: T0 + i * 120_000,
    });
    for (let i = 0; i < 40; i++) expect((await post("/check", call("read_file", i))).status).toBe(200);
    const before = await state(tenant);
    expect(before.restoredRecords).toBe(0);
    // the snapshot alarm set by learning; run it now instead of waiting
    expect(await runDurableObjectAlarm(stub(tenant))).toBe(true);
    // evict: the next request gets a new instance that only has storage to go on
    await runInDurableObject(stub(tenant), (_o: unknown, s: DurableObjectState) => {
      try {
        s.abort("evicted by the test");
      } catch {
        /* abort throws in the aborting request */
      }
    }).catch(() => undefined);
    const after = await state(tenant);
    expect(after.restoredRecords).toBe(2); // bob and his tenant
    expect(after.stateHash).toBe(before.stateHash);
    expect(after.stats.checks).toBe(40);
    const routine = (await post("/check", call("read_file", 41))).body;
    expect([routine.action, routine.learning.baseline]).toEqual(["allow", "own"]);
    const odd = (await post("/check", call("drop_table", 42))).body;
    expect(odd.reasons.map((r: { code: string }) => r.code)).toContain("UNSEEN_TOOL");
  });

  it("a snapshot larger than one storage value is split into chunks and put back together", async () => {
    const tenant = "big";
    const g = stub(tenant);
    for (let i = 0; i < 300; i++) {
      const r = await g.check({
        tenant,
        principal: `user${i}`,
        tool: "read_file",
        args: { path: `/srv/${i % 5}` },
        time: T0 + i * 1000,
      });
      expect("ok" in r).toBe(true);
    }
    const size = await g.persist();
    expect(size).toBeGreaterThan(2 * 128 * 1024); // three chunks at least
    const keys = await runInDurableObject(g, async (_o: unknown, s: DurableObjectState) => [
      ...(await s.storage.list()).keys(),
    ]);
    expect(keys.filter((k) => /^snapshot:\d+$/.test(k)).length).toBe(Math.ceil(size / (128 * 1024)));
    const before = await state(tenant);
    await runInDurableObject(g, (_o: unknown, s: DurableObjectState) => {
      try {
        s.abort("evicted by the test");
      } catch {
        /* expected */
      }
    }).catch(() => undefined);
    const after = await state(tenant);
    expect([after.restoredRecords, after.stateHash]).toEqual([301, before.stateHash]);
  });

  it("without a saved snapshot a restarted object starts empty", async () => {
    const tenant = "unsaved";
    await post("/check", { tenant, principal: "eve", tool: "read_file", args: {}, time: T0 });
    await runInDurableObject(stub(tenant), (_o: unknown, s: DurableObjectState) => {
      try {
        s.abort("evicted by the test");
      } catch {
        /* expected */
      }
    }).catch(() => undefined);
    const after = await state(tenant);
    expect([after.restoredRecords, after.stats.checks]).toEqual([0, 0]);
  });

  it("guards MCP tools/call: a blocked call gets a JSON-RPC error with the decision", async () => {
    const headers = { "x-toolwatch-tenant": "mcp", "x-toolwatch-principal": "carol" };
    const rpc = (id: number, name: string, args: unknown) =>
      post("/mcp", { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }, headers);
    // a calm past (explicit times), then tools/call at the Worker's clock
    const now = Date.now();
    for (let i = 0; i < 30; i++)
      await post("/check", {
        tenant: "mcp",
        principal: "carol",
        tool: "read_file",
        args: { path: "/a" },
        time: now - 150 * 60_000 + i * 5 * 60_000,
      });
    const ok = await rpc(1, "read_file", { path: "/a" });
    expect(ok.body.result._meta.toolwatch.action).toBe("allow");
    expect(ok.body.result._meta.toolwatch.baseline).toBe("own");
    // a burst far over the principal's usual rate is blocked
    let last: any;
    for (let i = 0; i < 60 && !last?.body.error; i++) last = await rpc(2 + i, "read_file", { path: "/a" });
    expect(last.body.error.code).toBe(-32003);
    expect(last.body.error.data.toolwatch.action).toBe("block");
    expect(last.body.error.data.toolwatch.reasons.map((r: { code: string }) => r.code)).toContain("BURST");
    const bad = await rpc(99, "", {});
    // refused input is blocked under the default failurePolicy (closed), naming the problem
    expect(bad.body.error.code).toBe(-32003);
    expect(bad.body.error.data.code).toBe("INVALID_TOOL");
    expect(bad.body.error.data.toolwatch.action).toBe("block");
    expect(bad.body.error.message).toMatch(/tool name/);
    const notJson = await SELF.fetch("https://guard.example/mcp", { method: "POST", body: "{" });
    expect(((await notJson.json()) as any).error.code).toBe(-32700);
  });
});
