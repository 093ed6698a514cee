// One async interface over where baselines live, so servers, proxies and middleware call the same three
// methods whether state is in this process or shared by replicas through Redis:
//   const guard = await createGuard(config, { state: { redis: { url } } });
//   const d = await guard.check(call); ... await guard.after(call, { isError }); await guard.close();
import { Detector, type CallInput, type Decision, type DetectorOptions } from "./detector.js";
import { loadModule } from "./runtime/node/wasm.js";
import { parseConfig } from "./config/parse.js";

const SCRATCH_BYTES = 1 << 20;
import type { ConfigInput } from "./config/schema.js";
import type { RedisStateOptions } from "./state/redis/redis-guard.js";
import { stderrLogger, type GuardLogger } from "./state/redis/log.js";

export type { GuardLogger } from "./state/redis/log.js";
export type { RedisStateOptions } from "./state/redis/redis-guard.js";

export type AfterCall = Omit<CallInput, "args"> & { args?: unknown };

export interface Guard {
  readonly mode: "local" | "redis";
  /** The detector that scores calls (in Redis mode a scratch instance the records pass through). */
  readonly detector: Detector;
  /** Scores a call before it runs and records it. Throws ToolwatchError on invalid input only. */
  check(call: CallInput): Promise<Decision>;
  /** Post-invoke outcome. */
  after(call: AfterCall, outcome?: { isError?: boolean }): Promise<{ tracked: boolean }>;
  /** Operator feedback: learn this call into the baselines. */
  learn(call: CallInput): Promise<void>;
  close(): Promise<void>;
}

export interface StateOptions {
  /** Share baselines and burst windows between replicas through Redis. Absent = this process only. */
  redis?: RedisStateOptions;
}

export interface GuardOptions extends DetectorOptions {
  state?: StateOptions;
  logger?: GuardLogger;
  wasmPath?: string;
}

class LocalGuard implements Guard {
  readonly mode = "local" as const;
  constructor(readonly detector: Detector) {}
  async check(call: CallInput): Promise<Decision> { return this.detector.check(call); }
  async after(call: AfterCall, outcome?: { isError?: boolean }): Promise<{ tracked: boolean }> { return this.detector.after(call, outcome); }
  async learn(call: CallInput): Promise<void> { this.detector.learn(call); }
  async close(): Promise<void> {}
}

/** Local mode, or Redis mode when `options.state.redis` is set (ioredis is loaded only then). */
export async function createGuard(config?: ConfigInput, options: GuardOptions = {}): Promise<Guard> {
  const { state, logger, wasmPath, ...detectorOptions } = options;
  const module = loadModule(wasmPath);
  if (!state?.redis) return new LocalGuard(new Detector(module, config, detectorOptions));
  // In Redis mode the detector is scratch space holding one call's two records at a time: a small
  // arena is enough (the budget is not part of the record layout, so records stay compatible).
  const scratch = { ...parseConfig(config), budgetBytes: SCRATCH_BYTES, maxEntities: 0 };
  const detector = new Detector(module, scratch, detectorOptions);
  const delta = state.redis.tenantSync === "batched" ? new Detector(module, scratch, detectorOptions) : undefined;
  const { RedisGuard } = await import("./state/redis/redis-guard.js");
  const guard = new RedisGuard(detector, state.redis, logger ?? stderrLogger(), delta);
  await guard.start();
  return guard;
}
