// Tenant time zones: the host turns IANA names and offsets into minutes east of UTC at each instant.
import { describe, it, expect } from "vitest";
import { offsetMinutes, parseFixedOffset, validateTimeZone } from "../../js/timezone.js";

describe("time zone offsets", () => {
  it("follow daylight saving time for IANA zones", () => {
    expect(offsetMinutes("America/New_York", Date.UTC(2024, 0, 15, 12))).toBe(-300);
    expect(offsetMinutes("America/New_York", Date.UTC(2024, 6, 15, 12))).toBe(-240);
    // 2024-03-10: clocks jump from 02:00 EST to 03:00 EDT at 07:00 UTC
    expect(offsetMinutes("America/New_York", Date.UTC(2024, 2, 10, 6, 59))).toBe(-300);
    expect(offsetMinutes("America/New_York", Date.UTC(2024, 2, 10, 7, 0))).toBe(-240);
    expect(offsetMinutes("Asia/Kolkata", Date.UTC(2024, 0, 1))).toBe(330);
    expect(offsetMinutes("Asia/Kathmandu", Date.UTC(2024, 0, 1))).toBe(345);
    expect(offsetMinutes("Australia/Lord_Howe", Date.UTC(2024, 0, 1))).toBe(660); // half-hour DST
    expect(offsetMinutes("Australia/Lord_Howe", Date.UTC(2024, 6, 1))).toBe(630);
    expect(offsetMinutes("Etc/UTC", Date.UTC(2024, 0, 1))).toBe(0);
  });

  it("accept fixed offsets and minutes", () => {
    expect(parseFixedOffset("+02:00")).toBe(120);
    expect(parseFixedOffset("-0930")).toBe(-570);
    expect(parseFixedOffset("UTC+5")).toBe(300);
    expect(parseFixedOffset("Z")).toBe(0);
    expect(parseFixedOffset("+24:00")).toBeUndefined();
    expect(offsetMinutes(-180, 0)).toBe(-180);
    expect(offsetMinutes(undefined, 0)).toBe(0);
  });

  it("refuse unknown zones with a typed error", () => {
    expect(() => validateTimeZone("Europe/Atlantis")).toThrow(expect.objectContaining({ code: "INVALID_TIMEZONE" }));
    expect(() => validateTimeZone("Europe/Paris")).not.toThrow();
  });
});
