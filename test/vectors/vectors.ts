// Every committed vector file, loaded through Vite so the same list works in Node and in workerd. Read
// as text and parsed here: vectors hold lone UTF-16 surrogates (\ud800), which JSON.parse accepts and
// Vite's JSON loader refuses.
import type { Vector } from "./replay.js";

const files = import.meta.glob<string>("./*.json", { eager: true, query: "?raw", import: "default" });

export const vectors: Vector[] = Object.keys(files)
  .sort()
  .map((k) => JSON.parse(files[k]!) as Vector);
