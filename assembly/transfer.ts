// One record at a time in and out of the core through the static XFER buffer, so a host can keep
// per-entity state elsewhere (Redis, a Durable Object) and hand it to the core around a call.
// A transferred record is self-describing (layout in docs/ABI.md "Snapshots and record transfer"):
//   u32 magic "TWRC", u16 format, u16 ABI version, u32 record size, u32 kind (0 entity, 1 tenant),
//   u64 layout hash, u64 checksum of the record bytes, u64 key, then the record bytes.

import { ABI_VERSION, ERR_XFER_LENGTH, ERR_XFER_MAGIC, ERR_XFER_VERSION, ERR_XFER_LAYOUT, ERR_XFER_CHECKSUM,
  ERR_XFER_KEY, ERR_XFER_INVALID, ERR_XFER_KIND } from "./layout";
import { cfg, cfgI, C_MAX_TOOLS, C_MAX_SHAPES, C_MAX_VALUES, C_MAX_TRANSITIONS, C_MAX_VALUE_KEYS,
  C_BURST_THRESHOLD, C_HASH_SEED } from "./config";
import { rec, recSize, ringCap, hdr, H_USED, H_LIVE, H_TENANTS, R_KEY, R_TENANT_KEY, R_FLAGS, R_FIRST, R_LAST,
  R_LAST_LEARN, R_RATE, R_RING_BASE, R_RING_HEAD, R_RING_LEN, RF_TENANT, R_HEADER, HOURS, findRecord,
  getOrCreate, indexRemove, indexOff, indexHome, indexNext } from "./arena";
import * as hash from "./hash";
import { hashBytes, combine } from "./hash";
import { parseRecord, entityKey, tenantKey } from "./input";

export const XFER_SIZE: i32 = 65536;
export const XFER: usize = memory.data(65536, 16);

export const REC_MAGIC: u32 = 0x43525754; // "TWRC" little-endian
export const REC_FORMAT: u32 = 1;
export const REC_HDR: i32 = 40;


// 3: a sketch of tools and contacts ever learned after the value keys (sketch.ts); 2: values in 4-byte
// entries plus candidate slots (values.ts); 1 had 8-byte value slots.
const VALUE_LAYOUT: u32 = 3;

// Everything that decides what the bytes of a record mean. Thresholds and weights are left out on
// purpose: changing them does not make learned state unreadable. The seed is in: keys derive from it.
export function layoutHash(): u64 {
  let h: u64 = 0x544F4F4C57415443;
  h = combine(h, <u64>ABI_VERSION);
  h = combine(h, <u64>recSize);
  h = combine(h, <u64>R_HEADER);
  h = combine(h, <u64>HOURS);
  h = combine(h, <u64>cfgI(C_BURST_THRESHOLD));
  h = combine(h, <u64>cfgI(C_MAX_TOOLS));
  h = combine(h, <u64>cfgI(C_MAX_SHAPES));
  h = combine(h, <u64>cfgI(C_MAX_VALUES));
  h = combine(h, <u64>VALUE_LAYOUT);
  h = combine(h, <u64>cfgI(C_MAX_TRANSITIONS));
  h = combine(h, <u64>cfgI(C_MAX_VALUE_KEYS));
  h = combine(h, <u64>cfg(C_HASH_SEED));
  return h;
}

// Checksums do not depend on the configured seed, so a foreign seed reads as "incompatible", not "corrupt".
export function plainHash(ptr: usize, len: i32): u64 {
  const s = hash.seed;
  hash.seed = 0;
  const h = hashBytes(ptr, len);
  hash.seed = s;
  return h;
}

@inline function okTime(t: f64): bool { return t >= 0 && t <= 8.64e15; }

// The invariants the core relies on to stay inside a record's memory and do sane arithmetic.
export function recordSane(p: usize): bool {
  if (load<u64>(p + R_KEY) == 0) return false;
  const flags = load<u32>(p + R_FLAGS);
  if ((flags & ~RF_TENANT) != 0) return false;
  if (((flags & RF_TENANT) != 0) != (load<u64>(p + R_TENANT_KEY) == 0)) return false;
  if (<i32>load<u16>(p + R_RING_HEAD) >= ringCap || <i32>load<u16>(p + R_RING_LEN) > ringCap) return false;
  if (!okTime(load<f64>(p + R_FIRST)) || !okTime(load<f64>(p + R_LAST))) return false;
  if (!okTime(load<f64>(p + R_LAST_LEARN)) || !okTime(load<f64>(p + R_RING_BASE) + 1073741824.0)) return false;
  const rate = load<f64>(p + R_RATE);
  if (!(rate >= 0 && rate <= 1e12)) return false;
  return true;
}

// Removes record r and moves the last record into its place, so records stay dense (snapshots and
// the eviction sampler both assume records [0, used) are all live).
export function removeRecord(r: i32): void {
  const p = rec(r);
  indexRemove(load<u64>(p + R_KEY), r);
  if (load<u32>(p + R_FLAGS) & RF_TENANT) store<u32>(hdr(H_TENANTS), load<u32>(hdr(H_TENANTS)) - 1);
  store<u32>(hdr(H_LIVE), load<u32>(hdr(H_LIVE)) - 1);
  const last = <i32>load<u32>(hdr(H_USED)) - 1;
  if (r != last) {
    const q = rec(last);
    let i = indexHome(load<u64>(q + R_KEY));
    while (load<u32>(indexOff + (<usize>i << 2)) != <u32>last + 1) i = indexNext(i);
    store<u32>(indexOff + (<usize>i << 2), <u32>r + 1);
    memory.copy(p, q, <usize>recSize);
  }
  memory.fill(rec(last), 0, <usize>recSize);
  store<u32>(hdr(H_USED), <u32>last);
}

function keyOf(which: i32): u64 { return which == 0 ? entityKey() : tenantKey(); }

// Copies the record named by the identity in IO (which: 0 entity, 1 its tenant) into XFER.
// Returns the byte length, 0 if not tracked, or a negative error code.
export function recordExport(which: i32): i32 {
  if (which != 0 && which != 1) return ERR_XFER_KIND;
  const err = parseRecord(false);
  if (err < 0) return err;
  const key = keyOf(which);
  const r = findRecord(key);
  if (r < 0) return 0;
  memory.copy(XFER + <usize>REC_HDR, rec(r), <usize>recSize);
  store<u32>(XFER, REC_MAGIC);
  store<u16>(XFER + 4, <u16>REC_FORMAT);
  store<u16>(XFER + 6, <u16>ABI_VERSION);
  store<u32>(XFER + 8, <u32>recSize);
  store<u32>(XFER + 12, <u32>which);
  store<u64>(XFER + 16, layoutHash());
  store<u64>(XFER + 24, plainHash(XFER + <usize>REC_HDR, recSize));
  store<u64>(XFER + 32, key);
  return REC_HDR + recSize;
}

// Validates a transferred record in XFER for the identity in IO: 0 (and xferKey set) or a negative
// code. Checks are ordered so the error names the first thing wrong.
export let xferKey: u64 = 0;
export function checkXfer(which: i32, len: i32): i32 {
  if (which != 0 && which != 1) return ERR_XFER_KIND;
  const err = parseRecord(false);
  if (err < 0) return err;
  if (len < REC_HDR || len > XFER_SIZE) return ERR_XFER_LENGTH;
  if (load<u32>(XFER) != REC_MAGIC) return ERR_XFER_MAGIC;
  if (<u32>load<u16>(XFER + 4) > REC_FORMAT || <i32>load<u16>(XFER + 6) > ABI_VERSION) return ERR_XFER_VERSION;
  if (<u32>load<u16>(XFER + 4) != REC_FORMAT) return ERR_XFER_VERSION;
  if (load<u32>(XFER + 8) != <u32>recSize || load<u64>(XFER + 16) != layoutHash()) return ERR_XFER_LAYOUT;
  if (len != REC_HDR + recSize) return ERR_XFER_LENGTH;
  const src = XFER + <usize>REC_HDR;
  if (load<u64>(XFER + 24) != plainHash(src, recSize)) return ERR_XFER_CHECKSUM;
  const key = keyOf(which);
  if (load<u32>(XFER + 12) != <u32>which || load<u64>(XFER + 32) != key || load<u64>(src + R_KEY) != key)
    return ERR_XFER_KEY;
  if (!recordSane(src)) return ERR_XFER_INVALID;
  if (which == 0 && load<u64>(src + R_TENANT_KEY) != tenantKey()) return ERR_XFER_KEY;
  if (which == 1 && (load<u32>(src + R_FLAGS) & RF_TENANT) == 0) return ERR_XFER_KEY;
  xferKey = key;
  return 0;
}

// Finds the record for a validated transfer, creating it if absent (the identity's other record is
// protected from the eviction this may cause). Sets `created`.
export let created: bool = false;
export function recordFor(which: i32, key: u64, src: usize): i32 {
  created = false;
  const r = findRecord(key);
  if (r >= 0) return r;
  const other = findRecord(which == 0 ? tenantKey() : entityKey());
  created = true;
  return getOrCreate(key, which == 0 ? tenantKey() : 0, load<f64>(src + R_LAST), other);
}

// Creates or replaces the record from XFER. Returns 1 replaced, 2 created, or a negative code;
// on error nothing changed.
export function recordImport(which: i32, len: i32): i32 {
  const err = checkXfer(which, len);
  if (err < 0) return err;
  const src = XFER + <usize>REC_HDR;
  const r = recordFor(which, xferKey, src);
  memory.copy(rec(r), src, <usize>recSize);
  return created ? 2 : 1;
}

// Forgets the record named by the identity in IO. Returns 1 dropped, 0 not tracked, or an error.
export function recordDrop(which: i32): i32 {
  if (which != 0 && which != 1) return ERR_XFER_KIND;
  const err = parseRecord(false);
  if (err < 0) return err;
  const r = findRecord(keyOf(which));
  if (r < 0) return 0;
  removeRecord(r);
  return 1;
}
