// Operator allowlist: tools, principals (in any tenant), tenants, or one (tenant, principal) entity.
// An allowlisted call is allowed whatever its risk, still scored and reported, and learned.

import { hdr, H_ALLOW_N, ALLOW_OFF, ALLOW_CAP } from "./arena";
import { ERR_ALLOWLIST_FULL, ALLOW_TOOL, ALLOW_PRINCIPAL, ALLOW_TENANT, ALLOW_ENTITY } from "./layout";

@inline function entry(i: i32): usize { return hdr(ALLOW_OFF) + (<usize>i << 4); }

export function allowAdd(kind: i32, h: u64): i32 {
  const n = <i32>load<u32>(hdr(H_ALLOW_N));
  for (let i = 0; i < n; i++) if (load<u64>(entry(i)) == h && load<i32>(entry(i) + 8) == kind) return 0;
  if (n >= ALLOW_CAP) return ERR_ALLOWLIST_FULL;
  store<u64>(entry(n), h);
  store<i32>(entry(n) + 8, kind);
  store<u32>(hdr(H_ALLOW_N), <u32>n + 1);
  return 1;
}

export function allowClear(): void {
  memory.fill(entry(0), 0, <usize>ALLOW_CAP << 4);
  store<u32>(hdr(H_ALLOW_N), 0);
}

export function allowed(tool: u64, principal: u64, tenant: u64, entity: u64): bool {
  const n = <i32>load<u32>(hdr(H_ALLOW_N));
  for (let i = 0; i < n; i++) {
    const h = load<u64>(entry(i));
    const k = load<i32>(entry(i) + 8);
    if ((k == ALLOW_TOOL && h == tool) || (k == ALLOW_PRINCIPAL && h == principal) ||
        (k == ALLOW_TENANT && h == tenant) || (k == ALLOW_ENTITY && h == entity)) return true;
  }
  return false;
}
