import { describe, expect, it } from "vitest";
import { formatAge, formatCost, formatDuration, formatTokens, shortId } from "./format";

describe("display formats", () => {
  it("it formats durations from milliseconds to hours", () => {
    expect([formatDuration(450), formatDuration(5400), formatDuration(75_000), formatDuration(3_900_000), formatDuration(null)]).toEqual([
      "450 ms",
      "5.4 s",
      "1 min 15 s",
      "1 h 5 min",
      "–",
    ]);
  });

  it("it shows small costs with enough digits to be non-zero", () => {
    expect([formatCost(0), formatCost(0.0003), formatCost(1.234), formatCost(null)]).toEqual(["$0.00", "$0.0003", "$1.23", "–"]);
  });

  it("it abbreviates token counts", () => {
    expect([formatTokens(999), formatTokens(2048), formatTokens(45_000), formatTokens(3_200_000)]).toEqual(["999", "2.0k", "45k", "3.2M"]);
  });

  it("it tells ages relative to now", () => {
    const now = Date.parse("2026-12-04T12:00:00Z");
    expect([
      formatAge("2026-12-04T11:59:58Z", now),
      formatAge("2026-12-04T11:55:00Z", now),
      formatAge("2026-12-02T12:00:00Z", now),
      formatAge(null, now),
    ]).toEqual(["just now", "5 min ago", "2 d ago", "never"]);
  });

  it("it shortens ids of any kind", () => {
    expect([shortId("0123456789abcdef"), shortId(42), shortId("")]).toEqual(["01234567", "42", "–"]);
  });
});
