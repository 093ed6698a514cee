// Builds what scores calls for serve and proxy from the `state:` settings: an in-memory detector,
// optionally with a snapshot directory (restored at start, saved periodically and on shutdown),
// or a guard sharing baselines through Redis.
import { createDetector } from "../runtime/node/index.js";
import { createGuard } from "../runtime/node/create-guard.js";
import { FileStore } from "../state/file-store.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { DetectorLike } from "../guard.js";
import type { SnapshotStore } from "../http/admin.js";
import { ToolwatchError } from "../core/errors.js";
import type { StateSection } from "./config-file.js";

export interface Scoring {
  detector: DetectorLike;
  store?: SnapshotStore;
  /** Where state lives, for the startup banner. */
  describe: string;
  close(): Promise<void>;
}

export async function setupScoring(config: Config, state: StateSection, logger: Logger): Promise<Scoring> {
  const onError = (err: unknown) => logger.error({ err: String(err) }, "detector trapped; restarted");
  if (state.redis) {
    if (state.dir)
      throw new ToolwatchError(
        "INVALID_CONFIG",
        "state: give dir (snapshots of one process) or redis (shared by replicas), not both",
      );
    const guard = await createGuard(config, {
      onError,
      state: { redis: state.redis },
      logger,
    });
    return {
      detector: guard,
      describe: `redis ${(state.redis.url ?? `cluster ${state.redis.cluster!.join(",")}`).replace(/\/\/[^@/]*@/g, "//***@")}`,
      close: () => guard.close(),
    };
  }
  const detector = createDetector(config, { onError });
  if (!state.dir) return { detector, describe: "in memory (lost on restart)", close: async () => {} };
  const files = new FileStore({
    dir: state.dir,
    keep: state.keep,
    intervalMs: (state.intervalSeconds ?? 300) * 1000,
    onError: (err) => logger.error({ err: String(err) }, "snapshot store error"),
  });
  const restored = files.start(detector);
  logger.info(
    { dir: state.dir, restored: restored?.seq ?? null },
    restored ? "baselines restored from snapshot" : "no snapshot to restore; starting empty",
  );
  return {
    detector,
    store: {
      save: () => files.save(detector),
      list: () => files.list(),
      revert: (steps) => files.revert(detector, steps),
    },
    describe: `snapshots in ${state.dir}${restored ? ` (restored #${restored.seq})` : ""}`,
    close: async () => {
      files.stop();
      files.save(detector);
    },
  };
}
