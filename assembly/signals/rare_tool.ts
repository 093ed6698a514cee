// Signal 6: a known tool that makes up a tiny share of the baseline's calls. Unseen tools score 0 here
// (signal 1 already covers them), so novelty is never counted twice.

import { cfg, cfgI, C_MAX_TOOLS, C_RARE_SHARE } from "../config";
import { toolsOff } from "../arena";
import { baseline, mode, toolFp, toolKnown } from "../context";
import { slotFind, slotCount, slotTotal } from "../slots";
import { SIG_RARE_TOOL, MODE_COLD, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";

export function scoreRareTool(): void {
  if (mode == MODE_COLD || !toolKnown) return;
  const base = baseline + <usize>toolsOff;
  const n = cfgI(C_MAX_TOOLS);
  const i = slotFind(base, n, toolFp);
  const total = <f64>slotTotal(base, n);
  if (i < 0 || total <= 0) return;
  const share = <f64>slotCount(base, i) / total;
  const rare = cfg(C_RARE_SHARE);
  if (share >= rare || rare <= 0) return;
  const s = 1.0 - share / rare;
  report(SIG_RARE_TOOL, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, s, share, rare, total);
}
