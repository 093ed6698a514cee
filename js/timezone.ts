// Resolves a tenant's time zone to a UTC offset in minutes at a given instant. The core takes the
// offset as a number; zone rules (DST) stay in the host, where Intl has them.
import { ToolwatchError } from "./core/errors.js";

const formatters = new Map<string, Intl.DateTimeFormat>();
const OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

export function parseFixedOffset(tz: string): number | undefined {
  if (tz === "UTC" || tz === "GMT" || tz === "Z") return 0;
  const m = OFFSET_RE.exec(tz);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 1439) return undefined;
  return m[1] === "-" ? -minutes : minutes;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    } catch {
      throw new ToolwatchError(
        "INVALID_TIMEZONE",
        `unknown time zone "${zone}" (use an IANA name like "Europe/Paris" or an offset like "+02:00")`,
      );
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Checks a zone name or offset without resolving it at a particular time. */
export function validateTimeZone(tz: string | number): void {
  if (typeof tz === "number") return;
  if (parseFixedOffset(tz) === undefined) formatter(tz);
}

export function offsetMinutes(tz: string | number | undefined, timeMs: number): number {
  if (tz === undefined) return 0;
  if (typeof tz === "number") return tz;
  const fixed = parseFixedOffset(tz);
  if (fixed !== undefined) return fixed;
  const parts = formatter(tz).formatToParts(new Date(timeMs));
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  return parseFixedOffset(name) ?? 0;
}
