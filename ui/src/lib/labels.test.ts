import { describe, expect, it } from "vitest";
import { counted, formatCount } from "./labels";

describe("formatCount", () => {
  it("groups digits by threes with commas", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(-45000)).toBe("-45,000");
  });

  it("writes every count as en-GB's Intl would", () => {
    for (const n of [1, 12, 123, 1234, 12345, 123456, 1000000, 99999999, 1000000000000]) {
      expect(formatCount(n)).toBe(n.toLocaleString("en-GB"));
    }
  });

  it("puts the noun in the plural but for one", () => {
    expect(counted(1, "learner")).toBe("1 learner");
    expect(counted(2000, "learner")).toBe("2,000 learners");
  });
});
