// Command-line flags: --name value, --name=value, --bool; positionals kept in order.
import { didYouMean } from "../util/did-you-mean.js";

export class UsageError extends Error {}

export class Flags {
  readonly positionals: string[] = [];
  private readonly values = new Map<string, string | true>();

  constructor(argv: string[], known: { strings: string[]; bools: string[] }) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === "--") {
        this.positionals.push(...argv.slice(i + 1));
        break;
      }
      if (!a.startsWith("--")) {
        this.positionals.push(a);
        continue;
      }
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (known.bools.includes(name)) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        this.values.set(name, true);
      } else if (known.strings.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        this.values.set(name, v);
      } else {
        throw new UsageError(
          `unknown option --${name}${didYouMean(name, [...known.strings, ...known.bools], (f) => `--${f}`)}`,
        );
      }
    }
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  int(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
    return n;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }
}
