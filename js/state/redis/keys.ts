// Redis key names for the two records a call touches. Identity strings never reach Redis: keys carry
// a hash of them. The tenant's hash is the cluster hash tag, so a call's two keys share a slot and one
// script can read and write both atomically (Redis Cluster included).
import { createHash } from "node:crypto";
import type { Identity } from "../../identity.js";

export interface RecordKeys {
  entity: string;
  tenant: string;
  /** Short-lived fairness lease on the tenant's writes (lua.ts COMMIT). */
  lease: string;
}

const h = (s: string): string => createHash("sha256").update(s).digest("base64url").slice(0, 22);

export function recordKeys(prefix: string, id: Identity): RecordKeys {
  const tag = `${prefix}{${h(id.tenant)}}`;
  // the principal hash covers the tenant too, so equal principals in two tenants never share a key
  return { tenant: `${tag}:t`, lease: `${tag}:lease`, entity: `${tag}:e:${h(`${id.tenant}\u0000${id.principal}`)}` };
}
