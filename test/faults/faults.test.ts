// The CI-sized fault suite: npm run faults -- --quick (kill -9 mid-save, settings change, Redis outage,
// proxy auth matrix). Fails when anything was lost or a rule did not hold; the table is in the output.
import { it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

it("npm run faults -- --quick: nothing lost, every rule held", () => {
  const r = spawnSync(process.execPath, [join(__dirname, "..", "..", "faults", "run.mjs"), "--quick"], {
    encoding: "utf8",
    timeout: 170_000,
  });
  process.stdout.write(r.stdout);
  expect(r.stdout).toMatch(/\| kill -9 during a save \|/);
  expect(r.stdout).toMatch(/\| settings change \|/);
  expect(r.stdout).toMatch(/\| Redis outage \|/);
  expect(r.stdout).toMatch(/\| proxy auth \| JWT secret × header \| refused/);
  expect(r.stdout).toMatch(/, 0 failed, 0 lost/);
  expect(r.status).toBe(0);
}, 180_000);
