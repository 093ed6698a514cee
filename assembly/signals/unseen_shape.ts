// Signal 2: a known tool called with a set of top-level keys and value types never sent with it.

import { cfgI, C_MAX_TOOLS, C_MAX_SHAPES } from "../config";
import { toolsOff, shapesOff } from "../arena";
import { baseline, mode, toolFp, toolKnown } from "../context";
import { shapeHash } from "../input";
import { fp32 } from "../hash";
import { slotKnown, slotFind, slotCount, slotUsed } from "../slots";
import { SIG_UNSEEN_SHAPE, MODE_COLD, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";

export function shapeFp(): u32 { return fp32(shapeHash); }

export function scoreUnseenShape(): void {
  if (mode == MODE_COLD || !toolKnown) return;
  const n = cfgI(C_MAX_SHAPES);
  const base = baseline + <usize>shapesOff;
  if (slotKnown(base, n, shapeFp()) >= 0) return;
  const ti = slotFind(baseline + <usize>toolsOff, cfgI(C_MAX_TOOLS), toolFp);
  const toolUses = ti >= 0 ? <f64>slotCount(baseline + <usize>toolsOff, ti) : 0;
  // actual: 0 uses of this shape; typical: uses of the tool; context: shapes known (all tools)
  report(SIG_UNSEEN_SHAPE, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, 1.0, 0, toolUses, <f64>slotUsed(base, n));
}
