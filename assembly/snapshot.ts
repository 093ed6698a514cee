// Whole-state snapshots, streamed through XFER in chunks (state can be ~1 GB, memory cannot hold two).
// File = 64-byte header + body; body = state header (128 bytes) + allowlist entries + used records.
// The index is not saved: it is rebuilt on restore, so a snapshot restores into any capacity that holds
// its records. Header and checksum layout: docs/ABI.md "Snapshots and record transfer".
//
// Restore is two passes over the same chunks: verify (checksum, compatibility, record invariants; no
// state touched), then commit. Mode 0 replaces the state, mode 1 merges it in (merge.ts).

import { ABI_VERSION, ERR_SNAP_FOREIGN, ERR_SNAP_VERSION, ERR_SNAP_TRUNCATED, ERR_SNAP_CORRUPT,
  ERR_SNAP_INCOMPATIBLE, ERR_SNAP_CAPACITY, ERR_SNAP_SEQUENCE, ERR_SNAP_INVALID } from "./layout";
import { arenaBase, arenaBytes, recOff, recSize, capacity, indexOff, indexSize, hdr, rec, HEADER_SIZE, ALLOW_CAP,
  ALLOW_OFF, H_USED, H_LIVE, H_TENANTS, H_ALLOW_N, H_RNG, H_ENTITY_EVICTIONS, H_SLOT_EVICTIONS, H_CHECKS,
  H_ALLOWED, H_WARNED, H_BLOCKED, H_LEARNED, H_PROMOTIONS, R_KEY, R_FLAGS, RF_TENANT, indexInsert } from "./arena";
import { combine } from "./hash";
import { XFER, XFER_SIZE, layoutHash, plainHash, recordSane } from "./transfer";
import { mergeIn } from "./merge";
import { allowAdd } from "./allowlist";

export const SNAP_MAGIC: u32 = 0x4E535754; // "TWSN" little-endian
export const SNAP_FORMAT: u32 = 1;
export const SNAP_HDR: i32 = 64;
const SUM_AT: i32 = 40; // the checksum field, hashed as zero

const HEAD: usize = memory.data(64, 8); // header of the snapshot being read out
const STAGE: usize = memory.data(128 + 1024 * 16, 8); // incoming state header + allowlist
const RECBUF: usize = memory.data(16384, 8); // one incoming record (largest layout: 14 464 bytes)
const STAGE_SUM: usize = memory.data(8, 8); // the incoming file's checksum, from its first chunk

const SUM_SEED: u64 = 0x544F4F4C534E4150;

// ---- writing ----

let outTotal: f64 = 0;
let outA: f64 = 0; // bytes of state header + allowlist

function allowN(): i32 { return <i32>load<u32>(hdr(H_ALLOW_N)); }
function used(): i32 { return <i32>load<u32>(hdr(H_USED)); }

// Copies file bytes [off, off + len) of the snapshot being written to dst.
function copyOut(dst: usize, off: f64, len: i32): void {
  let o = off;
  let d = dst;
  let left = len;
  while (left > 0) {
    let src: usize;
    let room: f64;
    if (o < <f64>SNAP_HDR) { src = HEAD + <usize>o; room = <f64>SNAP_HDR - o; }
    else if (o < <f64>SNAP_HDR + outA) {
      src = arenaBase + <usize>(o - <f64>SNAP_HDR);
      room = <f64>SNAP_HDR + outA - o;
    }
    else { src = recOff + <usize>(o - <f64>SNAP_HDR - outA); room = outTotal - o; }
    const n = <f64>left < room ? left : <i32>room;
    memory.copy(d, src, <usize>n);
    d += <usize>n;
    o += <f64>n;
    left -= n;
  }
}

// Checksum of a file: 64 KiB blocks hashed with seed 0, folded; the checksum field counts as zero.
function foldBlock(h: u64, ptr: usize, len: i32, first: bool): u64 {
  let saved: u64 = 0;
  if (first) { saved = load<u64>(ptr + <usize>SUM_AT); store<u64>(ptr + <usize>SUM_AT, 0); }
  const r = combine(h, plainHash(ptr, len));
  if (first) store<u64>(ptr + <usize>SUM_AT, saved);
  return r;
}

// Prepares a snapshot of the current state; returns its size in bytes. The state must not change
// until the last snapshot_read.
export function snapshotBegin(): f64 {
  const n = allowN();
  const u = used();
  outA = <f64>(HEADER_SIZE + n * 16);
  outTotal = <f64>SNAP_HDR + outA + <f64>u * <f64>recSize;
  memory.fill(HEAD, 0, SNAP_HDR);
  store<u32>(HEAD, SNAP_MAGIC);
  store<u16>(HEAD + 4, <u16>SNAP_FORMAT);
  store<u16>(HEAD + 6, <u16>ABI_VERSION);
  store<u64>(HEAD + 8, layoutHash());
  store<u32>(HEAD + 16, <u32>recSize);
  store<u32>(HEAD + 20, <u32>u);
  store<u32>(HEAD + 24, <u32>n);
  store<u32>(HEAD + 28, <u32>capacity);
  store<f64>(HEAD + 32, outTotal);
  let h = SUM_SEED;
  let off: f64 = 0;
  while (off < outTotal) {
    const len = outTotal - off < <f64>XFER_SIZE ? <i32>(outTotal - off) : XFER_SIZE;
    copyOut(XFER, off, len);
    h = foldBlock(h, XFER, len, off == 0);
    off += <f64>len;
  }
  store<u64>(HEAD + <usize>SUM_AT, combine(h, reinterpret<u64>(outTotal)));
  return outTotal;
}

// Copies [off, off + len) of the prepared snapshot into XFER. Returns len or ERR_SNAP_SEQUENCE.
export function snapshotRead(off: f64, len: i32): i32 {
  if (!(off >= 0) || off != Math.floor(off) || len < 0 || len > XFER_SIZE || off + <f64>len > outTotal)
    return ERR_SNAP_SEQUENCE;
  copyOut(XFER, off, len);
  return len;
}

// ---- reading ----

let phase: i32 = 0; // 0 idle, 1 verify, 2 commit
let mode: i32 = 0; // 0 replace, 1 merge
let inTotal: f64 = 0;
let expect: f64 = 0;
let sum: u64 = 0;
let inRecords: i32 = 0;
let inAllow: i32 = 0;
let inA: f64 = 0;
let compatible = false;
let invalid = false;
let recFill: i32 = 0; // bytes of the current record in RECBUF
let recIndex: i32 = 0;
let merged: i32 = 0;

let beganLayout: u64 = 0;
let beganCapacity: i32 = 0;

export function restoreBegin(total: f64, m: i32): i32 {
  if (phase == 2 && mode == 0) clearState(); // an abandoned replace commit is never left half-written
  phase = 0;
  if (m != 0 && m != 1) return ERR_SNAP_SEQUENCE;
  if (!(total >= 0 && total <= 9007199254740991.0) || total != Math.floor(total)) return ERR_SNAP_TRUNCATED;
  phase = 1;
  mode = m;
  inTotal = total;
  beganLayout = layoutHash();
  beganCapacity = capacity;
  startPass();
  return 0;
}

function startPass(): void {
  expect = 0;
  sum = SUM_SEED;
  recFill = 0;
  recIndex = 0;
  merged = 0;
}

// Empties the state (after a commit that could not finish); the layout stays.
function clearState(): void {
  memory.fill(arenaBase, 0, arenaBytes);
  store<u64>(hdr(H_RNG), 0x2545F4914F6CDD1D);
}

function fail(code: i32): i32 {
  if (phase == 2 && mode == 0) clearState();
  phase = 0;
  return code;
}

export function restoreAbort(): void {
  if (phase != 0) fail(0);
}

// Header checks on the first chunk, in the order that names the first thing wrong.
function readHeader(len: i32): i32 {
  if (len < 4) return ERR_SNAP_TRUNCATED;
  if (load<u32>(XFER) != SNAP_MAGIC) return ERR_SNAP_FOREIGN;
  if (len < SNAP_HDR) return ERR_SNAP_TRUNCATED;
  if (<u32>load<u16>(XFER + 4) > SNAP_FORMAT || <i32>load<u16>(XFER + 6) > ABI_VERSION) return ERR_SNAP_VERSION;
  if (<u32>load<u16>(XFER + 4) != SNAP_FORMAT) return ERR_SNAP_VERSION;
  if (load<f64>(XFER + 32) != inTotal) return ERR_SNAP_TRUNCATED;
  const records = load<u32>(XFER + 20);
  const allow = load<u32>(XFER + 24);
  const rs = load<u32>(XFER + 16);
  if (phase == 2) {
    // the commit pass must see the header the verify pass accepted
    if (<i32>records != inRecords || <i32>allow != inAllow || load<u64>(XFER + <usize>SUM_AT) != load<u64>(STAGE_SUM))
      return ERR_SNAP_SEQUENCE;
    return 0;
  }
  store<u64>(STAGE_SUM, load<u64>(XFER + <usize>SUM_AT));
  inRecords = <i32>records;
  inAllow = <i32>allow;
  inA = <f64>HEADER_SIZE + <f64>allow * 16;
  compatible = rs == <u32>recSize && load<u64>(XFER + 8) == layoutHash();
  invalid = allow > <u32>ALLOW_CAP || rs == 0 || <f64>SNAP_HDR + inA + <f64>records * <f64>rs != inTotal;
  return 0;
}

// One whole incoming record is in RECBUF.
function takeRecord(): void {
  if (phase == 1) {
    if (compatible && !recordSane(RECBUF)) invalid = true;
  } else if (mode == 1) {
    if (mergeIn(RECBUF) > 0) merged++;
  }
  recIndex++;
}

// Streams body bytes [bodyOff, bodyOff + n) found at ptr.
function feedBody(ptr: usize, bodyOff: f64, n: i32): void {
  let p = ptr;
  let o = bodyOff;
  let left = n;
  if (o < inA && left > 0) {
    const k = <f64>left < inA - o ? left : <i32>(inA - o);
    if (!invalid) memory.copy(STAGE + <usize>o, p, <usize>k);
    p += <usize>k;
    o += <f64>k;
    left -= k;
  }
  if (left <= 0 || invalid || !compatible) return;
  if (phase == 2 && mode == 0) {
    memory.copy(recOff + <usize>(o - inA), p, <usize>left); // verified already: straight into place
    return;
  }
  while (left > 0) {
    const k = left < recSize - recFill ? left : recSize - recFill;
    memory.copy(RECBUF + <usize>recFill, p, <usize>k);
    recFill += k;
    p += <usize>k;
    left -= k;
    if (recFill == recSize) { takeRecord(); recFill = 0; }
  }
}

// The host wrote file bytes [off, off + len) into XFER. Chunks come in order, XFER_SIZE each but the last.
// The arena must be the one the restore began with (init() in between would change it).
function sameArena(): bool { return layoutHash() == beganLayout && capacity == beganCapacity; }

export function restoreChunk(off: f64, len: i32): i32 {
  if (phase == 0) return ERR_SNAP_SEQUENCE;
  if (!sameArena()) return fail(ERR_SNAP_SEQUENCE);
  if (off != expect || len <= 0 || len > XFER_SIZE || off + <f64>len > inTotal) return fail(ERR_SNAP_SEQUENCE);
  if (len != XFER_SIZE && off + <f64>len != inTotal) return fail(ERR_SNAP_SEQUENCE);
  if (off == 0) {
    const e = readHeader(len);
    if (e < 0) return fail(e);
    if (phase == 2 && mode == 0) memory.fill(recOff, 0, <usize>used() * <usize>recSize);
  }
  sum = foldBlock(sum, XFER, len, off == 0);
  const start: f64 = off < <f64>SNAP_HDR ? <f64>SNAP_HDR - off : 0;
  if (<f64>len > start) feedBody(XFER + <usize>start, off + start - <f64>SNAP_HDR, len - <i32>start);
  expect = off + <f64>len;
  return 0;
}

function rebuildIndex(n: i32): void {
  memory.fill(indexOff, 0, <usize>indexSize << 2);
  let tenants: u32 = 0;
  for (let i = 0; i < n; i++) {
    const p = rec(i);
    indexInsert(load<u64>(p + R_KEY), i);
    if (load<u32>(p + R_FLAGS) & RF_TENANT) tenants++;
  }
  store<u32>(hdr(H_LIVE), <u32>n);
  store<u32>(hdr(H_TENANTS), tenants);
}

function addHeader(off: i32): void {
  store<f64>(hdr(off), load<f64>(hdr(off)) + load<f64>(STAGE + <usize>off));
}

// Ends a pass. After verify: 0 (or why the snapshot is refused; nothing changed). After commit: the
// number of records restored or merged.
export function restoreEnd(): i32 {
  if (phase == 0) return ERR_SNAP_SEQUENCE;
  if (!sameArena()) return fail(ERR_SNAP_SEQUENCE);
  if (expect < <f64>SNAP_HDR) return fail(expect == 0 && inTotal > 0 ? ERR_SNAP_SEQUENCE : ERR_SNAP_TRUNCATED);
  if (expect != inTotal) return fail(ERR_SNAP_SEQUENCE);
  const ok = combine(sum, reinterpret<u64>(inTotal)) == load<u64>(STAGE_SUM);
  if (phase == 1) {
    if (!ok) return fail(ERR_SNAP_CORRUPT);
    if (!compatible) return fail(ERR_SNAP_INCOMPATIBLE);
    if (invalid || recFill != 0 || recIndex != inRecords) return fail(ERR_SNAP_INVALID);
    if (load<u32>(STAGE + H_USED) != <u32>inRecords || load<u32>(STAGE + H_ALLOW_N) != <u32>inAllow)
      return fail(ERR_SNAP_INVALID);
    if (mode == 0 && inRecords > capacity) return fail(ERR_SNAP_CAPACITY);
    phase = 2;
    startPass();
    return 0;
  }
  if (!ok) return fail(ERR_SNAP_CORRUPT); // the host fed other bytes the second time
  phase = 0;
  if (mode == 0) {
    memory.fill(arenaBase, 0, <usize>(HEADER_SIZE + ALLOW_CAP * 16));
    memory.copy(arenaBase, STAGE, <usize>inA);
    rebuildIndex(inRecords);
    return inRecords;
  }
  addHeader(H_ENTITY_EVICTIONS);
  addHeader(H_SLOT_EVICTIONS);
  addHeader(H_CHECKS);
  addHeader(H_ALLOWED);
  addHeader(H_WARNED);
  addHeader(H_BLOCKED);
  addHeader(H_LEARNED);
  addHeader(H_PROMOTIONS);
  for (let i = 0; i < inAllow; i++) {
    const e = STAGE + <usize>(ALLOW_OFF + (i << 4));
    allowAdd(load<i32>(e + 8), load<u64>(e)); // full: the rest is dropped, the call keeps its own list
  }
  return merged;
}
