// `toolwatch migrate`: after a settings change that the stored snapshots no longer fit, carry the newest
// into the new budget (explicitly: records that no longer fit are dropped and counted), or set them aside
// to start empty on purpose. serve refuses to start until one of the two is done (docs/STATE.md).
import { loadConfig } from "./config-file.js";
import { migrateDir, setAsideDir } from "../state/migrate.js";
import { loadModule } from "../runtime/node/wasm.js";
import type { Flags } from "./flags.js";
import { UsageError } from "./flags.js";

export const MIGRATE_HELP = `toolwatch migrate --from <dir> --config <new config> [--to <dir>]
toolwatch migrate --from <dir> --fresh

  Stop the server first (one writer per state directory).
  --from <dir>     the state directory (default: state.dir of --config, or TOOLWATCH_STATE_DIR)
  --config <file>  the new settings; the newest snapshot is carried into their budgetBytes / maxEntities:
                   records that do not fit are dropped, least recently used first, and counted. Another
                   cap, burstThreshold, hashSeed or a newer toolwatch's snapshot cannot be converted.
                   The old snapshots are kept, renamed *.snap.set-aside.
  --to <dir>       write the migrated snapshot there and leave --from untouched
  --fresh          start empty on purpose: set every snapshot aside (renamed, kept on disk)`;

export async function runMigrate(flags: Flags): Promise<number> {
  const cfg = loadConfig(flags.string("config"));
  const dir = flags.string("from") ?? cfg.state.dir;
  if (!dir) throw new UsageError("--from <dir> is required (or state.dir in --config)");
  if (flags.bool("fresh")) {
    const names = setAsideDir({ dir });
    process.stdout.write(
      names.length
        ? `set aside ${names.length} snapshot(s) in ${dir}: ${names.join(", ")} (renamed *.set-aside; the next start is empty)\n`
        : `no snapshot in ${dir}\n`,
    );
    return 0;
  }
  const r = migrateDir({ dir, config: cfg.detector, to: flags.string("to"), module: loadModule() });
  if (!r.saved) {
    process.stdout.write(`${r.from} already restores with these settings (${r.kept} records); nothing to migrate\n`);
    return 0;
  }
  process.stdout.write(
    `migrated ${r.from} (${r.records} records) into ${r.saved.path}: ${r.kept} kept, ${r.dropped} dropped (least recently used)` +
      (r.setAside.length ? `; set aside ${r.setAside.join(", ")}` : "") +
      "\n",
  );
  return 0;
}
