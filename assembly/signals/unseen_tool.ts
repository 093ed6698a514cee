// Signal 1: a tool this entity (or, while it learns, its tenant) has never used. A tool the baseline
// learned once and evicted since (its sketch remembers it) is not new: a principal with more tools
// than its record's tool set holds must not be told its own tools are unseen.

import { cfg, cfgI, C_MAX_TOOLS, C_TENANT_KNOWN_TOOL } from "../config";
import { toolsOff, R_LEARNED } from "../arena";
import { baseline, tenant, entity, mode, toolFp, toolKnown, toolSketched, young } from "../context";
import { slotKnown, slotUsed } from "../slots";
import { sketchHas, SK_TOOL } from "../sketch";
import {
  SIG_UNSEEN_TOOL,
  MODE_COLD,
  MODE_TENANT,
  MODE_OWN,
  REASON_FLAG_TENANT,
  REASON_FLAG_TENANT_KNOWN,
} from "../layout";
import { report } from "../result";
import { newToolsBefore } from "./unseen_transition";

// The tenant has learned the tool (in its tool set, or once and evicted since).
export function tenantKnowsTool(): bool {
  if (tenant == 0) return false;
  return slotKnown(tenant + <usize>toolsOff, cfgI(C_MAX_TOOLS), toolFp) >= 0 || sketchHas(tenant, SK_TOOL, <u64>toolFp);
}

// A new account, judged by its tenant, that has learned BREADTH tools in its first calls and reaches for
// yet another: a person starts with a few tools of the team's; a tour of the catalogue in the first
// hour is reconnaissance by an account nobody knows.
const BREADTH: u32 = 5;

function scoreBreadth(): void {
  const eb = entity + <usize>toolsOff;
  const n = cfgI(C_MAX_TOOLS);
  if (slotKnown(eb, n, toolFp) >= 0 || sketchHas(entity, SK_TOOL, <u64>toolFp)) return;
  const own = slotUsed(eb, n);
  if (own < BREADTH) return;
  // actual: uses of this tool (0); typical: distinct tools of the principal's own; context: its calls learned
  report(
    SIG_UNSEEN_TOOL, REASON_FLAG_TENANT | REASON_FLAG_TENANT_KNOWN, 1.0, 0, <f64>own,
    <f64>load<u32>(entity + R_LEARNED));
}

export function scoreUnseenTool(): void {
  if (mode == MODE_TENANT && (toolKnown || toolSketched)) { scoreBreadth(); return; }
  if (mode == MODE_COLD || toolKnown || toolSketched) return;
  const n = cfgI(C_MAX_TOOLS);
  let flags = mode == MODE_TENANT ? REASON_FLAG_TENANT : 0;
  let s = 1.0;
  if (mode == MODE_OWN && tenantKnowsTool()) {
    if (young) return;
    flags |= REASON_FLAG_TENANT_KNOWN;
    // a person takes up a colleague's tool now and then, one at a time; a second new tool in the same
    // session is someone else's reach (privilege escalation, an injected plan), tenant-known or not
    if (newToolsBefore() == 0) s = cfg(C_TENANT_KNOWN_TOOL);
  }
  // actual: uses of this tool (0); typical: distinct tools known; context: calls learned
  report(
    SIG_UNSEEN_TOOL, flags, s, 0, <f64>slotUsed(baseline + <usize>toolsOff, n), <f64>load<u32>(baseline + R_LEARNED));
}
