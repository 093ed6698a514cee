// Keeps the detector's snapshot in Durable Object storage, cut into chunks under the per-value
// limit. All puts and deletes of one save are issued without awaiting in between, so the storage
// coalesces them into one atomic write: a reader sees the old snapshot or the new one, never a mix.
const CHUNK = 128 * 1024;
const META = "snapshot:meta";
const part = (i: number): string => `snapshot:${i}`;

interface Meta {
  bytes: number;
  chunks: number;
  savedAt: number;
}

export async function saveSnapshot(storage: DurableObjectStorage, bytes: Uint8Array): Promise<Meta> {
  const old = (await storage.get<Meta>(META))?.chunks ?? 0;
  const chunks = Math.ceil(bytes.length / CHUNK);
  const meta: Meta = { bytes: bytes.length, chunks, savedAt: Date.now() };
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < chunks; i++) writes.push(storage.put(part(i), bytes.slice(i * CHUNK, (i + 1) * CHUNK)));
  const stale = [];
  for (let i = chunks; i < old; i++) stale.push(part(i));
  if (stale.length) writes.push(storage.delete(stale));
  writes.push(storage.put(META, meta));
  await Promise.all(writes);
  return meta;
}

export async function loadSnapshot(storage: DurableObjectStorage): Promise<Uint8Array | null> {
  const meta = await storage.get<Meta>(META);
  if (!meta) return null;
  const keys = Array.from({ length: meta.chunks }, (_, i) => part(i));
  const got = new Map<string, Uint8Array>();
  for (let i = 0; i < keys.length; i += 128) {
    for (const [k, v] of await storage.get<Uint8Array>(keys.slice(i, i + 128))) got.set(k, v);
  }
  const out = new Uint8Array(meta.bytes);
  keys.forEach((k, i) => {
    const c = got.get(k);
    if (!c) throw new Error(`snapshot chunk ${k} missing`);
    out.set(c, i * CHUNK);
  });
  return out;
}
