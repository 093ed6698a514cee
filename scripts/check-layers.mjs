// node scripts/check-layers.mjs [root]: the import graph of js/, prior-art/, bench/ and eval/ against the layers
// the tree is meant to show (docs/ARCHITECTURE.md). Fails, naming each offending import, on any import cycle and
// on any arrow that points up the list below (a layer imports only layers above it) or sideways into another
// runtime's, gateway's or tool's folder. Static, type-only and dynamic imports all count: each is an arrow in the
// design. `npm run lint` runs it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// Top to bottom. `match` takes a root-relative path with "/" separators; `unit` names the folder a file belongs
// to where one layer holds several neighbours that must not reach into each other.
export const LAYERS = [
  { name: "the ABI (js/core/) and leaf utilities (js/util/)", match: (p) => /^js\/(core|util)\//.test(p) },
  {
    name: "the public API (js/*.ts, js/config/)",
    match: (p) => /^js\/[^/]+\.ts$/.test(p) || p.startsWith("js/config/"),
  },
  { name: "state stores (js/state/)", match: (p) => p.startsWith("js/state/") },
  { name: "runtime entries (js/runtime/<name>/)", match: (p) => p.startsWith("js/runtime/"), unit: folderUnder },
  { name: "the HTTP server layer (js/http/)", match: (p) => p.startsWith("js/http/") },
  {
    name: "gateway integrations (js/integrations/<gateway>/)",
    match: (p) => p.startsWith("js/integrations/"),
    unit: folderUnder,
  },
  { name: "the proxy (js/proxy/)", match: (p) => p.startsWith("js/proxy/") },
  { name: "commands and reports (js/cli/, js/report/)", match: (p) => /^js\/(cli|report)\//.test(p) },
  { name: "the prior-art baseline (prior-art/)", match: (p) => p.startsWith("prior-art/") },
  { name: "bench/ and eval/", match: (p) => /^(bench|eval)\//.test(p), unit: (p) => p.split("/")[0] },
];

// Arrows that point down the list and are still never allowed (docs/ARCHITECTURE.md), by the layers' folders.
export const NEVER = [
  {
    from: "js/integrations/",
    to: "js/runtime/",
    why: "an integration takes a detector or guard, never a runtime entry",
  },
  {
    from: "js/proxy/",
    to: "js/integrations/",
    why: "the proxy and the integrations share js/http/, not each other's files",
  },
];

/** js/runtime/node/wasm.ts -> "js/runtime/node" (a file directly in js/runtime/ is its own unit). */
function folderUnder(p) {
  const parts = p.split("/");
  return parts.length > 3 ? parts.slice(0, 3).join("/") : p;
}

const SCANNED = ["js", "prior-art", "bench", "eval"];
const SOURCE = /\.(ts|mts|mjs|js)$/;

export function layerOf(path) {
  const i = LAYERS.findIndex((l) => l.match(path));
  return i < 0 ? undefined : { index: i, unit: LAYERS[i].unit?.(path) };
}

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (SOURCE.test(e.name) && !e.name.endsWith(".d.ts")) yield p;
  }
}

const isFile = (p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The file a relative specifier names, the way NodeNext TypeScript and esbuild find it; undefined if none. */
function resolveSpecifier(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs|ts)$/, "");
  const tries = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.mjs`, `${stem}.js`, join(base, "index.ts")];
  return tries.find(isFile);
}

/** Every relative import of every source file under root's scanned folders: {from, to, spec, line}. */
export function importsOf(root) {
  const edges = [];
  const files = SCANNED.flatMap((d) => [...walk(join(root, d))]);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const info = ts.preProcessFile(text, true, true);
    const lineOf = (pos) => text.slice(0, pos).split("\n").length;
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith(".")) continue; // packages are outside the layers
      const target = resolveSpecifier(file, imp.fileName);
      if (!target) continue; // assets (the .wasm) and generated files not built yet
      edges.push({ from: rel(root, file), to: rel(root, target), spec: imp.fileName, line: lineOf(imp.pos) });
    }
  }
  return { files: files.map((f) => rel(root, f)), edges };
}

const rel = (root, p) => relative(root, p).split(sep).join("/");

/** Why an import breaks the layers, or undefined when it is allowed. */
export function forbidden(from, to) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b) return undefined; // scripts/, test/ and the like are not layered
  if (b.index > a.index) return `${LAYERS[a.index].name} must not import ${LAYERS[b.index].name}`;
  const never = NEVER.find((n) => from.startsWith(n.from) && to.startsWith(n.to));
  if (never) return never.why;
  if (b.index === a.index && a.unit !== undefined && a.unit !== b.unit) {
    return `${a.unit}/ must not reach into its neighbour ${b.unit}/ (${LAYERS[a.index].name}); share through a layer above`;
  }
  return undefined;
}

/** The import cycles, each as the list of its edges (Tarjan's strongly connected components, then one loop each). */
export function cycles(edges) {
  const out = new Map();
  for (const e of edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e);
  }
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const strong = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const e of out.get(v) ?? []) {
      if (!index.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v), low.get(e.to)));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v), index.get(e.to)));
    }
    if (low.get(v) === index.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      const selfLoop = (out.get(v) ?? []).some((e) => e.to === v);
      if (c.length > 1 || selfLoop) components.push(new Set(c));
    }
  };
  for (const v of [...out.keys()].sort()) if (!index.has(v)) strong(v);
  // one concrete loop per component: breadth-first from its first file back to itself, inside the component
  return components.map((members) => {
    const start = [...members].sort()[0];
    const via = new Map();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      for (const e of out.get(v) ?? []) {
        if (!members.has(e.to)) continue;
        if (e.to === start) {
          const loop = [e];
          for (let at = v; at !== start; at = via.get(at).from) loop.unshift(via.get(at));
          return loop;
        }
        if (!via.has(e.to)) {
          via.set(e.to, e);
          queue.push(e.to);
        }
      }
    }
    return [];
  });
}

export function checkLayers(root) {
  const { files, edges } = importsOf(root);
  const problems = [];
  // a new folder under js/ must say where it stands before anything can be checked about it
  for (const f of files) {
    if (f.startsWith("js/") && !layerOf(f))
      problems.push(`${f} is in no layer: place it in LAYERS (scripts/check-layers.mjs)`);
  }
  for (const e of edges) {
    const why = forbidden(e.from, e.to);
    if (why) problems.push(`${e.from}:${e.line} imports "${e.spec}" (${e.to}): ${why}`);
  }
  for (const loop of cycles(edges)) {
    const steps = loop.map((e) => `  ${e.from}:${e.line} imports "${e.spec}"`).join("\n");
    problems.push(`import cycle ${[...loop.map((e) => e.from), loop[0].from].join(" -> ")}\n${steps}`);
  }
  return { files: files.length, imports: edges.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const { files, imports, problems } = checkLayers(root);
  if (files === 0) {
    console.error(`check-layers: no source files under ${root} (looked in ${SCANNED.join("/, ")}/)`);
    process.exit(2);
  }
  if (problems.length) {
    console.error(problems.join("\n"));
    console.error(`check-layers: ${problems.length} problem(s) in ${imports} imports of ${files} files`);
    process.exit(1);
  }
  console.log(`check-layers: ${imports} imports of ${files} files, no cycles, no forbidden arrows`);
}
