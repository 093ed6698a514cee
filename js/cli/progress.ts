// A one-line progress bar on stderr, drawn only on a terminal and at most ten times a second.
export class Progress {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, lines: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const f = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const width = 30;
    const bar = "#".repeat(Math.round(f * width)).padEnd(width, ".");
    this.stream.write(`\r[${bar}] ${(f * 100).toFixed(0).padStart(3)}%  ${lines.toLocaleString("en-US")} lines`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write(`\r${" ".repeat(60)}\r`);
  }
}
