// Finds and compiles build/toolwatch.wasm from the package, whether running from js/ sources,
// dist/ bundles (ESM or CJS), or an installed package.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

declare const __dirname: string | undefined;

function here(): string {
  if (typeof __dirname === "string") return __dirname;
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
