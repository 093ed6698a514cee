// A record's memory of everything it ever learned that must not be forgotten when its bounded sets
// evict: tools, contacts (e-mail addresses, URL hosts, bank accounts) and their domains. A Bloom
// filter of SKETCH_BITS bits with SKETCH_K probes per item, kept beside the slot sets (arena.ts).
// The sets say how often and how recently; the sketch only "ever", so:
//   - a principal who uses more tools than maxToolsPerEntity is not told its evicted tools are new;
//   - "first contact" (an address or account nobody in the tenant has used) does not depend on the
//     tenant's few value slots, which a whole organisation's recipients overflow within a day.
// A sketch never forgets and answers "known" for a never-seen item by chance: with 1 024 bits and 3
// probes, about 1 in 40 at 120 items (a principal's tools and contacts), 1 in 13 at 190 (a tenant's),
// rising as it fills. Such an item then scores as a tool the tenant knows, or as an ordinary new value:
// what every item scored before the sketch existed.

import { sketchOff, SKETCH_BYTES } from "./arena";
import { fmix } from "./hash";

const SKETCH_BITS: u32 = 1024;
const SKETCH_K: i32 = 3;

// What an item is, mixed into its hash so a tool and a contact with the same fingerprint stay apart.
export const SK_TOOL: u64 = 0x746F6F6C;
export const SK_CONTACT: u64 = 0x636F6E74;
export const SK_DOMAIN: u64 = 0x646F6D61;

@inline function probe(h: u64, i: i32): u32 {
  return <u32>((h >> (<u64>i * 20)) & 0xFFFFF) % SKETCH_BITS;
}

export function sketchAdd(p: usize, kind: u64, h: u64): void {
  const x = fmix(h ^ (kind * 0x9E3779B97F4A7C15));
  const base = p + <usize>sketchOff;
  for (let i = 0; i < SKETCH_K; i++) {
    const b = probe(x, i);
    const q = base + <usize>(b >> 3);
    store<u8>(q, load<u8>(q) | <u8>(<u32>1 << (b & 7)));
  }
}

export function sketchHas(p: usize, kind: u64, h: u64): bool {
  if (p == 0) return false;
  const x = fmix(h ^ (kind * 0x9E3779B97F4A7C15));
  const base = p + <usize>sketchOff;
  for (let i = 0; i < SKETCH_K; i++) {
    const b = probe(x, i);
    if ((load<u8>(base + <usize>(b >> 3)) & <u8>(<u32>1 << (b & 7))) == 0) return false;
  }
  return true;
}

// Merging two replicas' records: the union of what either learned.
export function sketchMerge(d: usize, s: usize): void {
  const a = d + <usize>sketchOff;
  const b = s + <usize>sketchOff;
  for (let i = 0; i < SKETCH_BYTES; i += 8) store<u64>(a + <usize>i, load<u64>(a + <usize>i) | load<u64>(b + <usize>i));
}
