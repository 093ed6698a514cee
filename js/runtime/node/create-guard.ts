// createGuard: a Guard (js/guard.ts) whose baselines live in this process, or in Redis for replicas to share.
// Node-only: it loads the .wasm from the package and, in Redis mode, ioredis.
//   const guard = await createGuard(config, { state: { redis: { url } } });
//   const d = await guard.check(call); ... await guard.after(call, { isError }); await guard.close();
import { Detector, type DetectorOptions } from "../../detector.js";
import { parseConfig } from "../../config/parse.js";
import type { ConfigInput } from "../../config/schema.js";
import { LocalGuard, type Guard } from "../../guard.js";
import type { RedisStateOptions } from "../../state/redis/redis-guard.js";
import { stderrLogger, type GuardLogger } from "../../state/redis/log.js";
import { loadModule } from "./wasm.js";

export type { GuardLogger } from "../../state/redis/log.js";
export type { RedisStateOptions } from "../../state/redis/redis-guard.js";

const SCRATCH_BYTES = 1 << 20;

export interface StateOptions {
  /** Share baselines and burst windows between replicas through Redis. Absent = this process only. */
  redis?: RedisStateOptions;
}

export interface GuardOptions extends DetectorOptions {
  state?: StateOptions;
  logger?: GuardLogger;
  wasmPath?: string;
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
  const { RedisGuard } = await import("../../state/redis/redis-guard.js");
  const guard = new RedisGuard(detector, state.redis, logger ?? stderrLogger(), delta);
  await guard.start();
  return guard;
}
