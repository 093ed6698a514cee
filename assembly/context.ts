// Per-call working state shared by the signals: which records judge this call and the derived keys.

export let now: f64 = 0;
export let tzOffsetMin: i32 = 0;
export let entity: usize = 0; // the entity's record
export let tenant: usize = 0; // its tenant's record
export let baseline: usize = 0; // the record whose history judges this call (entity or tenant), 0 when cold
export let mode: i32 = 0;
export let toolFp: u32 = 0;
export let toolKnown: bool = false; // learned in the judging baseline
// not in the judging baseline's tool set but in its sketch: learned once, evicted since (sketch.ts)
export let toolSketched: bool = false;
// A principal in its first YOUNG_MS, first seen JOINED_MS or more after its tenant, which has a baseline: what its
// tenant knows is not news from
// it (a person joining a team works with the team's tools, contacts and habits, which its own few days
// cannot hold yet). Attacks through a new account still show: first contacts, tools and orders the
// tenant never saw, bursts.
export const YOUNG_MS: f64 = 5 * 86400000.0;
export const JOINED_MS: f64 = 86400000.0; // first seen this long after its tenant: it joined a team
export let young: bool = false;
export function setYoung(y: bool): void { young = y; }
export let windowCount: f64 = 0; // calls in the burst window including this one (estimate above the ring)
export let windowExact: bool = true;

export function setCall(t: f64, tz: i32): void { now = t; tzOffsetMin = tz; }
export function setRecords(e: usize, t: usize, b: usize, m: i32): void {
  entity = e;
  tenant = t;
  baseline = b;
  mode = m;
}
export function setTool(fp: u32, known: bool, sketched: bool): void {
  toolFp = fp;
  toolKnown = known;
  toolSketched = sketched;
}
export function setWindow(count: f64, exact: bool): void { windowCount = count; windowExact = exact; }
