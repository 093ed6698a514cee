// Whether a process id belongs to a live process on this host (lock files and registries name owners by pid).
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but is not ours to signal
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
