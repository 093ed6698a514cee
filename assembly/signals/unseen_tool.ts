// Signal 1: a tool this entity (or, while it learns, its tenant) has never used.

import { cfg, cfgI, C_MAX_TOOLS, C_TENANT_KNOWN_TOOL } from "../config";
import { toolsOff, R_LEARNED } from "../arena";
import { baseline, tenant, mode, toolFp, toolKnown } from "../context";
import { slotKnown, slotUsed } from "../slots";
import { SIG_UNSEEN_TOOL, MODE_COLD, MODE_TENANT, MODE_OWN, REASON_FLAG_TENANT, REASON_FLAG_TENANT_KNOWN } from "../layout";
import { report } from "../result";

export function scoreUnseenTool(): void {
  if (mode == MODE_COLD || toolKnown) return;
  const n = cfgI(C_MAX_TOOLS);
  let flags = mode == MODE_TENANT ? REASON_FLAG_TENANT : 0;
  let s = 1.0;
  if (mode == MODE_OWN && slotKnown(tenant + <usize>toolsOff, n, toolFp) >= 0) {
    s = cfg(C_TENANT_KNOWN_TOOL);
    flags |= REASON_FLAG_TENANT_KNOWN;
  }
  // actual: uses of this tool (0); typical: distinct tools known; context: calls learned
  report(SIG_UNSEEN_TOOL, flags, s, 0, <f64>slotUsed(baseline + <usize>toolsOff, n), <f64>load<u32>(baseline + R_LEARNED));
}
