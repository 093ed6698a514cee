// What several replicas on shared Redis state must leave behind, checked the same way for one Redis server
// (replicas.test.ts) and for a cluster (cluster.test.ts): each tenant's versions one gap-free sequence,
// decisions equal to one detector replaying the calls in committed order, records byte for byte its own.
import { expect } from "vitest";
import { type Config, createDetector } from "../../js/runtime/node/index.js";
import { recordKeys } from "../../js/state/redis/keys.js";
import { RecordPort } from "../../js/state/redis/records.js";
import type { WorkerRow } from "./harness.js";
import type { StreamCall } from "./stream.js";

export function expectGapFreeVersions(rows: WorkerRow[], stream: StreamCall[]): void {
  for (const tenant of new Set(stream.map((c) => c.tenant))) {
    const v = rows
      .filter((r) => r.tenant === tenant)
      .map((r) => r.tv!)
      .sort((a, b) => a - b);
    expect(v.length).toBe(stream.filter((c) => c.tenant === tenant).length);
    for (let k = 1; k < v.length; k++) expect(v[k]! - v[k - 1]!).toBe(1);
  }
}

export async function expectLikeOneDetector(
  rows: WorkerRow[],
  stream: StreamCall[],
  config: Config,
  redis: { hgetBuffer(key: string, field: string): Promise<Buffer | null> },
): Promise<void> {
  const ref = createDetector(config);
  const ordered = [...rows].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.tv! - b.tv!));
  let mismatches = 0;
  const actions: Record<string, number> = {};
  for (const row of ordered) {
    const d = ref.check(stream[row.i]!);
    actions[d.action] = (actions[d.action] ?? 0) + 1;
    const want = {
      action: d.action,
      risk: d.risk,
      reasons: d.reasons.map((x) => [x.code, x.score]),
      learned: d.learned,
      windowCount: d.windowCount,
      baseline: d.learning.baseline,
    };
    const got = {
      action: row.action,
      risk: row.risk,
      reasons: row.reasons,
      learned: row.learned,
      windowCount: row.windowCount,
      baseline: row.baseline,
    };
    if (mismatches < 3) expect(got).toEqual(want);
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches++;
  }
  expect(mismatches).toBe(0);
  // the stream exercises more than the allow path
  expect(actions.warn ?? 0).toBeGreaterThan(0);
  expect(actions.block ?? 0).toBeGreaterThan(0);

  // and the records left in Redis are byte for byte the ones the single process holds
  const port = new RecordPort(ref);
  const ids = new Map(
    stream.map((c) => [`${c.tenant}\u0000${c.principal}`, { tenant: c.tenant, principal: c.principal }]),
  );
  for (const id of ids.values()) {
    const k = recordKeys("toolwatch:", id);
    const [e, t] = await Promise.all([redis.hgetBuffer(k.entity, "b"), redis.hgetBuffer(k.tenant, "b")]);
    expect(Buffer.compare(e!, Buffer.from(port.export(id, "entity")))).toBe(0);
    expect(Buffer.compare(t!, Buffer.from(port.export(id, "tenant")))).toBe(0);
  }
}
