// The Python host (hosts/python) run as a real subprocess, on each of its backends (wasmtime, and the
// native library made from the same core by `make -C hosts/c python`): it replays every conformance
// vector exactly, and its API behaves as documented in docs/HOSTS.md.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { vectors } from "../vectors/vectors.js";

const root = join(import.meta.dirname, "..", "..");
const python = process.env.TOOLWATCH_PYTHON ?? join(root, ".venv", "bin", "python");
const base = {
  ...process.env,
  PYTHONPATH: join(root, "hosts", "python"),
  TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm"),
};
const backends = ["wasmtime", "native"] as const;

beforeAll(() => {
  // the native backend's library, made from build/toolwatch.wasm (wasm2c is installed by .ci/run)
  execFileSync("make", ["-C", join(root, "hosts", "c"), "-s", "python"], { stdio: "pipe" });
}, 120_000);

describe.each(backends)("Python host (%s backend)", (backend) => {
  const env = { ...base, TOOLWATCH_BACKEND: backend };
  const py = (code: string): string => execFileSync(python, ["-c", code], { env, cwd: root, encoding: "utf8" });
  it("has an interpreter with wasmtime (.ci/run installs it from hosts/python/requirements.txt)", () => {
    expect(
      existsSync(python),
      `${python} missing: python3 -m venv .venv && .venv/bin/pip install -r hosts/python/requirements.txt`,
    ).toBe(true);
    expect(py("import wasmtime; print('ok')").trim()).toBe("ok");
  });

  it("replays every conformance vector exactly", () => {
    const files = readdirSync(join(root, "test", "vectors"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => join("test", "vectors", f));
    const r = spawnSync(python, ["-m", "toolwatch_wasm.conformance", ...files], { env, cwd: root, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as { backends: string[]; vectors: number; steps: number; diffs: string[] };
    expect(report.backends).toEqual([backend]);
    expect(report.diffs).toEqual([]);
    expect(report.vectors).toBe(vectors.length);
    expect(report.steps).toBe(vectors.reduce((n, v) => n + v.steps.length, 0));
    expect(r.status).toBe(0);
  });

  it("gives a pythonic decision and learns a routine", () => {
    const out = py(`
import json
from toolwatch_wasm import Detector
d = Detector({"minCalls": 5, "learningWindowSeconds": 60})
t = 1767603600000
for i in range(12):
    d.check("read_file", {"path": "/a"}, principal="alice", tenant="acme", time_ms=t + i * 60000)
ok = d.check("read_file", {"path": "/a"}, principal="alice", tenant="acme", time_ms=t + 13 * 60000)
odd = d.check("drop_table", {"table": "users"}, principal="alice", tenant="acme", time_ms=t + 14 * 60000)
print(json.dumps({"ok": [ok.action, ok.baseline, ok.learned], "odd": [odd.action, odd.codes, odd.risk > ok.risk],
  "after": d.after("drop_table", principal="alice", tenant="acme", is_error=True, time_ms=t + 15 * 60000),
  "stats": d.stats()["checks"], "hash": len(d.state_hash())}))
`);
    const r = JSON.parse(out);
    expect(r.ok).toEqual(["allow", "own", true]);
    expect(r.odd[0]).not.toBe("allow");
    expect(r.odd[1]).toContain("UNSEEN_TOOL");
    expect(r.odd[2]).toBe(true);
    expect(r.after).toBe(true);
    expect(r.stats).toBe(14);
    expect(r.hash).toBe(16);
  });

  it("serves ContextForge's tool hooks: identity from the global context, a violation when blocked", () => {
    const out = py(`
import json
from toolwatch_wasm import Detector
from toolwatch_wasm.contextforge import ContextForgeHooks
h = ContextForgeHooks(Detector({"burstThreshold": 5, "burstWindowSeconds": 60, "blockThreshold": 0.55}))
ctx = lambda: {"state": {}, "metadata": {}, "global_context": {"request_id": "r", "user": {"email": "alice@acme.example"}, "tenant_id": "acme", "state": {}, "metadata": {}}}
first = h.tool_pre_invoke({"name": "read_file", "args": {"path": "/a"}}, ctx())
results = [h.tool_pre_invoke({"name": "read_file", "args": {"path": "/a"}}, ctx()) for _ in range(8)]
c = ctx()
pre = h.tool_pre_invoke({"name": "search", "args": {"q": "x"}}, c)
post = h.tool_post_invoke({"name": "search", "result": {"content": [], "isError": True}}, c)
bad = h.tool_pre_invoke({"name": "", "args": {}}, ctx())
print(json.dumps({"first": first, "last": results[-1], "post": post, "bad": bad,
  "entities": h.detector.stats()["entities"]}))
`);
    const r = JSON.parse(out);
    expect(r.first.continue_processing).toBe(true);
    expect(r.first.metadata.toolwatch.anomaly_mode).toBe("learning");
    expect(JSON.stringify(r.first.metadata)).not.toContain("alice");
    expect(r.last.continue_processing).toBe(false);
    // a burst is told as a rate limit, as `toolwatch serve` tells it
    expect(r.last.violation).toMatchObject({
      code: "RATE_LIMIT",
      mcp_error_code: -32003,
      http_status_code: 429,
      http_headers: { "Retry-After": "60" },
    });
    expect(r.last.violation.details.toolwatch.reasons.map((x: { code: string }) => x.code)).toContain("BURST");
    expect(r.post.metadata.toolwatch).toMatchObject({ tool: "search", outcome: "error", tracked: true });
    // refused input is a decision by failurePolicy (closed by default), as in `toolwatch serve`
    expect([
      r.bad.continue_processing,
      r.bad.violation.code,
      r.bad.violation.details.toolwatch.reasons[0].code,
    ]).toEqual([false, "BLOCKED", "INVALID_TOOL"]);
    expect(r.entities).toBe(1);
  });

  it("identity as js/identity.ts: a ContextForge field of the wrong type is named; the pooled principal is reserved", () => {
    const out = py(`
from toolwatch_wasm import Detector, ANONYMOUS, ToolwatchError
from toolwatch_wasm.contextforge import identity
for g in ({"user": 5}, {"user": "a", "user_context": {"team_id": ["t"]}}):
    try:
        identity(g)
    except ToolwatchError as e:
        print(e.code, e)
d = Detector({})
print(d.check("x", {}, principal="anonymous", time_ms=1767603824000).principal, d.check("x", {}, time_ms=1767603824000).principal, int(d.stats()["entities"]))
for call in (lambda: d.check("x", {}, principal=ANONYMOUS, time_ms=1767603824000), lambda: d.learn("x", {}, principal=ANONYMOUS, time_ms=1767603824000)):
    try:
        call()
    except ToolwatchError as e:
        print(e.code)
`)
      .trim()
      .split("\n");
    expect(out).toEqual([
      "INVALID_IDENTITY global_context.user must be a string or an object (email, sub), got a number",
      "INVALID_IDENTITY global_context.user_context.team_id must be a string, got an array",
      "anonymous (anonymous) 2",
      "INVALID_IDENTITY",
      "INVALID_IDENTITY",
    ]);
  });

  it("refuses bad config and bad calls with the same codes as the JS host", () => {
    const out = py(`
import json
from toolwatch_wasm import Detector, ToolwatchError
def code(f):
    try:
        f(); return None
    except ToolwatchError as e:
        return [e.code, str(e)]
d = Detector()
print(json.dumps([
  code(lambda: Detector({"warnThreshold": 0.9, "blockThreshold": 0.5})),
  code(lambda: Detector({"noSuchSetting": 1})),
  code(lambda: Detector({"action": "explode"})),
  code(lambda: d.check("")),
  code(lambda: d.check("t", ["a"])),
  code(lambda: d.check("t", time_ms=float("nan"))),
  code(lambda: d.check("t", {"k" * 300: 1})),
  code(lambda: d.check("t", tz="Mars/Olympus")),
  code(lambda: d.check("t\\ud800x")),
  code(lambda: d.check("t", {"k\\udc00": 1})),
  code(lambda: d.check("t", {"k": "lone \\ud800 in a value is U+FFFD"}, principal="p", time_ms=1)),
]))
`);
    const r = JSON.parse(out) as [string, string][];
    expect(r.map((x) => x?.[0] ?? null)).toEqual([
      "INVALID_CONFIG",
      "INVALID_CONFIG",
      "INVALID_CONFIG",
      "INVALID_TOOL",
      "INVALID_ARGS",
      "BAD_TIME",
      "TOO_LONG",
      "INVALID_TIMEZONE",
      "INVALID_STRING",
      "INVALID_STRING",
      null,
    ]);
    expect(r[0]![1]).toContain("blockThreshold");
    expect(r[1]![1]).toContain("noSuchSetting");
  });

  it("passes an integer beyond f64 as ±Infinity, as JS Number() would (docs/HOSTS.md)", () => {
    const out = py(`
import json
from toolwatch_wasm import Detector
def run(big, neg):
    d = Detector({"budgetBytes": 1 << 20})
    dec = d.check("t", {"n": big, "m": neg, "a": [big, neg, "x"]}, principal="p", tenant="x", time_ms=1.7e12)
    return [dec.action, d.state_hash()]
print(json.dumps([run(10**400, -10**400), run(float("inf"), float("-inf")), run(1e308, -1e308)]))
`);
    const [big, inf, finite] = JSON.parse(out) as [string, string][];
    expect(big![0]).toBe("allow");
    expect(big).toEqual(inf);
    expect(big![1]).not.toBe(finite![1]);
  });

  it("runs the backend asked for; a lazy decision reads like an eager one", () => {
    const out = py(`
import dataclasses, json
from toolwatch_wasm import Detector
from toolwatch_wasm.detector import Decision
d = Detector({"minCalls": 2, "learningWindowSeconds": 0})
t = 1767603600000
for i in range(4):
    d.check("read_file", {"path": "/a", "n": i, "cc": ["x@a.example", 3, True]}, principal="alice", tenant="acme", time_ms=t + i * 60000)
dec = d.check("send", {"to": "eve@evil.example", "cc": ["y@b.example"]}, principal="alice", tenant="acme", time_ms=t + 5 * 60000)
raw = d.result_bytes()
full = dataclasses.asdict(dec)
again = dataclasses.replace(dec)
print(json.dumps({"backend": d.backend, "action": dec.action, "codes": dec.codes, "equal": again == dec,
  "fields": sorted(full), "keys": [r.key for r in dec.reasons], "risk": dec.risk, "raw": len(raw)}))
`);
    const r = JSON.parse(out);
    expect(r.backend).toBe(backend);
    expect(r.codes).toContain("UNSEEN_TOOL");
    expect(r.equal).toBe(true);
    expect(r.fields).toContain("reasons");
    expect(r.fields).toContain("signals");
    expect(r.risk).toBeGreaterThan(0);
    expect(r.raw % 8).toBe(0);
  });
});

describe("Python host: the fast encoder and backend choice", () => {
  const py = (code: string, env: Record<string, string> = {}): string =>
    execFileSync(python, ["-c", code], { env: { ...base, ...env }, cwd: root, encoding: "utf8" });

  it("encodes every call it takes exactly as the reference encoder, and leaves the rest to it (Python and native)", () => {
    const out = py(`
import json, random
from toolwatch_wasm import Detector
from toolwatch_wasm.encode import Encoder, entry_keys
d = Detector(backend="native")
enc = Encoder(d._call("io_size"), d._enc.limits)  # the limits the module reports
fused, native_taken, native_same = d._fused_check, 0, 0
r = random.Random(5)
atoms = ["", "a", "x" * 1024, "x" * 1025, "é" * 600, "lone \\ud800", "日本", 0, -1, 1.5, 2**53 + 1, 10**400, float("inf"),
         float("nan"), True, False, None, {}, {"n": 1}, object()]
def value(depth=0):
    k = r.random()
    if k < 0.15 and depth < 2:
        return [value(depth + 1) for _ in range(r.randrange(25))]
    if k < 0.2:
        return tuple(atoms[r.randrange(len(atoms))] for _ in range(r.randrange(20)))
    if k < 0.22:
        return list(range(5000))
    return atoms[r.randrange(len(atoms))]
keys = ["path", "to", "0", "7", "01", "-1", "k\\udc00", "k" * 257, "é", 3, "", "4294967295"]
taken = same = 0
for i in range(3000):
    args = {keys[r.randrange(len(keys))]: value() for _ in range(r.randrange(6))}
    if r.random() < 0.02:
        args = {f"k{j}": j for j in range(130)}
    fast = enc.fast("acme", "alice", "send", args)
    ref_keys = []
    try:
        ref = bytes(enc.call("acme", "alice", "send", args, ref_keys))
    except Exception as e:
        ref = type(e).__name__
    if fast is not None:
        taken += 1
        same += fast[0] == ref and list(fast[1]) == ref_keys
    # the native extension's encoder (hosts/c/pyext.c) writes its record into IO, then checks it
    if fused is not None:
        rc = fused("acme", "alice", "send", args, 1767603600000.0 + i, 0)
        if rc is not None:
            native_taken += 1
            native_same += bytes(d._view[d._io:d._io + len(ref)]) == ref and entry_keys(args, enc.limits) == ref_keys
print(json.dumps({"taken": taken, "same": same, "native": fused is not None, "native_taken": native_taken, "native_same": native_same}))
`);
    const r = JSON.parse(out);
    expect(r.taken).toBeGreaterThan(300);
    expect(r.same).toBe(r.taken);
    expect(r.native).toBe(true);
    expect(r.native_taken).toBeGreaterThan(300);
    expect(r.native_same).toBe(r.native_taken);
  });

  it("refuses a native library made from another core; auto then runs wasmtime", () => {
    const other = join(root, "build", "toolwatch.debug.wasm");
    if (!existsSync(other)) return; // only the release core is built here
    const code = `
import json
from toolwatch_wasm import Detector, ToolwatchError
try:
    strict = Detector(backend="native").backend
except ToolwatchError as e:
    strict = e.code
print(json.dumps({"strict": strict, "auto": Detector(backend="auto").backend}))
`;
    expect(JSON.parse(py(code, { TOOLWATCH_WASM: other }))).toEqual({ strict: "NATIVE_MISMATCH", auto: "wasmtime" });
    expect(JSON.parse(py(code))).toEqual({ strict: "native", auto: "native" });
  });
});
