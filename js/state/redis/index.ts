// Redis-backed shared state for gateway replicas (docs/STATE.md "Redis replicas").
export {
  RedisGuard,
  type RedisStateOptions,
  type RedisDecision,
  type StateInfo,
  type RedisGuardStats,
} from "./redis-guard.js";
export { RedisState, StateUnavailableError } from "./client.js";
export { recordKeys } from "./keys.js";
export { stderrLogger, type GuardLogger } from "./log.js";
