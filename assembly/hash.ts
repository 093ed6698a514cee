// The one hash every host relies on: a 64-bit multiply-rotate hash over bytes with a murmur-style
// finaliser. Hosts never hash; they pass bytes and the core derives every key from them.

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0x85EBCA77C2B2AE63;

export let seed: u64 = 0;

@inline export function fmix(x: u64): u64 {
  let h = x;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCD;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53;
  h ^= h >> 33;
  return h;
}

export function hashBytes(ptr: usize, len: i32): u64 {
  let h: u64 = seed ^ P4 ^ (<u64>len * P1);
  let p = ptr;
  const end = ptr + <usize>len;
  while (p + 8 <= end) {
    let k = load<u64>(p) * P2;
    k = rotl<u64>(k, 31) * P1;
    h ^= k;
    h = rotl<u64>(h, 27) * P1 + P3;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= <u64>load<u32>(p) * P1;
    h = rotl<u64>(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= <u64>load<u8>(p) * P3;
    h = rotl<u64>(h, 11) * P1;
    p++;
  }
  return fmix(h);
}

// Order-sensitive combination of two hashes (a key made of parts).
@inline export function combine(a: u64, b: u64): u64 {
  return fmix(a ^ (rotl<u64>(b, 29) * P2 + P3));
}

// 32-bit fingerprint stored in slot sets; 0 means "empty slot", so it is never returned.
@inline export function fp32(h: u64): u32 {
  const f = <u32>(h >> 32) ^ <u32>h;
  return f == 0 ? 1 : f;
}
