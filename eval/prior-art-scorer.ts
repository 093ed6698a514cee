// The prior-art algorithm (prior-art/detector.ts) behind the harness's Scorer interface, so it runs the
// same protocol and streams as the detector. It keys users by principal only (tenant ignored, as the
// original), so the harness passes "tenant/principal" as its principal to keep baselines apart.
// It learns by checking (it has no other way in); a copy of its state is the log of learned calls,
// replayed per principal on first use after a restore (its users' states are independent).
import { PriorArtDetector, type PriorArtConfig } from "../prior-art/detector.js";
import type { CallScore, Scorer, TimedCall } from "./scorer.js";

export class PriorArtScorer implements Scorer {
  readonly name = "prior art";
  readonly warn: number;
  readonly block: number;
  private d: PriorArtDetector;
  private log = new Map<string, TimedCall[]>();
  private replayed = new Set<string>();
  private readonly config: Partial<PriorArtConfig>;

  constructor(config: Partial<PriorArtConfig> = {}) {
    this.config = config;
    this.d = new PriorArtDetector(config);
    this.warn = this.d.config.warn_threshold;
    this.block = this.d.config.block_threshold;
  }

  private key(c: TimedCall): string {
    return `${c.tenant}/${c.principal}`;
  }

  private raw(c: TimedCall) {
    return this.d.check({ tool: c.tool, args: c.args, principal: this.key(c), time: c.time });
  }

  learn(c: TimedCall): void {
    const k = this.key(c);
    let l = this.log.get(k);
    if (!l) this.log.set(k, (l = []));
    l.push(c);
    this.replayed.add(k);
    this.raw(c);
  }

  check(c: TimedCall): CallScore {
    const k = this.key(c);
    if (!this.replayed.has(k)) {
      this.replayed.add(k);
      for (const x of this.log.get(k) ?? []) this.raw(x);
    }
    const r = this.raw(c);
    const reasons: string[] = [];
    if (r.novelty === 1) reasons.push("UNSEEN_TOOL");
    else if (r.novelty > 0) reasons.push("UNSEEN_ARG_SHAPE");
    if (r.burst > 0) reasons.push("BURST");
    if (r.frequency > 0) reasons.push("RARE_TOOL");
    if (r.offHours) reasons.push("OFF_HOURS");
    return { risk: r.risk, action: r.action, reasons };
  }

  save(): unknown {
    return new Map([...this.log].map(([k, v]) => [k, [...v]]));
  }

  restore(s: unknown): void {
    this.log = new Map(s as Map<string, TimedCall[]>);
    this.d = new PriorArtDetector(this.config);
    this.replayed.clear();
  }

  evictions(): number {
    return 0;
  }
}
