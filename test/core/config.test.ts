// Configuration errors name the key, suggest the closest one, and the prior plugin's block is accepted.
import { describe, it, expect } from "vitest";
import { z } from "zod";
import { createDetector, parseConfig, configSchema, ToolwatchError } from "../../js/runtime/node/index.js";
import { SIGNALS, SETTINGS, WEIGHT_SLOT } from "../../js/core/abi.js";

function configError(cfg: unknown): ToolwatchError {
  try {
    parseConfig(cfg as Record<string, unknown>);
  } catch (e) {
    expect(e).toBeInstanceOf(ToolwatchError);
    expect((e as ToolwatchError).code).toBe("INVALID_CONFIG");
    return e as ToolwatchError;
  }
  throw new Error("config was accepted");
}

const PRIOR_ART = {
  learning_window_seconds: 3600,
  burst_window_seconds: 60,
  burst_threshold: 20,
  novelty_score_weight: 0.35,
  burst_score_weight: 0.35,
  frequency_score_weight: 0.15,
  block_threshold: 0.8,
  warn_threshold: 0.5,
  max_history_per_user: 1000,
  off_hours_start: 22,
  off_hours_end: 6,
  off_hours_score_bonus: 0.15,
  action: "warn",
};

describe("config errors", () => {
  it("names an unknown key and suggests the closest valid one", () => {
    expect(configError({ burstTreshold: 5 }).message).toMatch(
      /unknown key "burstTreshold" \(did you mean "burstThreshold"\?\)/,
    );
    expect(configError({ burst_treshold: 5 }).message).toMatch(/unknown key "burst_treshold".*"burstThreshold"/);
    expect(configError({ signals: { unseenTol: { weight: 1 } } }).message).toMatch(
      /config\.signals: unknown key "unseenTol" \(did you mean "unseenTool"\?\)/,
    );
    expect(configError({ completelyUnrelatedThing: 1 }).message).not.toMatch(/did you mean/);
    // and createDetector refuses it the same way
    expect(() => createDetector({ burstTreshold: 5 } as never)).toThrow(/burstThreshold/);
  });

  it("refuses warnThreshold above blockThreshold, given together or against the default", () => {
    expect(configError({ warnThreshold: 0.9, blockThreshold: 0.5 }).message).toMatch(
      /warnThreshold \(0\.9\) must be <= blockThreshold \(0\.5\)/,
    );
    expect(configError({ warnThreshold: 0.9 }).message).toMatch(/warnThreshold/);
    expect(configError({ blockThreshold: 0.3 }).message).toMatch(/blockThreshold/);
    expect(configError({ warn_threshold: 0.9, block_threshold: 0.6 }).message).toMatch(/warnThreshold/);
  });

  it("checks enums and ranges", () => {
    expect(configError({ action: "deny" }).message).toMatch(/config\.action/);
    expect(configError({ failurePolicy: "maybe" }).message).toMatch(/config\.failurePolicy/);
    expect(configError({ anonymous: "allow" }).message).toMatch(/config\.anonymous/);
    expect(configError({ signals: { burst: { mode: "loud" } } }).message).toMatch(/config\.signals\.burst\.mode/);
    expect(configError({ burstThreshold: 0 }).message).toMatch(/config\.burstThreshold/);
    expect(configError({ offHoursStart: 24 }).message).toMatch(/config\.offHoursStart/);
    expect(configError({ budgetBytes: 1000 }).message).toMatch(/config\.budgetBytes/);
    expect(configError({ maxEntities: 1 }).message).toMatch(/config\.maxEntities: must be 0 .* or at least 2/);
    expect(configError({ signals: { rareTool: { weight: 1.5 } } }).message).toMatch(
      /config\.signals\.rareTool\.weight/,
    );
    expect(configError([]).message).toMatch(/expected an object/);
    expect(configError("x").message).toMatch(/expected an object/);
  });

  it("refuses a time zone it cannot resolve", () => {
    expect(() => createDetector({ budgetBytes: 1 << 20, timeZone: "Mars/Olympus" })).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
    expect(() => createDetector({ budgetBytes: 1 << 20, timeZones: { acme: "Nowhere/City" } })).toThrow(
      /Nowhere\/City/,
    );
  });

  it("refuses the same option given in snake_case and camelCase", () => {
    expect(configError({ burst_threshold: 10, burstThreshold: 10 }).message).toMatch(
      /"burstThreshold" and "burst_threshold"|"burst_threshold" and "burstThreshold"/,
    );
  });
});

describe("the prior plugin's config block", () => {
  it("is accepted unchanged, all 13 keys, with its weights mapped onto the signals", () => {
    const c = parseConfig(PRIOR_ART);
    expect(c.learningWindowSeconds).toBe(3600);
    expect(c.burstWindowSeconds).toBe(60);
    expect(c.burstThreshold).toBe(20);
    expect(c.blockThreshold).toBe(0.8);
    expect(c.warnThreshold).toBe(0.5);
    expect(c.offHoursStart).toBe(22);
    expect(c.offHoursEnd).toBe(6);
    expect(c.action).toBe("warn");
    expect(c.maxHistoryPerUser).toBe(1000);
    expect(c.signals?.unseenTool?.weight).toBeCloseTo(0.35);
    expect(c.signals?.unseenArgShape?.weight).toBeCloseTo(0.175); // the plugin scored a new key set 0.5
    expect(c.signals?.burst?.weight).toBeCloseTo(0.35);
    expect(c.signals?.rareTool?.weight).toBeCloseTo(0.09); // 0.6 x frequency weight
    expect(c.signals?.offHours?.weight).toBeCloseTo(0.15);

    const d = createDetector({ ...PRIOR_ART, budgetBytes: 1 << 20 } as never);
    const w = (name: string) => d.raw.config_value(WEIGHT_SLOT + SIGNALS.indexOf(name as never));
    expect(w("unseenTool")).toBeCloseTo(0.35);
    expect(w("burst")).toBeCloseTo(0.35);
    expect(d.raw.config_value(SETTINGS.action.slot)).toBe(0); // action "warn": monitor only
    expect(d.raw.config_value(SETTINGS.learningWindowSeconds.slot)).toBe(3600 * 1000);
    // monitor mode never blocks: a never-seen tool inside a burst is only warned
    let dec = d.check({ principal: "u", tool: "a", time: Date.UTC(2024, 0, 8, 12) });
    for (let i = 1; i < 30; i++) dec = d.check({ principal: "u", tool: `x${i}`, time: Date.UTC(2024, 0, 8, 12) + i });
    expect(dec.action).not.toBe("block");
  });

  it("lets explicit signal settings win over a mapped prior-art weight", () => {
    const c = parseConfig({ novelty_score_weight: 0.35, signals: { unseenTool: { weight: 0.9 } } });
    expect(c.signals?.unseenTool?.weight).toBe(0.9);
    expect(c.signals?.unseenArgShape?.weight).toBeCloseTo(0.175);
  });
});

describe("JSON Schema export", () => {
  it("is produced by zod for the one schema, and describes the keys", () => {
    const js = z.toJSONSchema(configSchema, { unrepresentable: "any" }) as {
      properties: Record<string, { description?: string }>;
      additionalProperties?: unknown;
    };
    expect(Object.keys(js.properties)).toEqual(
      expect.arrayContaining(["burstThreshold", "warnThreshold", "signals", "timeZones"]),
    );
    expect(js.properties.burstThreshold?.description).toMatch(/calls/);
    expect(js.additionalProperties).toBe(false);
    expect(() => z.toJSONSchema(configSchema)).not.toThrow();
  });
});
