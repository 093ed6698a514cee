// Signal 1: a tool this entity (or, while it learns, its tenant) has never used. A tool the baseline
// learned once and evicted since (its sketch remembers it) is not new: a principal with more tools
// than its record's tool set holds must not be told its own tools are unseen.

import { cfg, cfgI, C_MAX_TOOLS, C_TENANT_KNOWN_TOOL } from "../config";
import { toolsOff, R_LEARNED } from "../arena";
import { baseline, tenant, mode, toolFp, toolKnown, toolSketched, young } from "../context";
import { slotKnown, slotUsed } from "../slots";
import { sketchHas, SK_TOOL } from "../sketch";
import { SIG_UNSEEN_TOOL, MODE_COLD, MODE_TENANT, MODE_OWN, REASON_FLAG_TENANT, REASON_FLAG_TENANT_KNOWN } from "../layout";
import { report } from "../result";

// The tenant has learned the tool (in its tool set, or once and evicted since).
export function tenantKnowsTool(): bool {
  return tenant != 0 && (slotKnown(tenant + <usize>toolsOff, cfgI(C_MAX_TOOLS), toolFp) >= 0 || sketchHas(tenant, SK_TOOL, <u64>toolFp));
}

export function scoreUnseenTool(): void {
  if (mode == MODE_COLD || toolKnown || toolSketched) return;
  const n = cfgI(C_MAX_TOOLS);
  let flags = mode == MODE_TENANT ? REASON_FLAG_TENANT : 0;
  let s = 1.0;
  if (mode == MODE_OWN && tenantKnowsTool()) {
    if (young) return;
    s = cfg(C_TENANT_KNOWN_TOOL);
    flags |= REASON_FLAG_TENANT_KNOWN;
  }
  // actual: uses of this tool (0); typical: distinct tools known; context: calls learned
  report(SIG_UNSEEN_TOOL, flags, s, 0, <f64>slotUsed(baseline + <usize>toolsOff, n), <f64>load<u32>(baseline + R_LEARNED));
}
