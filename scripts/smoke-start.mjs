// The README's first command on this checkout: `npm start` builds what it needs and serves the plugin on
// loopback; this waits for GET /health to answer, then stops it. CI runs it on a fresh clone, before the
// full build, so a start that only works on a tree that was built before fails here.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const child = spawn("npm", ["start"], {
  env: { ...process.env, TOOLWATCH_PORT: String(port) },
  stdio: ["ignore", "inherit", "inherit"],
  detached: true,
});
let exited = null;
child.on("exit", (code) => {
  exited = code ?? 1;
});
const deadline = Date.now() + 180_000;
let ok = false;
while (Date.now() < deadline && exited === null) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`);
    if (r.ok) {
      ok = true;
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 500));
}
if (exited === null) process.kill(-child.pid, "SIGTERM");
if (!ok) {
  console.error(`smoke-start: npm start ${exited === null ? "did not answer /health in 180 s" : `exited ${exited}`}`);
  process.exit(1);
}
console.log(`smoke-start: npm start answered /health on port ${port}`);
