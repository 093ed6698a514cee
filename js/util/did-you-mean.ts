// "Did you mean" for every misspelt name: config keys, command-line flags and commands.

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The valid name nearest to `name` (case-insensitive edit distance), if near enough to be a typo. */
export function closest(name: string, valid: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const key = name.toLowerCase();
  for (const v of valid) {
    const d = levenshtein(key, v.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  // Short names allow two edits ("serv" -> "serve"); longer ones a third of their length.
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)`, or "" when nothing is near; `show` formats the suggestion (e.g. as a flag). */
export function didYouMean(
  name: string,
  valid: Iterable<string>,
  show: (s: string) => string = (s) => `"${s}"`,
): string {
  const hint = closest(name, valid);
  return hint === undefined ? "" : ` (did you mean ${show(hint)}?)`;
}
