// Per-call working state shared by the signals: which records judge this call and the derived keys.

export let now: f64 = 0;
export let tzOffsetMin: i32 = 0;
export let entity: usize = 0; // the entity's record
export let tenant: usize = 0; // its tenant's record
export let baseline: usize = 0; // the record whose history judges this call (entity or tenant), 0 when cold
export let mode: i32 = 0;
export let toolFp: u32 = 0;
export let toolKnown: bool = false; // learned in the judging baseline
export let windowCount: f64 = 0; // calls in the burst window including this one (estimate above the ring)
export let windowExact: bool = true;

export function setCall(t: f64, tz: i32): void { now = t; tzOffsetMin = tz; }
export function setRecords(e: usize, t: usize, b: usize, m: i32): void { entity = e; tenant = t; baseline = b; mode = m; }
export function setTool(fp: u32, known: bool): void { toolFp = fp; toolKnown = known; }
export function setWindow(count: f64, exact: bool): void { windowCount = count; windowExact = exact; }
