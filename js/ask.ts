// The `ask` posture: instead of letting a warned call run with a line in a log, hold it and ask the user in the
// middle of the request (MCP elicitation, `elicitation/create`). Shared by the MCP SDK middleware and the proxy,
// which differ only in how they reach the client (an AskChannel). The detector knows why the call is unusual,
// so the question names the tool, the arguments that matter and the reasons; the answer teaches the principal's
// own baseline (yes) or is kept as a confirmed anomaly (no). Asking must not become a nuisance an agent can
// trigger at will: identical questions in flight are asked once, each principal has one question open at a
// time and a bounded number per window, and a refused question is not asked again for a while.
import { z } from "zod";
import { BLOCKED_ERROR_CODE, describeBlock, rankedReasons } from "./blocked-call.js";
import type { ReasonCode } from "./core/abi.js";
import { REASON_CODES } from "./core/abi.generated.js";
import type { CallInput, Decision, Reason } from "./detector.js";
import type { DetectorLike } from "./guard.js";
import type { Identity } from "./identity.js";
import type { Logger } from "./log.js";
import { decisionMetadata } from "./metadata.js";

const SIGNAL_REASONS = REASON_CODES.filter(
  (c) => c !== "" && !["ALLOWLISTED", "LEARNING", "CLOCK_STEP", "VALUES_UNJUDGED"].includes(c),
) as ReasonCode[];
const dflt = (value: unknown, description: string) => ({ default: value, description });

/** The one description of the ask setting: the middleware's `ask` option and the proxy's `proxy.ask` section. */
export const askSchema = z.strictObject({
  onWarn: z
    .enum(["ask", "warn", "block"])
    .optional()
    .meta(dflt("ask", "what a warned call gets: ask the user, run warned (no question), or block")),
  minRisk: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta(dflt(0, "ask only warned calls at or above this risk; the others run warned")),
  reasons: z
    .array(z.enum(SIGNAL_REASONS as [ReasonCode, ...ReasonCode[]]))
    .min(1)
    .optional()
    .describe(
      "ask only when one of these counted reasons is present (e.g. [UNSEEN_ARG_VALUE, UNSEEN_TOOL]); default: any",
    ),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .optional()
    .meta(dflt(60_000, "how long to wait for the answer before the fallback decides")),
  fallback: z
    .enum(["warn", "block"])
    .optional()
    .meta(
      dflt(
        "warn",
        "when nobody can answer (timeout, cancel, a client without elicitation, too many questions): run warned, or block",
      ),
    ),
  alwaysAllow: z
    .boolean()
    .optional()
    .meta(
      dflt(true, "offer 'always allow this for me' when a yes cannot teach the reason (volume, hours, rarity, order)"),
    ),
  alwaysAllowSeconds: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta(dflt(604_800, "how long 'always allow this for me' holds, per principal and tool")),
  maxQuestions: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta(dflt(5, "questions per principal per window; beyond, the fallback decides without asking")),
  windowSeconds: z.number().min(1).optional().meta(dflt(60, "the window of maxQuestions")),
  declinedSeconds: z
    .number()
    .min(0)
    .optional()
    .meta(dflt(600, "a question the user refused is not asked again for this long: the same call is refused at once")),
});

export type AskInput = z.input<typeof askSchema>;
export type AskSettings = Required<Omit<z.output<typeof askSchema>, "reasons">> & { reasons?: ReasonCode[] };

/** Validates an ask setting and fills its defaults; throws naming the bad key. */
export function resolveAsk(input: AskInput): AskSettings {
  const r = askSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new TypeError(`ask${i.path.length ? `.${i.path.join(".")}` : ""}: ${i.message}`);
  }
  const a = r.data;
  return {
    onWarn: a.onWarn ?? "ask",
    minRisk: a.minRisk ?? 0,
    ...(a.reasons ? { reasons: a.reasons } : {}),
    timeoutMs: a.timeoutMs ?? 60_000,
    fallback: a.fallback ?? "warn",
    alwaysAllow: a.alwaysAllow ?? true,
    alwaysAllowSeconds: a.alwaysAllowSeconds ?? 604_800,
    maxQuestions: a.maxQuestions ?? 5,
    windowSeconds: a.windowSeconds ?? 60,
    declinedSeconds: a.declinedSeconds ?? 600,
  };
}

/** `elicitation/create` params (form mode; `mode` left out, so clients of either protocol revision read it). */
export interface ElicitParams {
  message: string;
  requestedSchema: {
    type: "object";
    properties: Record<string, { type: "boolean"; title: string; description: string; default: boolean }>;
  };
}

/** The client declared form elicitation: `elicitation: {}` (the first protocol revision with it) or `{form}`. */
export function canElicitForm(caps: unknown): boolean {
  const e = (caps as { elicitation?: unknown } | undefined)?.elicitation;
  return (
    typeof e === "object" && e !== null && (Object.keys(e).length === 0 || (e as { form?: unknown }).form !== undefined)
  );
}

/** The elicitation did not come back in time (the channel cancels the request at the client). */
export class AskTimeout extends Error {}

/** How a gateway reaches the client of one call. */
export interface AskChannel {
  /** The client declared the elicitation capability (form mode) at initialize. */
  canAsk: boolean;
  /** Sends elicitation/create and resolves with the client's result; rejects AskTimeout after timeoutMs. */
  elicit(params: ElicitParams, timeoutMs: number): Promise<unknown>;
}

/**
 * What happened to a call that could be asked about, as counted (`toolwatch_questions_total{answer}`):
 * accepted, always (accepted with "always allow this for me"), declined, cancelled, timeout, unsupported (the
 * client cannot be asked), busy (another question to this principal is open), rate_limited, refused_again (a
 * question refused within declinedSeconds), remembered (an earlier "always allow"), error (the client's answer
 * was not an answer), not_asked (onWarn warn/block: no question).
 */
export type AskAnswer =
  | "accepted"
  | "always"
  | "declined"
  | "cancelled"
  | "timeout"
  | "unsupported"
  | "busy"
  | "rate_limited"
  | "refused_again"
  | "remembered"
  | "error"
  | "not_asked";

export interface Settled {
  /** The call goes to the tool. */
  run: boolean;
  answer: AskAnswer;
  /** When it does not run: the JSON-RPC error to answer with. */
  refusal?: { code: number; message: string; data: Record<string, unknown> };
}

export interface AskCall {
  tool: string;
  args: Record<string, unknown>;
  /** As given to check() (the decision's own identity keys the questions). */
  identity: Partial<Identity>;
}

// A yes teaches these (the tool, the value, the shape join the principal's baseline), so no second question
// comes for them; the other reasons (volume, hours, rarity, order of tools) are not taught by one answer,
// so for those "always allow this for me" is offered.
const TAUGHT = new Set<string>(["UNSEEN_TOOL", "UNSEEN_ARG_SHAPE", "UNSEEN_ARG_VALUE"]);
const MAX_REMEMBERED = 10_000;

const num = (x: number): string => Math.round(x).toLocaleString("en-US");
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function show(v: unknown): string {
  if (typeof v === "string") return clip(v, 120);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return clip(s, 120);
}

/** The value at an argument path as the core names it ("to", "msg.cc"). */
function valueAt(args: Record<string, unknown>, key: string): unknown {
  if (key in args) return args[key];
  let v: unknown = args;
  for (const part of key.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** One reason in words a user reads. */
function plain(r: Reason, d: Decision, args: Record<string, unknown>): string {
  const you = r.tenantBaseline ? "anyone in your organisation" : "you";
  switch (r.code) {
    case "UNSEEN_TOOL":
      return `${r.tenantBaseline ? "nobody in your organisation has used" : "you have never used"} ${d.tool} before (${num(r.typical)} tools known from ${num(r.context)} calls)`;
    case "UNSEEN_ARG_SHAPE":
      return `${d.tool} is called with arguments it was never given by ${you} (used ${num(r.typical)} times before)`;
    case "UNSEEN_ARG_VALUE": {
      const v = r.key !== undefined ? valueAt(args, r.key) : undefined;
      const what = `${r.key ?? "a value"}${v !== undefined ? ` = ${show(v)}` : ""}`;
      // a never-seen address at a domain nobody in the tenant used scores 1 (docs/DETECTION.md)
      const first = r.score >= 0.999 ? "; nobody in your organisation has used it before" : "";
      return `${what} was never used with ${d.tool} by ${you} (${num(r.actual)} known values in ${num(r.typical)} calls)${first}`;
    }
    case "BURST":
      return `${r.estimate ? "about " : ""}${num(r.actual)} calls in the last ${num(r.context)} s (the limit is ${num(r.typical)})`;
    case "RATE_SPIKE":
      return `${num(r.actual)} calls in the last ${num(r.context)} s, where ${you === "you" ? "you usually make" : "the usual is"} ${r.typical.toFixed(1)}`;
    case "RARE_TOOL":
      return `${d.tool} is rarely used by ${you} (${(r.actual * 100).toFixed(1)}% of ${num(r.context)} calls)`;
    case "OFF_HOURS":
      return `it is ${String(Math.round(r.actual)).padStart(2, "0")}:00 UTC, outside working hours`;
    case "UNUSUAL_HOUR":
      return `${you === "you" ? "you are" : "your organisation is"} rarely active at this hour`;
    case "UNSEEN_TRANSITION":
      return r.actual >= 2
        ? `${num(r.actual)} steps in a row in an order of tools ${you} never follow`
        : `${d.tool} never came after the previous tool for ${you}`;
    default:
      return r.message;
  }
}

/** The arguments worth showing: the ones a reason names first, then the others, at most four. */
function salient(args: Record<string, unknown>, reasons: Reason[]): Array<[string, unknown]> {
  const named = reasons.filter((r) => r.code === "UNSEEN_ARG_VALUE" && r.key !== undefined).map((r) => r.key!);
  const keys = [...new Set([...named.filter((k) => valueAt(args, k) !== undefined), ...Object.keys(args)])];
  return keys.slice(0, 4).map((k) => [k, valueAt(args, k)]);
}

/** The question as the user sees it (the elicitation's `message`). */
export function questionText(d: Decision, args: Record<string, unknown>, offerAlways: boolean): string {
  const ranked = rankedReasons(d);
  const shown = salient(args, ranked);
  const lines = [`Your assistant wants to run "${d.tool}"${shown.length ? " with" : "."}`];
  for (const [k, v] of shown) lines.push(`  ${k}: ${show(v)}`);
  lines.push("", "This is unusual for you:");
  for (const r of ranked) lines.push(`  - ${plain(r, d, args)}`);
  lines.push(
    "",
    `Allow it? Accept runs it and remembers it as normal for you; decline stops it.${offerAlways ? ' Tick "Always allow this for me" not to be asked about this again.' : ""}`,
  );
  return lines.join("\n");
}

export interface AskerOptions {
  detector: DetectorLike;
  settings: AskSettings;
  logger: Logger;
  /** Each answer as it is settled (the proxy counts them in /metrics). */
  onAnswer?: (answer: AskAnswer, call: AskCall, decision: Decision) => void;
  clock?: () => number;
}

interface Open {
  promise: Promise<{ answer: AskAnswer; always: boolean }>;
}

/** Decides, for each scored call, whether it runs, asking its user when the settings say so. One per gateway. */
export class Asker {
  private readonly s: AskSettings;
  /** Questions in flight by content: an identical one joins it. */
  private readonly inFlight = new Map<string, Open>();
  /** Open questions per principal. */
  private readonly openBy = new Map<string, number>();
  /** Times questions were asked, per principal (the rate limit). */
  private readonly asked = new Map<string, number[]>();
  /** Refused questions by content, until when. */
  private readonly declined = new Map<string, number>();
  /** "Always allow this for me": principal and tool -> the reasons allowed, until when. */
  private readonly always = new Map<string, { codes: Set<string>; until: number }>();
  private readonly clock: () => number;

  constructor(private readonly o: AskerOptions) {
    this.s = o.settings;
    this.clock = o.clock ?? Date.now;
  }

  /** Whether this decision is one the settings hold for a question (or block outright). */
  applies(d: Decision): boolean {
    if (d.action !== "warn" || d.error || this.s.onWarn === "warn") return false;
    if (this.s.onWarn === "block") return true;
    if (d.risk < this.s.minRisk) return false;
    const codes = this.s.reasons;
    return codes === undefined || d.reasons.some((r) => r.counted && r.score > 0 && codes.includes(r.code));
  }

  /**
   * What a scored call gets. Allowed and blocked calls, and warned calls the settings do not hold, pass as the
   * detector decided (answer not_asked, run unless blocked); a held call is asked about through `channel`.
   */
  async settle(d: Decision, call: AskCall, channel: AskChannel): Promise<Settled> {
    if (!this.applies(d)) return { run: d.action !== "block", answer: "not_asked" };
    if (this.s.onWarn === "block")
      return this.finish(d, call, "not_asked", false, "warned calls are blocked (ask.onWarn block)");
    const who = `${d.identity.tenant}\u0000${d.identity.principal}`;
    const counted = rankedReasons(d);
    const codes = counted.map((r) => r.code);
    const now = this.clock();
    const remembered = this.always.get(`${who}\u0000${d.tool}`);
    if (remembered && remembered.until > now && codes.every((c) => remembered.codes.has(c)))
      return this.finish(d, call, "remembered", true);
    // "the same question": same user, tool and novelty (the new values, a new tool or shape); volume, hour
    // and order vary from one call to the next and do not make another question
    const values = counted
      .filter((r) => r.code === "UNSEEN_ARG_VALUE")
      .map((r) => [r.key, show(valueAt(call.args, r.key ?? ""))]);
    const key = JSON.stringify([who, d.tool, [...new Set(codes.filter((c) => TAUGHT.has(c)))].sort(), values]);
    const refusedUntil = this.declined.get(key);
    if (refusedUntil !== undefined && refusedUntil > now)
      return this.finish(d, call, "refused_again", false, "you refused this call a moment ago");
    if (!channel.canAsk)
      return this.finish(d, call, "unsupported", undefined, "the client cannot be asked (no elicitation capability)");

    let open = this.inFlight.get(key);
    if (!open) {
      if ((this.openBy.get(who) ?? 0) > 0)
        return this.finish(d, call, "busy", undefined, "another question to this user is waiting for an answer");
      const times = (this.asked.get(who) ?? []).filter((t) => t > now - this.s.windowSeconds * 1000);
      if (times.length >= this.s.maxQuestions) {
        this.asked.set(who, times);
        return this.finish(
          d,
          call,
          "rate_limited",
          undefined,
          `${times.length} questions to this user in ${this.s.windowSeconds} s`,
        );
      }
      times.push(now);
      this.remember(this.asked, who, times);
      const offerAlways = this.s.alwaysAllow && codes.some((c) => !TAUGHT.has(c));
      open = { promise: this.ask(d, call, channel, offerAlways) };
      this.inFlight.set(key, open);
      this.openBy.set(who, (this.openBy.get(who) ?? 0) + 1);
      void open.promise
        .finally(() => {
          this.inFlight.delete(key);
          const n = (this.openBy.get(who) ?? 1) - 1;
          if (n > 0) this.openBy.set(who, n);
          else this.openBy.delete(who);
        })
        .catch(() => undefined);
    }
    const { answer, always } = await open.promise;
    if (answer === "declined") this.remember(this.declined, key, this.clock() + this.s.declinedSeconds * 1000);
    if (always) {
      this.remember(this.always, `${who}\u0000${d.tool}`, {
        codes: new Set(codes.filter((c) => !TAUGHT.has(c))),
        until: this.clock() + this.s.alwaysAllowSeconds * 1000,
      });
    }
    if (answer === "accepted" || answer === "always") return this.finish(d, call, answer, true);
    if (answer === "declined") return this.finish(d, call, answer, false, "the user refused it");
    const why =
      answer === "timeout"
        ? `no answer within ${this.s.timeoutMs / 1000} s`
        : answer === "cancelled"
          ? "the user dismissed the question"
          : "the client's answer was not understood";
    return this.finish(d, call, answer, undefined, why);
  }

  private async ask(
    d: Decision,
    call: AskCall,
    channel: AskChannel,
    offerAlways: boolean,
  ): Promise<{ answer: AskAnswer; always: boolean }> {
    const params: ElicitParams = {
      message: questionText(d, call.args, offerAlways),
      requestedSchema: {
        type: "object",
        properties: offerAlways
          ? {
              always: {
                type: "boolean",
                title: "Always allow this for me",
                description: `Do not ask again about ${d.tool} for these reasons`,
                default: false,
              },
            }
          : {},
      },
    };
    let result: unknown;
    try {
      result = await channel.elicit(params, this.s.timeoutMs);
    } catch (err) {
      if (err instanceof AskTimeout) return { answer: "timeout", always: false };
      this.o.logger.warn({ tool: d.tool, err: (err as Error).message }, "asking the user failed");
      return { answer: "error", always: false };
    }
    const r = typeof result === "object" && result !== null ? (result as { action?: unknown; content?: unknown }) : {};
    if (r.action === "decline") return { answer: "declined", always: false };
    if (r.action === "cancel") return { answer: "cancelled", always: false };
    if (r.action !== "accept") return { answer: "error", always: false };
    const always = offerAlways && (r.content as { always?: unknown } | undefined)?.always === true;
    return { answer: always ? "always" : "accepted", always };
  }

  /** Applies an answer: learning, logs, the count, and the refusal when the call does not run. */
  private async finish(
    d: Decision,
    call: AskCall,
    answer: AskAnswer,
    runs: boolean | undefined,
    why?: string,
  ): Promise<Settled> {
    const run = runs ?? this.s.fallback === "warn";
    const log = {
      tool: d.tool,
      risk: Math.round(d.risk * 10000) / 10000,
      reasons: rankedReasons(d).map((r) => r.code),
      answer,
    };
    const input: CallInput = { tool: call.tool, args: call.args, identity: call.identity, time: d.time };
    try {
      // the answer of the principal itself: yes teaches its own baseline only; no keeps the call from habit
      if (answer === "accepted" || answer === "always") await this.o.detector.confirm?.(input, true);
      else if (answer === "declined" || answer === "refused_again") await this.o.detector.confirm?.(input, false);
    } catch (err) {
      this.o.logger.error({ tool: d.tool, err: (err as Error).message }, "recording the user's answer failed");
    }
    this.o.onAnswer?.(answer, call, d);
    if (answer === "declined" || answer === "refused_again")
      this.o.logger.warn(log, "tool call refused by the user: confirmed anomaly");
    else if (answer === "accepted" || answer === "always") this.o.logger.info(log, "tool call confirmed by the user");
    else
      this.o.logger.warn(
        { ...log, fallback: run ? "warn" : "block" },
        `tool call not confirmed (${why}); ${run ? "ran warned" : "blocked"}`,
      );
    if (run) return { run, answer };
    const meta = decisionMetadata(d);
    const reasons = describeBlock(d, this.o.detector.config).reasons;
    const what = reasons.map((r) => `${r.code}: ${r.message}`).join("; ");
    const refusedByUser = answer === "declined" || answer === "refused_again";
    const message = refusedByUser
      ? `toolwatch: "${d.tool}" was not run: ${why} when asked to confirm it (risk ${d.risk.toFixed(2)}): ${what}`
      : `toolwatch blocked "${d.tool}" (risk ${d.risk.toFixed(2)}): it needed the user's confirmation and ${why}: ${what}`;
    return {
      run,
      answer,
      refusal: {
        code: BLOCKED_ERROR_CODE,
        message,
        data: { ...meta, code: refusedByUser ? "DECLINED" : "BLOCKED", http_status: 403, asked: answer },
      },
    };
  }

  /** A bounded map: the oldest entry goes when full. */
  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    m.delete(k);
    if (m.size >= MAX_REMEMBERED) m.delete(m.keys().next().value as string);
    m.set(k, v);
  }
}
