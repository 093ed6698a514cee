// The call streams behind the conformance vectors. Deterministic (seeded), so regenerating gives the
// same inputs; scripts/gen-vectors.mjs runs them through the Node host to record the expectations.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // a Monday, 09:00 UTC

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const between = (r, lo, hi) => lo + Math.floor(r() * (hi - lo));

const check = (call) => ({ op: "check", call });

/** Calls spread over weekdays' working hours (local time of `tz` minutes east of UTC). */
function workdays(r, n, start, tz, make, gapMin = 4, gapMax = 12) {
  const steps = [];
  let t = start;
  for (let i = 0; i < n; i++) {
    t += between(r, gapMin, gapMax) * MIN + between(r, 0, 60_000);
    let local = new Date(t + tz * MIN);
    if (local.getUTCHours() >= 17 || local.getUTCHours() < 9 || local.getUTCDay() === 0 || local.getUTCDay() === 6) {
      // jump to 09:00 local on the next weekday
      do {
        local = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 9, between(r, 0, 30)));
      } while (local.getUTCDay() === 0 || local.getUTCDay() === 6);
      t = local.getTime() - tz * MIN;
    }
    steps.push(make(t, i));
  }
  return { steps, end: t };
}

const DOCS = ["billing", "onboarding", "api limits", "sso setup", "release notes", "pricing"];
const PATHS = ["/srv/app/README.md", "/srv/app/src/main.ts", "/srv/app/package.json", "/srv/app/docs/api.md", "/srv/app/src/db.ts"];
const TEAM = ["bob@acme.example", "carol@acme.example", "dave@acme.example"];

function officeCall(r, principal, tenant, t, i, tz) {
  const k = r();
  const base = { principal, tenant, time: t, ...(tz !== undefined ? { tz } : {}) };
  if (k < 0.35) return { ...base, tool: "search_docs", args: { query: `${pick(r, DOCS)} ${i % 7}` } };
  if (k < 0.65) return { ...base, tool: "read_file", args: { path: pick(r, PATHS) } };
  if (k < 0.85) return { ...base, tool: "send_email", args: { to: pick(r, TEAM), subject: `Weekly report ${i}`, body: "see attached" } };
  return { ...base, tool: "list_issues", args: { repo: "acme/api", state: pick(r, ["open", "closed"]), labels: ["bug", "p1"] } };
}

function routine() {
  const r = rng(1);
  const who = { principal: "alice@acme.example", tenant: "acme" };
  const learn = workdays(r, 170, T0, 0, (t, i) => check(officeCall(r, who.principal, who.tenant, t, i)));
  let t = learn.end + 20 * MIN;
  const later = (m) => (t += m * MIN);
  const steps = [
    ...learn.steps,
    { op: "hash" },
    { op: "snapshot" },
    { op: "reload" },
    check({ ...who, tool: "read_file", args: { path: PATHS[0] }, time: later(5) }),
    check({ ...who, tool: "search_docs", args: { query: "billing 3" }, time: later(5) }),
    check({ ...who, tool: "send_email", args: { to: "attacker@evil.example", subject: "Weekly report", body: "see attached" }, time: later(5) }),
    check({ ...who, tool: "export_database", args: { table: "users", format: "csv" }, time: later(2) }),
    check({ ...who, tool: "read_file", args: { path: PATHS[1], raw: true }, time: later(3) }),
    check({ ...who, tool: "list_issues", args: { repo: "acme/api", state: "open", labels: ["bug"] }, time: later(3) }),
    check({ ...who, tool: "send_email", args: { to: TEAM[0], subject: "night", body: "x" }, time: Date.UTC(2026, 1, 4, 3, 10) }),
    check({ ...who, tool: "read_file", args: { path: PATHS[2] }, time: Date.UTC(2026, 1, 4, 3, 12) }),
    check({ principal: "mallory@acme.example", tenant: "acme", tool: "read_file", args: { path: PATHS[2] }, time: Date.UTC(2026, 1, 4, 3, 20) }),
  ];
  return { name: "routine", about: "one principal learns a working routine, then normal and novel calls (unseen tool, value, shape, night hours)", config: {}, steps };
}

function bursts() {
  const r = rng(2);
  const who = { principal: "bob@acme.example", tenant: "acme" };
  const learn = workdays(r, 60, T0, 0, (t, i) => check(officeCall(r, who.principal, who.tenant, t, i)), 3, 9);
  let t = learn.end + 30 * MIN;
  const steps = [...learn.steps];
  for (let i = 0; i < 16; i++) steps.push(check({ ...who, tool: "read_file", args: { path: PATHS[i % PATHS.length] }, time: (t += 900) }));
  t += 40 * MIN;
  for (let i = 0; i < 6; i++) steps.push(check({ ...who, tool: "search_docs", args: { query: `pricing ${i}` }, time: (t += 7 * MIN) }));
  for (let i = 0; i < 8; i++) steps.push(check({ ...who, tool: "search_docs", args: { query: `billing ${i}` }, time: (t += 6_000) }));
  // a clock that jumps back: the core treats the earlier time as the latest it saw
  steps.push(check({ ...who, tool: "read_file", args: { path: PATHS[0] }, time: t - 10 * MIN }));
  steps.push(check({ ...who, tool: "read_file", args: { path: PATHS[0] }, time: t + 1.5 }));
  steps.push({ op: "hash" });
  return { name: "bursts", about: "bursts over the threshold, a rate spike against the principal's own usual rate, a clock going backwards",
    config: { burstThreshold: 10, burstWindowSeconds: 60, minCalls: 10, learningWindowSeconds: 600, rateSpikeMinCalls: 4 }, steps };
}

function tenants() {
  const r = rng(3);
  const steps = [];
  const people = [["acme", "p1"], ["acme", "p2"], ["acme", "p3"], ["globex", "p1"], ["globex", "g2"], ["", "solo"]];
  let t = T0;
  for (let i = 0; i < 200; i++) {
    t += between(r, 30, 300) * 1000;
    const [tenant, principal] = people[i % people.length];
    steps.push(check(officeCall(r, principal, tenant, t, i)));
  }
  t += 2 * HOUR;
  const at = () => (t += 90_000);
  // a newcomer judged by its tenant's baseline
  steps.push(check({ tenant: "acme", principal: "newbie", tool: "read_file", args: { path: PATHS[1] }, time: at() }));
  steps.push(check({ tenant: "acme", principal: "newbie", tool: "drop_table", args: { table: "users" }, time: at() }));
  // peers adopting a new tool while warned: the tenant learns it
  for (const p of ["p1", "p2", "p3", "p1"]) steps.push(check({ tenant: "acme", principal: p, tool: "deploy", args: { env: "staging" }, time: at() }));
  steps.push(check({ tenant: "acme", principal: "newbie", tool: "deploy", args: { env: "staging" }, time: at() }));
  // anonymous calls share one baseline per tenant
  steps.push(check({ tenant: "acme", tool: "search_docs", args: { query: "pricing" }, time: at() }));
  steps.push(check({ tenant: "acme", principal: "", tool: "search_docs", args: { query: "pricing" }, time: at() }));
  steps.push(check({ tool: "search_docs", args: { query: "pricing" }, time: at() }));
  // allowlists
  steps.push({ op: "allow", entry: { tool: "healthcheck" } });
  steps.push({ op: "allow", entry: { tool: "healthcheck" } });
  steps.push({ op: "allow", entry: { principal: "ops-bot" } });
  steps.push({ op: "allow", entry: { tenant: "globex" } });
  steps.push({ op: "allow", entry: { tenant: "acme", principal: "p2" } });
  steps.push({ op: "allow", entry: { tool: "x", tenant: "acme" } });
  steps.push({ op: "allow", entry: { team: "acme" } });
  steps.push({ op: "allow", entry: { tool: 7 } });
  steps.push(check({ tenant: "acme", principal: "p3", tool: "healthcheck", args: {}, time: at() }));
  steps.push(check({ tenant: "initech", principal: "ops-bot", tool: "wipe_disk", args: { disk: "/dev/sda" }, time: at() }));
  steps.push(check({ tenant: "globex", principal: "g2", tool: "wipe_disk", args: { disk: "/dev/sda" }, time: at() }));
  steps.push(check({ tenant: "acme", principal: "p2", tool: "wipe_disk", args: { disk: "/dev/sda" }, time: at() }));
  steps.push(check({ tenant: "acme", principal: "p1", tool: "wipe_disk", args: { disk: "/dev/sda" }, time: at() }));
  // outcomes and operator feedback
  steps.push({ op: "after", call: { tenant: "acme", principal: "p1", tool: "wipe_disk", time: at() }, isError: true });
  steps.push({ op: "after", call: { tenant: "acme", principal: "p1", tool: "read_file", time: at() }, isError: false });
  steps.push({ op: "after", call: { tenant: "acme", principal: "nobody", tool: "read_file", time: at() }, isError: false });
  steps.push({ op: "after", call: { tenant: "acme", principal: "p1", time: at() } });
  steps.push({ op: "learn", call: { tenant: "acme", principal: "p3", tool: "rotate_keys", args: { service: "api" }, time: at() } });
  steps.push(check({ tenant: "acme", principal: "p3", tool: "rotate_keys", args: { service: "api" }, time: at() }));
  steps.push({ op: "hash" }, { op: "snapshot" }, { op: "reload" });
  steps.push(check({ tenant: "acme", principal: "newbie", tool: "deploy", args: { env: "staging" }, time: at() }));
  steps.push(check({ tenant: "initech", principal: "ops-bot", tool: "wipe_disk", args: { disk: "/dev/sdb" }, time: at() }));
  return { name: "tenants", about: "several tenants and principals: tenant baselines for newcomers, peer adoption, anonymous calls, allowlists, outcomes, feedback",
    config: { minCalls: 15, learningWindowSeconds: 1800, tenantMinCalls: 30, tenantLearningWindowSeconds: 1800, peerPromotion: 3 }, steps };
}

function hours() {
  const r = rng(4);
  const zones = [["mumbai", 330], ["nyc", -300], ["kathmandu", 345 + 200], ["kiritimati", 840], ["baker", -720], ["utc", 0]];
  const steps = [];
  for (const [p, tz] of zones) {
    const learn = workdays(r, 90, T0, tz, (t, i) => check(officeCall(r, p, "world", t, i, tz)), 10, 30);
    steps.push(...learn.steps);
    const end = learn.end;
    // 03:00 local on the following days, and a normal mid-morning call
    const day = Math.floor((end + tz * MIN) / DAY) + 1;
    const local = (h, m) => day * DAY + h * HOUR + m * MIN - tz * MIN;
    steps.push(check({ principal: p, tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: local(3, 5), tz }));
    steps.push(check({ principal: p, tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: local(10, 15), tz }));
    steps.push(check({ principal: p, tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: local(23, 50), tz }));
    // the same instant judged in another zone
    steps.push(check({ principal: p, tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: local(23, 55), tz: 0 }));
  }
  steps.push(check({ principal: "utc", tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: T0 + 30 * DAY, tz: 1439 }));
  steps.push(check({ principal: "utc", tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: T0 + 30 * DAY, tz: -1439 }));
  steps.push(check({ principal: "utc", tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: T0 + 30 * DAY, tz: 1440 }));
  steps.push(check({ principal: "utc", tenant: "world", tool: "read_file", args: { path: PATHS[0] }, time: T0 + 30 * DAY, tz: -1440 }));
  return { name: "hours", about: "principals in six UTC offsets (whole, half and quarter hours) learn their working hours; night calls in local time",
    config: { minCalls: 20, hourMinCalls: 60, learningWindowSeconds: 3600 }, steps };
}

function values() {
  const r = rng(5);
  const who = { principal: "vera@acme.example", tenant: "acme" };
  const steps = [];
  let t = T0;
  const at = () => (t += between(r, 2, 9) * MIN);
  for (let i = 0; i < 60; i++) {
    steps.push(check({ ...who, tool: "pay", args: { account: pick(r, ["DE01", "DE02", "FR77"]), amount: between(r, 10, 90) + 0.25, currency: "EUR" }, time: at() }));
    steps.push(check({ ...who, tool: "fetch", args: { url: pick(r, ["https://api.acme.example/v1/x", "https://docs.acme.example/y"]) }, time: at() }));
  }
  const mixed = ["a", 1, true, null, { x: 1 }, ["n"], "b", 2.5, -3, "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"];
  const cases = [
    { account: "DE01", amount: 12.25, currency: "EUR" },
    { account: "GB99", amount: 12.25, currency: "EUR" },
    { account: " de01 ", amount: 12.25, currency: "EUR" },
    { url: "https://WWW.Api.Acme.example/v2?q=1" },
    { url: "api.acme.example/other/path" },
    { url: "https://user@evil.example:8443/x" },
    { list: mixed },
    { list: Array.from({ length: 40 }, (_, i) => i * 1.5) },
    { nested: { deep: { deeper: [1, 2, 3] } }, flag: false, nothing: null },
    { n0: 0, n1: -2.25, n2: 1e21, n3: 123456789012345680000, n4: 5e-324, n5: -1.7976931348623157e308, n6: 0.1 + 0.2 },
    { long2: "é".repeat(1000) + "tail" },
    { long3: "€".repeat(400) },
    { long4: "a" + "😀".repeat(300) },
    { longAscii: "x".repeat(5000) },
    { "ключ": "значение", "鍵": "値", "": "empty key", "emoji 😀": "😀" },
    { b: 1, 10: "ten", 2: "two", a: 4, "-1": "minus", "01": "zero-one", 4294967295: "max" },
    Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`k${i}`, i])),
    Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, i]).concat([["arr", ["a", "b", "c", "d", "e", "f", "g", "h"]]])),
    { ["k".repeat(256)]: "max key" },
    Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${i}`.padStart(200, "k"), "v".repeat(1000)])),
    Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(250, "k"), "v".repeat(1024)])),
  ];
  for (const args of cases) steps.push(check({ ...who, tool: "pay", args, time: at() }));
  steps.push({ op: "hash" });
  return { name: "values", about: "argument encoding: repeated values, URLs, arrays, nesting, numbers, UTF-8 cuts at 1024 bytes, key order, entry and size limits",
    config: { minCalls: 20, learningWindowSeconds: 1800 }, steps };
}

function rawRecord({ tenant = "t", principal = "p", tool = "x", args = [], counts = {} }) {
  const enc = (s) => (typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s));
  const [tb, pb, ob] = [enc(tenant), enc(principal), enc(tool)];
  const head = Buffer.alloc(16);
  head.writeUInt32LE(counts.tenant ?? tb.length, 0);
  head.writeUInt32LE(counts.principal ?? pb.length, 4);
  head.writeUInt32LE(counts.tool ?? ob.length, 8);
  head.writeUInt32LE(counts.args ?? args.length, 12);
  const parts = [head, tb, pb, ob];
  for (const a of args) {
    const k = enc(a.key);
    const v = enc(a.value ?? []);
    const e = Buffer.alloc(8);
    e.writeUInt8(a.type, 0);
    e.writeUInt16LE(a.keyLen ?? k.length, 2);
    e.writeUInt32LE(a.valueLen ?? v.length, 4);
    parts.push(e, k, v);
  }
  return Buffer.concat(parts).toString("hex");
}

/** Arguments that leave less room in the 64 KiB record than one more maximal key needs. */
function fullRecord(tenant, principal, tool) {
  const utf8 = (x) => Buffer.byteLength(x, "utf8");
  let at = 16 + utf8(tenant) + utf8(principal) + utf8(tool);
  const args = {};
  for (let i = 0; at + 8 + 200 + 1000 <= 65536 - 300; i++) {
    args[`${i}`.padStart(200, "k")] = "v".repeat(1000);
    at += 8 + 200 + 1000;
  }
  // values are cut at 1024 bytes: top up with short entries until one value can leave exactly 100 bytes
  for (let j = 0; 65536 - at - 100 - 9 > 1024; j++) {
    args[`g${j}`] = "v".repeat(1000);
    at += 8 + `g${j}`.length + 1000;
  }
  args.f = "v".repeat(65536 - at - 100 - 9); // leaves 100 bytes: room for an entry header, not for the key
  args["z".repeat(256)] = 1;
  return args;
}

function badInput() {
  const r = rng(6);
  const who = { principal: "eve@acme.example", tenant: "acme" };
  const learn = workdays(r, 30, T0, 0, (t, i) => check(officeCall(r, who.principal, who.tenant, t, i)));
  let t = learn.end;
  const at = () => (t += MIN);
  const bad = (call) => check({ ...who, time: at(), ...call });
  const raw = (io, fn = "check", time = at(), tz = 0) => ({ op: "raw", fn, io, time, tz });
  const steps = [
    ...learn.steps,
    { op: "hash" },
    bad({ tool: "" }),
    bad({ tool: 42 }),
    bad({ tool: null }),
    bad({ tool: "read_file", args: ["a", "b"] }),
    bad({ tool: "read_file", args: "path=/etc/passwd" }),
    bad({ tool: "read_file", args: 5 }),
    bad({ tool: "read_file", args: null }),
    bad({ tool: "read_file", principal: 42 }),
    bad({ tool: "read_file", tenant: ["acme"] }),
    bad({ tool: "read_file", time: -1 }),
    bad({ tool: "read_file", time: 8.64e15 + 1 }),
    bad({ tool: "read_file", time: "yesterday" }),
    bad({ tool: "read_file", tz: 1440 }),
    bad({ tool: "t".repeat(257) }),
    bad({ tool: "é".repeat(129) }),
    bad({ tool: "read_file", tenant: "x".repeat(257) }),
    bad({ tool: "read_file", principal: "ü".repeat(128) + "!" }),
    bad({ tool: "read_file", args: { ["k".repeat(257)]: 1 } }),
    bad({ tool: "read_file", args: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, i])) }),
    bad({ tool: "read_file", args: Object.fromEntries(Array.from({ length: 114 }, (_, i) => [`k${i}`, i]).concat([["arr", Array.from({ length: 16 }, String)]])) }),
    bad({ tool: "read_file", args: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${i}`.padStart(256, "k"), "v".repeat(1024)])) }),
    bad({ tool: "read_file", args: fullRecord(who.tenant, who.principal, "read_file") }),
    bad({ tool: "read_file", args: { list: [...Array.from({ length: 4095 }, () => ({})), "scanned", "not scanned"] } }),
    bad({ tool: "read_file", args: { list: [...Array.from({ length: 30 }, () => null), ...Array.from({ length: 20 }, (_, i) => i)] } }),
    { op: "hash" },
    { op: "learn", call: { ...who, tool: "", time: at() } },
    { op: "learn", call: { ...who, tool: "read_file", time: -5 } },
    { op: "after", call: { ...who, tool: "read_file", time: "soon" } },
    { op: "after", call: { ...who, tool: "t".repeat(300), time: at() } },
    raw(rawRecord({ tool: [0xff, 0xfe] })),
    raw(rawRecord({ tenant: [0xc3] })),
    raw(rawRecord({ principal: [0xed, 0xa0, 0x80] })),
    raw(rawRecord({ tool: "" })),
    raw(rawRecord({ tenant: "t".repeat(300) })),
    raw(rawRecord({ counts: { args: 194 } })),
    raw(rawRecord({ args: [{ type: 11, key: "k", value: [] }] })),
    raw(rawRecord({ args: [{ type: 10, key: "", value: [0, 0, 0, 0, 1, 0, 0, 0] }] })),
    raw(rawRecord({ args: [{ type: 4, key: "a" }, { type: 10, key: "", value: [0, 0, 0, 0, 1, 0, 0, 0] }, { type: 8, key: "a", value: "x" }] })),
    raw(rawRecord({ args: [{ type: 8, key: "a", value: "x" }, { type: 3, key: "b", value: "y" }] })),
    raw(rawRecord({ args: [{ type: 4, key: "a", value: [1, 2, 3, 4] }] })),
    raw(rawRecord({ args: [{ type: 3, key: "k", value: "v", valueLen: 70000 }] })),
    raw(rawRecord({ args: [{ type: 2, key: "k", value: [0, 0, 0, 0] }] })),
    raw(rawRecord({ args: [{ type: 1, key: "k", value: [1, 2] }] })),
    raw(rawRecord({ args: [{ type: 3, key: [0xc0, 0x80], value: "v" }] })),
    raw(rawRecord({ counts: { tool: 60000 } })),
    raw(rawRecord({}), "check", -5),
    raw(rawRecord({}), "check", undefined, 2000),
    raw(rawRecord({ tool: [0xff] }), "learn"),
    raw(rawRecord({ tool: "fine", args: [{ type: 3, key: "k", value: "ok" }] })),
    { op: "hash" },
    { op: "snapshot" },
    { op: "restoreDamaged", damage: "flip", at: 200 },
    { op: "restoreDamaged", damage: "flip", at: 5 },
    { op: "restoreDamaged", damage: "truncate", at: 100 },
    { op: "restoreDamaged", damage: "truncate", at: 0 },
    { op: "restoreDamaged", damage: "foreign" },
    { op: "hash" },
    { op: "reload" },
    check({ ...who, tool: "read_file", args: { path: PATHS[0] }, time: at() }),
  ];
  return { name: "bad-input", about: "input every host must refuse with the same error code, and raw records the core itself refuses; refusals leave the state unchanged",
    config: { minCalls: 10, learningWindowSeconds: 600 }, steps };
}

function config() {
  const r = rng(7);
  const steps = [];
  let t = T0;
  for (let i = 0; i < 160; i++) {
    t += between(r, 20, 200) * 1000;
    const p = `user${i % 14}`;
    const tool = i % 5 === 4 ? `tool_${i % 9}` : pick(r, ["search_docs", "read_file", "send_email"]);
    steps.push(check({ tenant: `team${i % 3}`, principal: p, tool, args: { q: `${i % 4}`, n: i % 3 }, time: t }));
    if (i === 80) steps.push({ op: "snapshot" }, { op: "reload" });
  }
  steps.push({ op: "hash" }, { op: "snapshot" });
  return { name: "config", about: "a non-default config: monitor-only action, learning from warned calls, a shadow and an off signal, a custom weight, a hash seed, and tight caps that evict entities and slots",
    config: { action: "warn", learnFromWarned: true, hashSeed: 12345, maxEntities: 12, maxToolsPerEntity: 4, maxShapesPerEntity: 3,
      maxValuesPerEntity: 5, evictionSample: 4, minCalls: 5, learningWindowSeconds: 300, tenantMinCalls: 10, budgetBytes: 1048576,
      signals: { burst: { mode: "shadow" }, offHours: { mode: "off" }, unseenTool: { weight: 0.9 }, rareTool: { weight: 0.5, mode: "shadow" } } },
    steps };
}

// Forms an attacker uses to hide a destination: every host must reduce them to the host a WHATWG URL
// parser connects to (test/core/url-host.test.ts compares the core with Node's URL).
const URL_FORMS = [
  "https://evil.example\\@wiki.corp.example/u", "https:evil.example/x", "HTTPS:\\\\EVIL.example\\x@wiki.corp.example",
  "http://a@b@wiki.corp.example/", "http://evil.example:80@wiki.corp.example/", "http://evil.example%2F@wiki.corp.example/",
  "http://evil%2Eexample/", "http://%77iki.corp.example./", "http://[2001:db8::1]:8080/", "  \u0001https://wi\tki.corp.exa\nmple/ a b",
  "ftp://u:p@wiki.corp.example:21/", "file:\\\\wiki.corp.example\\share", "https://wiki.corp.example:wiki@evil.example/",
];

function evasion() {
  const r = rng(8);
  const who = { principal: "ivan@acme.example", tenant: "acme" };
  const steps = [];
  let t = T0;
  const at = () => (t += between(r, 2, 9) * MIN);
  for (let i = 0; i < 40; i++) {
    steps.push(check({ ...who, tool: "fetch", args: { url: `https://wiki.corp.example/page/${i % 4}` }, time: at() }));
  }
  for (const url of URL_FORMS) steps.push(check({ ...who, tool: "fetch", args: { url }, time: at() }));
  steps.push({ op: "hash" });
  // a caller stepping its clock back past the burst window on every call: the window is kept
  const back = t + 3 * HOUR;
  for (let i = 0; i < 24; i++) steps.push(check({ ...who, tool: "fetch", args: { url: "https://wiki.corp.example/" }, time: back - i * 2 * MIN }));
  steps.push({ op: "learn", call: { ...who, tool: "fetch", args: { url: "https://wiki.corp.example/" }, time: back - 2 * HOUR } });
  steps.push({ op: "hash" }, { op: "snapshot" }, { op: "reload" });
  // values past the limits: an array's elements after the first 16 (or after 4 096 others), nested values
  t = back + DAY;
  const team = ["bob@corp.example", "carol@corp.example", "dave@corp.example"];
  for (let i = 0; i < 30; i++) {
    const call = { ...who, tool: "send_email", args: { to: [team[i % 3], team[(i + 1) % 3]], msg: { cc: team[i % 3], subject: `s${i}`, meta: { tags: ["x"] } } }, time: at() };
    steps.push(i < 25 ? { op: "learn", call } : check(call));
  }
  const known16 = Array.from({ length: 16 }, (_, i) => team[i % 3]);
  const sends = [
    { to: [...known16, "mallory@evil.example"] },
    { to: [...known16, team[0]] },
    { to: [...Array.from({ length: 4096 }, () => null), "mallory@evil.example"] },
    { to: [...Array.from({ length: 200 }, (_, i) => team[i % 3]), "mallory@evil.example"] },
    { to: [team[0]], msg: { cc: "mallory@evil.example", subject: "s1" } },
    { to: [team[0]], msg: { cc: team[2], subject: "a subject never seen", meta: { tags: ["y", "https://evil.example/x"] } } },
    { to: [team[0], { nested: [[["deep@evil.example"]]] }, 5, true] },
    { to: [team[0]], msg: JSON.parse(`${"{\"a\":".repeat(20)}"x@evil.example"${"}".repeat(20)}`) },
    { to: [team[0]], msg: { ["k".repeat(300)]: "long@evil.example", ["é".repeat(200)]: { "😀": "emoji@evil.example" } } },
    { to: [team[0]], big: { list: Array.from({ length: 4100 }, () => 0), last: "z@evil.example" } },
    { to: [team[0]], list: Array.from({ length: 70 }, (_, i) => `u${i}@corp.example`) },
    { to: [team[0]], pad: Array.from({ length: 16 }, () => "v".repeat(1000)), more: Array.from({ length: 60 }, () => "w".repeat(1000)) },
    Object.fromEntries(Array.from({ length: 127 }, (_, i) => [`k${i}`, i]).concat([["n", { to: "q@evil.example" }]])),
  ];
  for (const args of sends) steps.push(check({ ...who, tool: "send_email", args, time: at() }));
  steps.push({ op: "hash" });
  return { name: "evasion", about: "findings of an attack run: URL forms that hide their host (WHATWG parsing), a clock stepped back to empty the burst window, values past the encoding limits and inside nested objects",
    config: { minCalls: 20, learningWindowSeconds: 1800, habitHours: 0 }, steps };
}

// Three marshalling rules of docs/HOSTS.md that the core cannot check for itself, each made visible in
// the state hash or the result bytes, so a host that breaks one fails its replay:
// - a lone UTF-16 surrogate in a value is passed as U+FFFD (learned values end up in the state), and a
//   name holding one is refused (INVALID_STRING);
// - a string value that meets the end of the 64 KiB IO buffer is cut at the room left, on a character
//   boundary (the cut value is learned, so its bytes reach the state);
// - argument entries follow JS key order, array-index keys first: the arguments are given as JSON text
//   (argsJson) with "to" before "7", and UNSEEN_ARG_VALUE's context is the entry index of "to".
function marshalling() {
  const steps = [];
  let t = T0;
  const at = () => (t += 7 * MIN);
  const sur = { principal: "lena@acme.example", tenant: "acme" };
  const lone = ["x\ud800", "\udc00y", "a\udbffb\ud800", "tail\ud83d"];
  for (let i = 0; i < 8; i++) {
    const v = lone[i % lone.length];
    steps.push(check({ ...sur, tool: "note", args: { tag: v, tags: [v, "plain"], meta: { label: `${v}${i % 2}` } }, time: at() }));
  }
  steps.push({ op: "hash" });
  // the same value written with U+FFFD is the same value to the core
  steps.push(check({ ...sur, tool: "note", args: { tag: "x\ufffd", tags: ["x\ufffd", "plain"], meta: { label: "x\ufffd0" } }, time: at() }));
  steps.push(check({ ...sur, tool: "note\ud800", args: {}, time: at() }));
  steps.push(check({ ...sur, tool: "note", args: { ["k\udc00"]: 1 }, time: at() }));
  steps.push(check({ principal: "p\ud800", tenant: "acme", tool: "note", args: {}, time: at() }));
  steps.push({ op: "hash" });

  // 63 entries of 1 035 bytes after the names fill the record to 65 248 bytes; the last key's value,
  // 2 000 bytes of "é", has 277 bytes of room: it is cut to 276 (a whole character), not refused
  const cut = { principal: "rhea@acme.example", tenant: "acme" };
  const full = (last) => {
    const args = Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`f${String(i).padStart(2, "0")}`, "v".repeat(1024)]));
    args.zzz = last;
    return args;
  };
  steps.push(check({ ...cut, tool: "upload", args: full("é".repeat(1000)), time: at() }));
  steps.push(check({ ...cut, tool: "upload", args: full("ü".repeat(139) + "tail"), time: at() }));
  steps.push({ op: "hash" });

  // key order: "7" comes first in every host, whatever the order of the text
  const ord = { principal: "omar@acme.example", tenant: "acme" };
  const team = ["bob@acme.example", "carol@acme.example", "dave@acme.example"];
  const keyed = (to, i) => ({ ...check({ ...ord, tool: "send", args: {}, time: at() }),
    argsJson: `{"to": ${JSON.stringify(to)}, "7": "seven", "body": "note ${i}"}` });
  for (let i = 0; i < 30; i++) steps.push(keyed(team[i % 3], i));
  steps.push(keyed("eve@elsewhere.example", 30));
  steps.push({ op: "hash" });
  return { name: "marshalling", about: "marshalling rules no core check sees: lone surrogates (U+FFFD in values, refused in names), a value cut at the room left in the IO buffer, and key order (array-index keys first) from JSON text",
    config: {}, steps };
}

export const streams = [routine(), bursts(), tenants(), hours(), values(), badInput(), config(), evasion(), marshalling()];
