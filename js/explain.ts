// Human-readable text for the core's reason codes and figures. The core decides; this only words it.
import type { ReasonCode } from "./core/abi.js";

export interface ReasonFigures {
  code: ReasonCode;
  actual: number;
  typical: number;
  context: number;
  tenant: boolean;
  tenantKnown: boolean;
  domainKnown?: boolean;
  domainNew?: boolean;
  unjudged?: boolean;
  estimate: boolean;
  key?: string;
}

// Same text as Math.round(x).toLocaleString("en-US"), without Intl's cost on every decision.
const n = (x: number): string => {
  const r = Math.round(x);
  if (!Number.isFinite(r) || Object.is(r, -0) || Math.abs(r) >= 1e21) return r.toLocaleString("en-US");
  const d = String(Math.abs(r));
  let out = d.length > 3 ? d.slice(0, ((d.length - 1) % 3) + 1) : d;
  for (let i = out.length; i < d.length; i += 3) out += `,${d.slice(i, i + 3)}`;
  return r < 0 ? `-${out}` : out;
};
const pct = (x: number): string => {
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toFixed(2)}%`;
};
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const hh = (h: number): string => `${String(h).padStart(2, "0")}h`;

export function explain(r: ReasonFigures): string {
  const who = r.tenant ? "this tenant" : "this principal";
  switch (r.code) {
    case "UNSEEN_TOOL":
      return r.tenantKnown
        ? `tool never used by this principal (used elsewhere in its tenant; ${n(r.typical)} tools known over ${n(r.context)} calls)`
        : `tool never used by ${who} (${n(r.typical)} tools known over ${n(r.context)} calls)`;
    case "UNSEEN_ARG_SHAPE":
      return `argument keys/types never sent with this tool by ${who} (tool used ${n(r.typical)} times)`;
    case "UNSEEN_ARG_VALUE":
      if (r.unjudged)
        return `values of "${r.key ?? "?"}" past the encoding limits were not looked at, and its values repeat for ${who} (${n(r.actual)} distinct values in ${n(r.typical)} calls)`;
      return `value of "${r.key ?? "?"}" never used with this tool by ${who} (${n(r.actual)} distinct values in ${n(r.typical)} calls)${r.domainKnown ? "; its domain is known, so it counts half" : r.domainNew ? "; first contact: nobody in the tenant has used this address or account" : ""}`;
    case "BURST":
      return `${r.estimate ? "about " : ""}${n(r.actual)} calls in ${n(r.context)} s, threshold ${n(r.typical)}`;
    case "RATE_SPIKE":
      return `${n(r.actual)} calls in ${n(r.context)} s, usually ${r.typical.toFixed(1)} (${(r.actual / Math.max(r.typical, 1)).toFixed(1)}x)`;
    case "RARE_TOOL":
      return `tool is ${pct(r.actual)} of ${n(r.context)} calls by ${who} (rare under ${pct(r.typical)})`;
    case "OFF_HOURS":
      return `${hh(r.actual)} UTC is inside the off-hours window ${hh(r.typical)}-${hh(r.context)} UTC`;
    case "UNUSUAL_HOUR": {
      const b = Math.round(r.context);
      return `${DAYS[Math.floor(b / 24)] ?? "?"} ${hh(b % 24)} local: ${who} is active ${r.actual.toFixed(2)}x as much as an average hour (unusual under ${r.typical.toFixed(2)}x)`;
    }
    case "UNSEEN_TRANSITION":
      if (r.actual >= 2)
        return `${n(r.actual)} unusual steps in a row for ${who}: this order of tools is off its habitual paths (${n(r.typical)} transitions known)`;
      return `this tool never followed the previous one for ${who} (${n(r.typical)} transitions known)`;
    case "ALLOWLISTED":
      return "allowlisted: allowed whatever the risk";
    case "LEARNING":
      return `principal still learning (${n(r.actual)} of ${n(r.typical)} calls, ${Math.floor(r.context / 60000)} min old); judged against its tenant's baseline when that has enough evidence`;
    case "VALUES_UNJUDGED":
      return `${n(r.actual)} argument values past the encoding limits (more than ${n(r.typical)} extra values, or nesting too large) were not looked at`;
    case "CLOCK_STEP":
      return `clock stepped back ${n(r.actual)} s (more than the ${n(r.typical)} s burst window): the burst window is kept and this call counted in it`;
  }
}
