// Shared by the in-process plugin tests: the plugin's entry as the gateway's plugins/config.yaml carries
// it, the prior plugin's config block, and a framework venv that can run the Python host from source.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureVenv, python, root } from "./harness.js";

export const KIND = "toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin";

/**
 * The prior-art entry's whole `config:` block (seed/plugins/tool_call_anomaly_detection/README.md), every key
 * kept. Values as the side-by-side test tunes them for a run of seconds: no learning hour, enforcing, no
 * fixed off-hours window (the run must not depend on the clock), and block_threshold 0.75 because with the
 * prior plugin's weights the highest daytime risk is 0.79, under its 0.8 (a flaw its reviewers found, which
 * toolwatch's mapping of the weights keeps rather than hides).
 */
export const PRIOR_ART_BLOCK = {
  learning_window_seconds: 0,
  burst_window_seconds: 60,
  burst_threshold: 20,
  novelty_score_weight: 0.35,
  burst_score_weight: 0.35,
  frequency_score_weight: 0.15,
  block_threshold: 0.75,
  warn_threshold: 0.5,
  max_history_per_user: 1000,
  off_hours_start: 0,
  off_hours_end: 0,
  off_hours_score_bonus: 0.15,
  action: "block",
};

/** The prior-art README's entry with only `kind` changed (and `mode` enforcing). */
export function inProcessEntry(
  config: Record<string, unknown>,
  name = "ToolCallAnomalyDetection",
): Record<string, unknown> {
  return {
    name,
    kind: KIND,
    description: "Detects anomalous tool-calling patterns per user/agent using behavioral baselines",
    version: "0.1.0",
    author: "toolwatch",
    hooks: ["tool_pre_invoke", "tool_post_invoke"],
    tags: ["security", "anomaly-detection", "behavioral", "audit"],
    mode: "sequential",
    priority: 201,
    conditions: [],
    config,
  };
}

/** The framework venv, with the Python host's one dependency (wasmtime) added when it is missing. */
export function ensureInProcessVenv(): void {
  ensureVenv();
  const ok = () => spawnSync(python, ["-c", "import wasmtime"], { stdio: "ignore" }).status === 0;
  if (ok()) return;
  const r = spawnSync(
    python,
    ["-m", "pip", "install", "--quiet", "-r", join(root, "hosts", "python", "requirements.txt")],
    { encoding: "utf8", env: { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? "0" } },
  );
  if (!ok()) throw new Error(`cannot install wasmtime into the framework venv:\n${r.stdout}\n${r.stderr}`);
}

/** The Python host from this checkout, the core from this build. */
export const sourceEnv = (): Record<string, string> => ({
  PYTHONPATH: join(root, "hosts", "python"),
  TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm"),
});
