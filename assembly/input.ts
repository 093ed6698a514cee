// Reads one call record from IO, validates it, and derives every hash the signals need.
// Record layout (little-endian), documented in docs/ABI.md:
//   u32 tenantLen, u32 principalLen, u32 toolLen, u32 argCount,
//   tenant bytes, principal bytes, tool bytes,
//   argCount × { u8 type, u8 0, u16 keyLen, u32 valueLen, key bytes, value bytes }

import { IO, IO_SIZE, SCRATCH, MAX_IDENT_BYTES, MAX_TOOL_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES, MAX_ARGS, MAX_EXTRA,
  ERR_BAD_RECORD, ERR_INVALID_UTF8, ERR_EMPTY_TOOL, ERR_TOO_LONG, ERR_TOO_MANY_ARGS, ERR_BAD_ARG_TYPE,
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_ELEM_STRING, T_ELEM_NUMBER, T_TAIL_STRING, T_NESTED_STRING,
  T_OMITTED } from "./layout";
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

// Per value-bearing entry: u64 key hash, u64 value hash, u32 entry index, u32 class (VC_*), u64 domain
// hash (0 when the value is not an address).
const VAL_SIZE: usize = 32;
export const VALS: usize = memory.data((MAX_ARGS + MAX_EXTRA) * 32, 8);
@inline export function valKeyHash(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE); }
@inline export function valHash(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE + 8); }
@inline export function valEntry(i: i32): i32 { return load<i32>(VALS + <usize>i * VAL_SIZE + 16); }
@inline export function valClass(i: i32): u32 { return load<u32>(VALS + <usize>i * VAL_SIZE + 20); }
@inline export function valDomain(i: i32): u64 { return load<u64>(VALS + <usize>i * VAL_SIZE + 24); }

// What a value is, as far as its text says. A contact is a party the call reaches or pays: an e-mail
// address or URL host (it has a domain) or an account (shaped like an IBAN, or a capitalised identifier
// of letters and digits: accountLike). A date
// (ISO date or date-time, day.month.year, month/day/year, a Unix time in seconds or milliseconds
// between 2000 and 2100) changes with the calendar, so a never-seen one is no news.
export const VC_OTHER: u32 = 0;
export const VC_ADDRESS: u32 = 1;
export const VC_ACCOUNT: u32 = 2;
export const VC_DATE: u32 = 3;
let valueClass: u32 = VC_OTHER;

// The host's summary of values it could not pass (T_OMITTED): per top-level array or object, its entry
// index, key hash, whether it is an array, and how many values under it were not passed.
export let omitCount: i32 = 0;
export let omittedTotal: f64 = 0;
const OMITS: usize = memory.data(MAX_ARGS * 24, 8);
const ENTRY_KEYS: usize = memory.data(MAX_ARGS * 8, 8); // key hash of each ordinary entry
const ENTRY_TYPES: usize = memory.data(MAX_ARGS, 8);
@inline export function omitEntry(i: i32): i32 { return load<i32>(OMITS + <usize>i * 24); }
@inline export function omitIsArray(i: i32): bool { return load<i32>(OMITS + <usize>i * 24 + 4) != 0; }
@inline export function omitKeyHash(i: i32): u64 { return load<u64>(OMITS + <usize>i * 24 + 8); }
@inline export function omitValues(i: i32): f64 { return load<f64>(OMITS + <usize>i * 24 + 16); }

// The organisation part of an address, set by normalisedStringHash (reset by parseRecord per entry): an e-mail
// address's domain or a
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

// Lower-cases and trims a string value, and reduces a URL (or a bare "host/path") to its host, so that
// "https://WWW.Example.com/a?b" and "example.com/other" are the same destination. The host is the one
// the WHATWG URL standard (browsers, Node's fetch) would connect to, or a crafted URL could be read as a
// known host while it goes elsewhere: ASCII tab and newline are removed anywhere and C0 controls and
// space trimmed at the ends; for the special schemes (http, https, ws, wss, ftp, file) "\" ends the
// authority like "/" and any slashes after "scheme:" are skipped; the userinfo runs to the LAST "@";
// the port goes; the host is percent-decoded (special schemes) and its trailing dots dropped (one DNS
// name). Not done: IPv4 number forms (0x7f.1) and IDNA (non-ASCII hosts stay UTF-8, not punycode).
function normalisedStringHash(ptr: usize, len: i32): u64 {
  let s: i32 = 0;
  let e: i32 = len;
  while (s < e && load<u8>(ptr + <usize>s) <= 32) s++;
  while (e > s && load<u8>(ptr + <usize>(e - 1)) <= 32) e--;
  let n: i32 = 0;
  let inner_space = false;
  let lower = false;
  for (let i = s; i < e; i++) {
    let c = <u32>load<u8>(ptr + <usize>i);
    if (c == 9 || c == 10 || c == 13) continue;
    if (c >= 97 && c <= 122) lower = true;
    if (c >= 65 && c <= 90) c += 32;
    if (c <= 32) inner_space = true;
    store<u8>(SCRATCH + <usize>n, <u8>c);
    n++;
  }
  if (n == 0) return hashBytes(SCRATCH, 0);
  if (dateLike(n)) { valueClass = VC_DATE; return hashBytes(SCRATCH, n); }
  const iban = ibanLength(n);
  if (iban > 0) { valueClass = VC_ACCOUNT; return hashBytes(SCRATCH, iban); } // spaces dropped: one account
  if (!lower && !inner_space && accountLike(n)) { valueClass = VC_ACCOUNT; return hashBytes(SCRATCH, n); }
  const h = urlHost(n);
  if (h != 0) return h;
  if (!inner_space) {
    // no scheme: a bare "host/path" (not an e-mail), "www.host", or an e-mail address
    let he = n;
    let sawDot = false;
    let sawAt = false;
    let cut = false;
    for (let i = 0; i < n; i++) {
      const c = <u32>load<u8>(SCRATCH + <usize>i);
      if (c == 47 || c == 63 || c == 35) { he = i; cut = true; break; }
      if (c == 46) sawDot = true;
      if (c == 64) sawAt = true;
    }
    if (cut && sawDot && !sawAt && he > 0) {
      he = withoutPort(0, he);
      let hs: i32 = 0;
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

@inline function sc(i: i32): u32 { return <u32>load<u8>(SCRATCH + <usize>i); }
@inline function isDigit(c: u32): bool { return c >= 48 && c <= 57; }

// Digits from i on, at most max of them; returns how many.
function digitsAt(i: i32, n: i32, max: i32): i32 {
  let k = 0;
  while (i + k < n && k < max && isDigit(sc(i + k))) k++;
  return k;
}

// SCRATCH[0, n) is a month of the calendar, yyyy-mm (or /): a reporting period, new every month.
function monthLike(n: i32): bool {
  if (n < 6 || n > 7 || digitsAt(0, n, 5) != 4) return false;
  const s1 = sc(4);
  if (s1 != 45 && s1 != 47) return false;
  const b = digitsAt(5, n, 3);
  if (b < 1 || 5 + b != n) return false;
  const m = b == 1 ? <i32>sc(5) - 48 : (<i32>sc(5) - 48) * 10 + <i32>sc(6) - 48;
  return m >= 1 && m <= 12;
}

// SCRATCH[0, n) starts with a calendar date: yyyy-mm-dd (or / .), dd.mm.yyyy, mm/dd/yyyy, dd-mm-yyyy,
// and ends there or goes on with a time ("T10:00:00Z", " 10:00"); or it is a month, yyyy-mm.
function dateLike(n: i32): bool {
  if (monthLike(n)) return true;
  if (n < 8 || !isDigit(sc(0))) return false;
  let i: i32;
  const a = digitsAt(0, n, 5);
  if (a == 4) {
    const s1 = sc(4);
    if (s1 != 45 && s1 != 47 && s1 != 46) return false;
    const b = digitsAt(5, n, 3);
    if (b < 1 || b > 2 || 5 + b >= n || sc(5 + b) != s1) return false;
    const c = digitsAt(6 + b, n, 3);
    if (c < 1 || c > 2) return false;
    i = 6 + b + c;
  } else if (a == 1 || a == 2) {
    const s1 = sc(a);
    if (s1 != 45 && s1 != 47 && s1 != 46) return false;
    const b = digitsAt(a + 1, n, 3);
    if (b < 1 || b > 2 || a + 1 + b >= n || sc(a + 1 + b) != s1) return false;
    const c = digitsAt(a + 2 + b, n, 5);
    if (c != 4) return false;
    i = a + 2 + b + c;
  } else return false;
  if (i == n) return true;
  const t = sc(i);
  return (t == 116 || t == 32) && i + 1 < n && isDigit(sc(i + 1)); // "t" (lower-cased "T") or a space, then a time
}

// The length of the IBAN in SCRATCH[0, n) once its spaces are dropped (compacted in place), or 0 when
// it is not shaped like one: two letters (the country), two digits (the check), then 11 to 30 letters
// and digits, at least 8 of all of them digits. The check digits are not verified: an account an
// attacker invents is still an account.
function ibanLength(n: i32): i32 {
  if (n < 15 || n > 42) return 0;
  let m = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = sc(i);
    if (c == 32) continue;
    if (isDigit(c)) digits++;
    else if (!(c >= 97 && c <= 122)) return 0;
    m++;
  }
  if (m < 15 || m > 34 || digits < 8) return 0;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const c = sc(i);
    if (c != 32) { store<u8>(IBAN_TMP + <usize>w, <u8>c); w++; }
  }
  const l0 = <u32>load<u8>(IBAN_TMP);
  const l1 = <u32>load<u8>(IBAN_TMP + 1);
  if (l0 < 97 || l1 < 97 || !isDigit(<u32>load<u8>(IBAN_TMP + 2)) || !isDigit(<u32>load<u8>(IBAN_TMP + 3))) return 0;
  memory.copy(SCRATCH, IBAN_TMP, <usize>m);
  return m;
}
const IBAN_TMP: usize = memory.data(64, 8);

// An account or customer number of another shape, written in capitals (its text had no lower-case
// letter): SCRATCH[0, n) (lower-cased) is letters, digits and "-", "_" or "." only, with at least 8
// letters and digits of which at least 2 of each ("ACCT-EXT-0042", "CUST_88231X", "VND-2024-117").
// Its issuer is the prefix before the first digit ("acct-ext-"), the account's domain: a new account
// at an issuer already paid is like a new address at a known domain. Short codes (PRJ-23, EUR) are
// not accounts.
function accountLike(n: i32): bool {
  if (n < 8 || n > 40) return false;
  let letters = 0;
  let digits = 0;
  let firstDigit: i32 = -1;
  for (let i = 0; i < n; i++) {
    const c = sc(i);
    if (isDigit(c)) { digits++; if (firstDigit < 0) firstDigit = i; }
    else if (c >= 97 && c <= 122) letters++;
    else if (c != 45 && c != 95 && c != 46) return false;
  }
  if (letters < 2 || digits < 2 || letters + digits < 8) return false;
  if (firstDigit >= 2) {
    domainHash = hashBytes(SCRATCH, firstDigit) ^ DOMAIN_SALT;
    if (domainHash == 0) domainHash = 1;
  }
  return true;
}

// A Unix time in seconds or milliseconds between 2000 and 2100, given as a whole number.
function timestampLike(v: f64): bool {
  if (v != Math.floor(v)) return false;
  return (v >= 946684800.0 && v < 4102444800.0) || (v >= 946684800000.0 && v < 4102444800000.0);
}
@inline function isSlash(c: u32): bool { return c == 47 || c == 92; }
function hexVal(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  if (c >= 97 && c <= 102) return <i32>c - 87;
  if (c >= 65 && c <= 70) return <i32>c - 55;
  return -1;
}
// SCRATCH[0, k) is the scheme `lit` (lower-case ASCII, at most 8 bytes)?
function schemeIs(k: i32, lit: string): bool {
  if (k != lit.length) return false;
  for (let i = 0; i < k; i++) if (sc(i) != <u32>lit.charCodeAt(i)) return false;
  return true;
}

// The hash of the host of the URL in SCRATCH[0, n) (lower-cased, tabs and newlines removed), or 0
// when it is not a URL with an authority ("mailto:x@y", "host:8080/x" and free text are not).
function urlHost(n: i32): u64 {
  if (sc(0) < 97 || sc(0) > 122) return 0;
  let colon: i32 = -1;
  for (let i = 1; i < n; i++) {
    const c = sc(i);
    if (c == 58) { colon = i; break; }
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 45 || c == 46)) return 0;
  }
  if (colon < 0) return 0;
  const file = schemeIs(colon, "file");
  const special = file || schemeIs(colon, "http") || schemeIs(colon, "https") || schemeIs(colon, "ws") ||
    schemeIs(colon, "wss") || schemeIs(colon, "ftp");
  let hs = colon + 1;
  if (file) {
    // "file://host/..." (either slash); "file:/x" and "file:x" have no host
    if (hs + 1 < n && isSlash(sc(hs)) && isSlash(sc(hs + 1))) hs += 2;
    else return 0;
  } else if (special) {
    while (hs < n && isSlash(sc(hs))) hs++; // "https:evil.example", "https:\\\\evil.example" alike
  } else {
    if (!(hs + 1 < n && sc(hs) == 47 && sc(hs + 1) == 47)) return 0;
    hs += 2;
  }
  let he = hs;
  while (he < n) {
    const c = sc(he);
    if (c == 47 || c == 63 || c == 35 || (special && c == 92)) break;
    he++;
  }
  for (let i = hs; i < he; i++) if (sc(i) == 64) hs = i + 1; // userinfo: up to the last "@"
  // the port: from the first ":" outside an IPv6 literal's brackets
  let inBracket = false;
  for (let i = hs; i < he; i++) {
    const c = sc(i);
    if (c == 91) inBracket = true;
    else if (c == 93) inBracket = false;
    else if (c == 58 && !inBracket) { he = i; break; }
  }
  for (let i = hs; i < he; i++) if (sc(i) <= 32) return 0; // a host with a space is no host: free text
  if (special) { // percent-decoding, in place (it only shortens)
    let w = hs;
    for (let i = hs; i < he; i++) {
      let c = sc(i);
      if (c == 37 && i + 2 < he) {
        const a = hexVal(sc(i + 1));
        const b = hexVal(sc(i + 2));
        if (a >= 0 && b >= 0) { c = <u32>(a * 16 + b); i += 2; if (c >= 65 && c <= 90) c += 32; }
      }
      store<u8>(SCRATCH + <usize>w, <u8>c);
      w++;
    }
    he = w;
  }
  while (he > hs && sc(he - 1) == 46) he--; // "example.com." is example.com
  // "localhost"
  if (file && he - hs == 9 && load<u64>(SCRATCH + <usize>hs) == 0x736F686C61636F6C && sc(hs + 8) == 116) he = hs;
  if (he - hs > 4 && load<u32>(SCRATCH + <usize>hs) == 0x2E777777) hs += 4; // "www."
  noteDomain(hs, he);
  const h = hashBytes(SCRATCH + <usize>hs, he - hs);
  return h == 0 ? 1 : h;
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
  if (argCount > MAX_ARGS + MAX_EXTRA + 1) return ERR_TOO_MANY_ARGS;
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
  omitCount = 0;
  omittedTotal = 0;
  if (!withArgs) return 0;
  if (toolLen == 0) return ERR_EMPTY_TOOL;
  let shapeSum: u64 = 0;
  // ordinary entries first (at most MAX_ARGS), then at most MAX_EXTRA extra values, then the summary
  let ordinary: i32 = 0;
  let extra: i32 = 0;
  let omitPtr: usize = 0;
  let omitLen: i32 = 0;
  for (let a = 0; a < argCount; a++) {
    if (p + 8 > end) return ERR_BAD_RECORD;
    const type = load<u8>(p);
    const keyLen = <i32>load<u16>(p + 2);
    const valueLen = load<i32>(p + 4);
    if (type > T_OMITTED) return ERR_BAD_ARG_TYPE;
    if (omitPtr != 0) return ERR_BAD_RECORD; // the summary comes last
    if (type >= T_TAIL_STRING) { if (type != T_OMITTED && ++extra > MAX_EXTRA) return ERR_TOO_MANY_ARGS; }
    else if (extra > 0) return ERR_BAD_RECORD; // ordinary entries come first
    else if (++ordinary > MAX_ARGS) return ERR_TOO_MANY_ARGS;
    if (keyLen > MAX_KEY_BYTES || valueLen < 0 || valueLen > MAX_VALUE_BYTES) return ERR_TOO_LONG;
    const keyPtr = p + 8;
    const valuePtr = keyPtr + <usize>keyLen;
    p = valuePtr + <usize>valueLen;
    if (p > end) return ERR_BAD_RECORD;
    if (!validUtf8(keyPtr, keyLen)) return ERR_INVALID_UTF8;
    if (type == T_OMITTED) {
      if (keyLen != 0 || (valueLen & 7) != 0) return ERR_BAD_RECORD;
      omitPtr = valuePtr; omitLen = valueLen;
      continue;
    }
    const keyHash = hashBytes(keyPtr, keyLen);
    if (a < MAX_ARGS) { store<u64>(ENTRY_KEYS + <usize>a * 8, keyHash); store<u8>(ENTRY_TYPES + <usize>a, type); }
    if (type <= T_OBJECT) shapeSum += fmix(keyHash ^ (<u64>(type + 1) * SHAPE_SALT));
    let vh: u64 = 0;
    let hasValue = true;
    domainHash = 0;
    valueClass = VC_OTHER;
    if (type == T_STRING || type == T_ELEM_STRING || type == T_TAIL_STRING)
      vh = normalisedStringHash(valuePtr, valueLen);
    else if (type == T_NESTED_STRING) {
      // at depth only contacts are values: the rest of a nested payload (subjects, bodies) is free text
      vh = normalisedStringHash(valuePtr, valueLen);
      if (domainHash == 0 && valueClass != VC_ACCOUNT) hasValue = false;
    }
    else if (type == T_NUMBER || type == T_ELEM_NUMBER) {
      if (valueLen != 8) return ERR_BAD_RECORD;
      vh = numberHash(valuePtr);
      if (timestampLike(load<f64>(valuePtr))) valueClass = VC_DATE;
    } else if (type == T_BOOL) {
      if (valueLen != 1) return ERR_BAD_RECORD;
      vh = fmix(<u64>load<u8>(valuePtr) ^ BOOL_SALT);
    } else {
      hasValue = false;
      if (valueLen != 0) return ERR_BAD_RECORD;
    }
    if (hasValue) {
      const q = VALS + <usize>valueCount * VAL_SIZE;
      store<u64>(q, keyHash);
      store<u64>(q + 8, vh);
      store<i32>(q + 16, a);
      store<u32>(q + 20, domainHash != 0 && valueClass == VC_OTHER ? VC_ADDRESS : valueClass);
      store<u64>(q + 24, domainHash);
      valueCount++;
    }
  }
  if (omitPtr != 0) {
    // (entry index, values not passed) pairs, each naming one ordinary array or object entry
    for (let i = 0; i < omitLen; i += 8) {
      const at = load<i32>(omitPtr + <usize>i);
      const n = load<u32>(omitPtr + <usize>i + 4);
      if (at < 0 || at >= ordinary || omitCount >= MAX_ARGS) return ERR_BAD_RECORD;
      const t = load<u8>(ENTRY_TYPES + <usize>at);
      if (t != T_ARRAY && t != T_OBJECT) return ERR_BAD_RECORD;
      if (n == 0) continue;
      const q = OMITS + <usize>omitCount * 24;
      store<i32>(q, at);
      store<i32>(q + 4, t == T_ARRAY ? 1 : 0);
      store<u64>(q + 8, load<u64>(ENTRY_KEYS + <usize>at * 8));
      store<f64>(q + 16, <f64>n);
      omittedTotal += <f64>n;
      omitCount++;
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
