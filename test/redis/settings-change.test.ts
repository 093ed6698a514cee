// A replica started with other layout settings (a changed cap) next to records written under the old
// ones: every call it cannot read gets the failure policy (STATE_INVALID) and the records stay in Redis
// byte for byte — check, learn, after and a batched tenant flush never overwrite them.
import { test, expect } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createGuard, type Guard } from "../../js/runtime/node/index.js";
import type { RedisDecision } from "../../js/state/redis/index.js";
import { Redis } from "ioredis";

const quiet = { error: () => {}, warn: () => {}, info: () => {} };
const T0 = Date.UTC(2024, 0, 8, 10, 0, 0);

test("records of another layout are refused and kept, never overwritten", async () => {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-redis-settings-"));
  const server = await startRedis({ dir });
  const guards: Guard[] = [];
  const redis = new Redis(server.url);
  try {
    const old = await createGuard({}, { state: { redis: { url: server.url } }, logger: quiet });
    guards.push(old);
    for (let i = 0; i < 30; i++)
      await old.check({
        tool: i % 2 ? "read_file" : "send_mail",
        principal: `p${i % 3}`,
        tenant: "acme",
        time: T0 + i * 1000,
      });
    const dump = async () => {
      const out: Record<string, string> = {};
      for (const k of (await redis.keys("toolwatch:*")).sort())
        out[k] = (await redis.hgetallBuffer(k)).b?.toString("hex") ?? "";
      return out;
    };
    const before = await dump();
    expect(Object.keys(before).length).toBe(4);
    for (const tenantSync of ["strict", "batched"] as const) {
      const changed = await createGuard(
        { maxToolsPerEntity: 8 },
        { state: { redis: { url: server.url, tenantSync, tenantFlushMs: 20 } }, logger: quiet },
      );
      guards.push(changed);
      for (let i = 0; i < 6; i++) {
        const d = (await changed.check({
          tool: "read_file",
          principal: `p${i % 3}`,
          tenant: "acme",
          time: T0 + 60_000 + i * 1000,
        })) as RedisDecision;
        expect(d.error?.code).toBe("STATE_INVALID");
        expect(d.action).toBe("block");
      }
      await expect(
        changed.learn({ tool: "read_file", principal: "p1", tenant: "acme", time: T0 + 70_000 }),
      ).rejects.toThrow(/RECORD_INCOMPATIBLE|layout/i);
      expect(
        await changed.after(
          { tool: "read_file", principal: "p1", tenant: "acme", time: T0 + 70_000 },
          { isError: true },
        ),
      ).toEqual({ tracked: false });
      // a principal of the old tenant that is new to Redis: its tenant record is still refused
      const fresh = (await changed.check({
        tool: "read_file",
        principal: "newcomer",
        tenant: "acme",
        time: T0 + 80_000,
      })) as RedisDecision;
      expect(fresh.error?.code).toBe("STATE_INVALID");
      await changed.close();
      expect(await dump()).toEqual(before);
    }
  } finally {
    for (const g of guards) await g.close().catch(() => {});
    redis.disconnect();
    await server.kill();
  }
}, 60_000);
