// Finds and compiles build/toolwatch.wasm from the package, whether running from js/ sources,
// dist/ bundles (ESM or CJS), or an installed package.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

declare const __dirname: string;
// Set by scripts/build.mjs for the CommonJS bundle only. The ESM build must not look at a global
// __dirname: `node -e` defines one (the current directory), which would send the search astray.
declare const TOOLWATCH_CJS: boolean | undefined;

function here(): string {
  if (typeof TOOLWATCH_CJS !== "undefined" && TOOLWATCH_CJS) return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

export function wasmPath(): string {
  const env = process.env.TOOLWATCH_WASM;
  if (env) return env;
  let dir = here();
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "build", "toolwatch.wasm");
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error("toolwatch: build/toolwatch.wasm not found (run `npm run build`, or set TOOLWATCH_WASM)");
}

let cached: WebAssembly.Module | undefined;

export function loadModule(path?: string): WebAssembly.Module {
  if (path) return new WebAssembly.Module(readFileSync(path));
  cached ??= new WebAssembly.Module(readFileSync(wasmPath()));
  return cached;
}
