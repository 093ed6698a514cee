// Records this replica last saw, with their versions. Only a first guess: the compare-and-set rejects a
// stale one and returns the current state, so a wrong guess costs a retry, never a wrong decision.
import type { Versioned } from "./client.js";

export class RecordCache {
  private readonly map = new Map<string, Versioned>();
  constructor(private readonly capacity: number) {}

  get(key: string): Versioned | undefined {
    const v = this.map.get(key);
    if (v) {
      // Map keeps insertion order: re-inserting marks it most recently used
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  set(key: string, v: Versioned): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}
