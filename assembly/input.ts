// Reads one call record from IO, validates it, and derives every hash the signals need.
// Record layout (little-endian), documented in docs/ABI.md:
//   u32 tenantLen, u32 principalLen, u32 toolLen, u32 argCount,
//   tenant bytes, principal bytes, tool bytes,
//   argCount × { u8 type, u8 0, u16 keyLen, u32 valueLen, key bytes, value bytes }

import { IO, IO_SIZE, SCRATCH, MAX_IDENT_BYTES, MAX_TOOL_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES, MAX_ARGS,
  ERR_BAD_RECORD, ERR_INVALID_UTF8, ERR_EMPTY_TOOL, ERR_TOO_LONG, ERR_TOO_MANY_ARGS, ERR_BAD_ARG_TYPE,
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_OBJECT, T_ELEM_STRING, T_ELEM_NUMBER } from "./layout";
import { hashBytes, combine, fmix } from "./hash";
import { validUtf8 } from "./utf8";

export let tenantPtr: usize = 0;
export let tenantLen: i32 = 0;
export let principalPtr: usize = 0;
export let principalLen: i32 = 0;
export let toolPtr: usize = 0;
export let toolLen: i32 = 0;
export let argCount: i32 = 0;

export let tenantHash: u64 = 0;
export let principalHash: u64 = 0;
export let toolHash: u64 = 0;
export let shapeHash: u64 = 0;
// Number of value-bearing entries (scalars and array elements) in VALS.
export let valueCount: i32 = 0;

// Per value-bearing entry: u64 key hash, u64 value hash, u32 entry index, u32 zero, u64 domain hash
// (0 when the value is not an address).
const VAL_SIZE: usize = 32;
export const VALS: usize = memory.data(MAX_ARGS * 32, 8);
@inline export function valKeyHash(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE); }
@inline export function valHash(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE + 8); }
@inline export function valEntry(i: i32): i32 { return load<i32>(VALS + <usize>i * VAL_SIZE + 16); }
@inline export function valDomain(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE + 24); }

// The organisation part of an address, set by normalisedStringHash (reset by parseRecord per entry): an e-mail address's domain or a
// URL's host, cut to its last two labels (three when the second-to-last is a short public label such
// as "co" in "co.uk"), so that a new colleague at a known domain, or a new page on a known site, can be
// told from an address at a domain never used. 0 when the value is not an address.
let domainHash: u64 = 0;
const DOMAIN_SALT: u64 = 0x589965CC75374CC3;

function noteDomain(ds: i32, de: i32): void {
  let dots = 0;
  let last: i32 = -1;
  let prev: i32 = -1;
  let prev2: i32 = -1;
  for (let i = ds; i < de; i++) {
    if (load<u8>(SCRATCH + <usize>i) == 46) { dots++; prev2 = prev; prev = last; last = i; }
  }
  if (dots == 0 || last == de - 1 || last == ds) return; // not a domain
  let from = prev >= 0 ? prev + 1 : ds;
  // "corp.co.uk": the second-to-last label is short and the last has two letters
  if (prev >= 0 && last - prev - 1 <= 3 && de - last - 1 == 2) from = prev2 >= 0 ? prev2 + 1 : ds;
  domainHash = hashBytes(SCRATCH + <usize>from, de - from) ^ DOMAIN_SALT;
  if (domainHash == 0) domainHash = 1;
}

const SHAPE_SALT: u64 = 0xA0761D6478BD642F;
const NUMBER_SALT: u64 = 0xE7037ED1A0B428DB;
const BOOL_SALT: u64 = 0x8EBC6AF09C88C6E3;

@inline function isSpace(c: u32): bool { return c == 32 || (c >= 9 && c <= 13); }

// Lower-cases and trims a string value, and reduces a URL (or a bare "host/path") to its host, so that
// "https://WWW.Example.com/a?b" and "example.com/other" are the same destination.
function normalisedStringHash(ptr: usize, len: i32): u64 {
  let s: i32 = 0;
  let e: i32 = len;
  while (s < e && isSpace(<u32>load<u8>(ptr + <usize>s))) s++;
  while (e > s && isSpace(<u32>load<u8>(ptr + <usize>(e - 1)))) e--;
  let n: i32 = 0;
  let inner_space = false;
  for (let i = s; i < e; i++) {
    let c = <u32>load<u8>(ptr + <usize>i);
    if (c >= 65 && c <= 90) c += 32;
    if (isSpace(c)) inner_space = true;
    store<u8>(SCRATCH + <usize>n, <u8>c);
    n++;
  }
  if (!inner_space && n > 0) {
    let hs: i32 = 0;
    let sawScheme = false;
    for (let i = 0; i + 2 < n; i++) {
      const c = <u32>load<u8>(SCRATCH + <usize>i);
      if (c == 58 && load<u8>(SCRATCH + <usize>(i + 1)) == 47 && load<u8>(SCRATCH + <usize>(i + 2)) == 47) {
        hs = i + 3; sawScheme = true; break;
      }
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 45 || c == 46)) break;
    }
    let he = n;
    let sawDot = false;
    let sawAt = false;
    let cut = false;
    for (let i = hs; i < n; i++) {
      const c = <u32>load<u8>(SCRATCH + <usize>i);
      if (c == 47 || c == 63 || c == 35) { he = i; cut = true; break; }
      if (c == 46) sawDot = true;
      if (c == 64) sawAt = true;
    }
    if (sawScheme || (cut && sawDot && !sawAt && he > hs)) {
      if (sawScheme && sawAt) { // user@host: keep the host
        for (let i = hs; i < he; i++) if (load<u8>(SCRATCH + <usize>i) == 64) hs = i + 1;
      }
      he = withoutPort(hs, he);
      if (he - hs > 4 && load<u32>(SCRATCH + <usize>hs) == 0x2E777777) hs += 4; // "www."
      noteDomain(hs, he);
      return hashBytes(SCRATCH + <usize>hs, he - hs);
    }
    if (!cut && n > 4 && load<u32>(SCRATCH) == 0x2E777777 && sawDot) {
      noteDomain(4, n);
      return hashBytes(SCRATCH + 4, n - 4);
    }
    if (sawAt && !cut) { // an e-mail address: the domain after the last "@"
      let at: i32 = -1;
      for (let i = 0; i < n; i++) if (load<u8>(SCRATCH + <usize>i) == 64) at = i;
      if (at > 0) noteDomain(at + 1, n);
    }
  }
  return hashBytes(SCRATCH, n);
}

// "host:443" is the host: drops a trailing ":digits" (the last colon, so "[::1]:80" keeps "[::1]").
function withoutPort(hs: i32, he: i32): i32 {
  for (let i = he - 1; i > hs; i--) {
    const c = <u32>load<u8>(SCRATCH + <usize>i);
    if (c == 58) return i;
    if (c < 48 || c > 57) return he;
  }
  return he;
}

function numberHash(ptr: usize): u64 {
  let v = load<f64>(ptr);
  if (v == 0) v = 0; // -0 and +0 are one value
  return fmix(reinterpret<u64>(v) ^ NUMBER_SALT);
}

export function parseRecord(withArgs: bool): i32 {
  const end: usize = IO + <usize>IO_SIZE;
  tenantLen = load<i32>(IO);
  principalLen = load<i32>(IO + 4);
  toolLen = load<i32>(IO + 8);
  argCount = load<i32>(IO + 12);
  if (tenantLen < 0 || principalLen < 0 || toolLen < 0 || argCount < 0) return ERR_BAD_RECORD;
  if (tenantLen > MAX_IDENT_BYTES || principalLen > MAX_IDENT_BYTES || toolLen > MAX_TOOL_BYTES) return ERR_TOO_LONG;
  if (argCount > MAX_ARGS) return ERR_TOO_MANY_ARGS;
  tenantPtr = IO + 16;
  principalPtr = tenantPtr + <usize>tenantLen;
  toolPtr = principalPtr + <usize>principalLen;
  let p: usize = toolPtr + <usize>toolLen;
  if (!validUtf8(tenantPtr, tenantLen) || !validUtf8(principalPtr, principalLen) || !validUtf8(toolPtr, toolLen)) {
    return ERR_INVALID_UTF8;
  }
  tenantHash = hashBytes(tenantPtr, tenantLen);
  principalHash = hashBytes(principalPtr, principalLen);
  toolHash = hashBytes(toolPtr, toolLen);
  shapeHash = 0;
  valueCount = 0;
  if (!withArgs) return 0;
  if (toolLen == 0) return ERR_EMPTY_TOOL;
  let shapeSum: u64 = 0;
  for (let a = 0; a < argCount; a++) {
    if (p + 8 > end) return ERR_BAD_RECORD;
    const type = load<u8>(p);
    const keyLen = <i32>load<u16>(p + 2);
    const valueLen = load<i32>(p + 4);
    if (type > T_ELEM_NUMBER) return ERR_BAD_ARG_TYPE;
    if (keyLen > MAX_KEY_BYTES || valueLen < 0 || valueLen > MAX_VALUE_BYTES) return ERR_TOO_LONG;
    const keyPtr = p + 8;
    const valuePtr = keyPtr + <usize>keyLen;
    p = valuePtr + <usize>valueLen;
    if (p > end) return ERR_BAD_RECORD;
    if (!validUtf8(keyPtr, keyLen)) return ERR_INVALID_UTF8;
    const keyHash = hashBytes(keyPtr, keyLen);
    if (type <= T_OBJECT) shapeSum += fmix(keyHash ^ (<u64>(type + 1) * SHAPE_SALT));
    let vh: u64 = 0;
    let hasValue = true;
    domainHash = 0;
    if (type == T_STRING || type == T_ELEM_STRING) vh = normalisedStringHash(valuePtr, valueLen);
    else if (type == T_NUMBER || type == T_ELEM_NUMBER) {
      if (valueLen != 8) return ERR_BAD_RECORD;
      vh = numberHash(valuePtr);
    } else if (type == T_BOOL) {
      if (valueLen != 1) return ERR_BAD_RECORD;
      vh = fmix(<u64>load<u8>(valuePtr) ^ BOOL_SALT);
    } else {
      hasValue = false;
      if (valueLen != 0 && type == T_NULL) return ERR_BAD_RECORD;
    }
    if (hasValue) {
      const q = VALS + <usize>valueCount * VAL_SIZE;
      store<u64>(q, keyHash);
      store<u64>(q + 8, vh);
      store<i32>(q + 16, a);
      store<i32>(q + 20, 0);
      store<u64>(q + 24, domainHash);
      valueCount++;
    }
  }
  // Sum of per-key terms: the shape does not depend on the order the host listed the keys in.
  shapeHash = combine(toolHash, shapeSum ^ SHAPE_SALT);
  return 0;
}

export function entityKey(): u64 {
  const k = combine(combine(tenantHash, 0x51ED27), principalHash);
  return k == 0 ? 1 : k;
}
export function tenantKey(): u64 {
  const k = combine(tenantHash, 0x7E4A47);
  return k == 0 ? 1 : k;
}
