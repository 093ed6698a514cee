// Every committed vector file, loaded through Vite so the same list works in Node and in workerd.
import type { Vector } from "./replay.js";

const files = import.meta.glob<Vector>("./*.json", { eager: true, import: "default" });

export const vectors: Vector[] = Object.keys(files).sort().map((k) => files[k]!);
