// A deterministic stream of tool calls for replica tests: a hot tenant and two quieter ones, principals
// with habits, occasional unusual tools and argument values, and bursts. Seeded, so every run and
// every process sees the same calls.
import type { CallInput } from "../../js/detector.js";
import { rng } from "../../js/util/rng.js";

export interface StreamCall extends CallInput {
  tool: string;
  tenant: string;
  principal: string;
  time: number;
}

const TOOLS = [
  "read_file",
  "list_dir",
  "search",
  "send_email",
  "create_ticket",
  "query_db",
  "get_weather",
  "post_message",
  "delete_file",
  "export_data",
];

export function makeStream(n: number, seed = 7): StreamCall[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const tenants = [
    { name: "acme", principals: 12, share: 0.6 },
    { name: "globex", principals: 6, share: 0.3 },
    { name: "initech", principals: 3, share: 0.1 },
  ];
  const people = tenants.flatMap((t) =>
    Array.from({ length: t.principals }, (_, i) => ({
      tenant: t.name,
      share: t.share / t.principals,
      principal: `${t.name}-user${i}@example.com`,
      habits: [TOOLS[i % 5]!, TOOLS[(i + 1) % 5]!, TOOLS[(i + 3) % 7]!],
      folder: `/home/u${i}`,
    })),
  );
  const out: StreamCall[] = [];
  let time = Date.UTC(2025, 2, 3, 9, 0, 0);
  let burst: { who: (typeof people)[number]; left: number } | null = null;
  while (out.length < n) {
    let who: (typeof people)[number];
    if (burst && burst.left > 0) {
      who = burst.who;
      burst.left--;
      time += 50 + Math.floor(r() * 100);
    } else {
      let x = r();
      who = people[people.length - 1]!;
      for (const p of people) {
        if (x < p.share) {
          who = p;
          break;
        }
        x -= p.share;
      }
      time += 500 + Math.floor(r() * 4000);
      if (r() < 0.01) burst = { who, left: 10 + Math.floor(r() * 20) };
    }
    const odd = r() < 0.05;
    const tool = odd ? pick(TOOLS) : pick(who.habits);
    const args: Record<string, unknown> =
      tool === "read_file" || tool === "list_dir" || tool === "delete_file"
        ? { path: r() < 0.1 ? `/etc/secret${Math.floor(r() * 9)}` : `${who.folder}/${pick(["a", "b", "c"])}` }
        : tool === "send_email"
          ? {
              to: r() < 0.1 ? `x${Math.floor(r() * 99)}@evil.test` : "team@example.com",
              subject: `s${Math.floor(r() * 1000)}`,
            }
          : { q: pick(["status", "open", "mine"]), limit: pick([10, 20, 50]) };
    out.push({ tool, args, tenant: who.tenant, principal: who.principal, time });
  }
  return out;
}
