import { describe, expect, it } from "vitest";
import { bootstrap, curves, cutoffFromNegatives, prAuc, rocAuc, type Scored } from "../../eval/metrics.js";

const s = (score: number, positive: boolean, group = String(score)): Scored => ({ score, positive, group });

describe("ranking metrics", () => {
  it("ROC-AUC is the probability a positive outranks a negative, ties counting half", () => {
    expect(rocAuc([s(0.9, true), s(0.1, false)])).toBe(1);
    expect(rocAuc([s(0.1, true), s(0.9, false)])).toBe(0);
    expect(rocAuc([s(0.5, true), s(0.5, false)])).toBe(0.5);
    // positives 0.8, 0.4; negatives 0.6, 0.4, 0.2: pairs won 3 + 1 + tie 0.5 of 6
    expect(rocAuc([s(0.8, true), s(0.4, true), s(0.6, false), s(0.4, false), s(0.2, false)])).toBeCloseTo(4.5 / 6, 12);
    expect(rocAuc([s(1, true)])).toBeNaN();
  });

  it("PR-AUC is average precision over tied groups", () => {
    expect(prAuc([s(0.9, true), s(0.8, true), s(0.1, false)])).toBe(1);
    // ranks: P N P -> precision 1 at recall .5, 2/3 at recall 1
    expect(prAuc([s(0.9, true), s(0.5, false), s(0.3, true)])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    const c = curves([s(0.9, true), s(0.5, false), s(0.3, true)]);
    expect(c.roc[0]).toEqual([0, 0]);
    expect(c.roc.at(-1)).toEqual([1, 1]);
  });

  it("the cut-off from negatives keeps their false-positive rate at or under the target", () => {
    const neg = Array.from({ length: 100 }, (_, i) => i / 100);
    const c = cutoffFromNegatives(neg, 0.05);
    expect(neg.filter((x) => x > c).length).toBeLessThanOrEqual(5);
    expect(neg.filter((x) => x > c).length).toBe(5);
    // heavy ties: 90 zeros and 10 ones -> alert only above 1 would be 0%, above 0 is 10%
    const tied = [...Array(90).fill(0), ...Array(10).fill(1)];
    expect(cutoffFromNegatives(tied, 0.05)).toBe(1);
    expect(cutoffFromNegatives(tied, 0.1)).toBe(0);
  });

  it("bootstrap intervals are seeded and contain the point estimate for a clear signal", () => {
    const xs: Scored[] = [];
    for (let g = 0; g < 30; g++) {
      xs.push(s(0.6 + g / 100, true, `g${g}`));
      xs.push(s(0.2 + g / 100, false, `g${g}`));
    }
    const a = bootstrap(xs, rocAuc, 200, 7);
    const b = bootstrap(xs, rocAuc, 200, 7);
    expect(a).toEqual(b);
    expect(a.lo).toBeLessThanOrEqual(a.value);
    expect(a.hi).toBeGreaterThanOrEqual(a.value);
    expect(a.value).toBeGreaterThan(0.9);
  });
});
