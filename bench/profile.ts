// Profiles one subject at steady state (warm-up excluded): writes a .cpuprofile and prints the top
// functions by self time. node build/bench/profile.mjs <subject> <entities> [seconds]
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { historyStream, measuredStream, DEFAULT_START } from "./streams.js";
import { newDetector, preEncode, steppers, type SubjectName } from "./subjects.js";
import { PriorArtDetector } from "../prior-art/detector.js";

const subject = (process.argv[2] ?? "public") as SubjectName;
const n = Number(process.argv[3] ?? 10000);
const seconds = Number(process.argv[4] ?? 3);
const tenants = Math.max(1, Math.ceil(n / 2000));
const d = newDetector(n, tenants);
const pa = new PriorArtDetector();
for (const c of historyStream({ entities: n, rounds: 24, spanMs: 7200_000 })) {
  d.learn(c);
  if (subject === "priorArt") pa.check(c);
}
const stream = measuredStream({ entities: n, length: 65536 });
const encoded = preEncode(d, stream);
let t = DEFAULT_START;
for (const c of stream) t += c.dt!;
const step = steppers(d, pa, { map: new Map() }, stream, encoded, t)[subject];
for (let i = 0; i < 200_000; i++) step();
const s = new Session();
s.connect();
await s.post("Profiler.enable");
await s.post("Profiler.setSamplingInterval", { interval: 100 });
await s.post("Profiler.start");
const end = performance.now() + seconds * 1000;
let calls = 0;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) step();
  calls += 1000;
}
const { profile } = await s.post("Profiler.stop");
writeFileSync(`build/bench/${subject}-${n}.cpuprofile`, JSON.stringify(profile));
console.log(`${subject} at ${n}: ${((seconds * 1e9) / calls).toFixed(0)} ns/call (with profiler on)`);
const self = new Map<string, number>();
const hits = new Map<number, number>();
for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
for (const node of profile.nodes) {
  const f = node.callFrame;
  const k = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + (hits.get(node.id) ?? 0));
}
const total = profile.samples?.length ?? 1;
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
