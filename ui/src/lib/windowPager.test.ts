import { describe, expect, it } from "vitest";
import { WindowPager } from "./windowPager.svelte";

type Row = { id: number };

/** A keyset list of `n` rows, pages of `size`; records every cursor it was asked from. */
function list(n: number, size: number) {
  const asked: (number | null)[] = [];
  const fetch = async (after: number | null) => {
    asked.push(after);
    const start = after ?? 0;
    const rows = Array.from({ length: Math.max(0, Math.min(size, n - start)) }, (_, i) => ({
      id: start + i,
    }));
    return { rows, next: start + size < n ? start + size : null };
  };
  return { asked, fetch };
}

/** Lets the pager's reads answer. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Scrolls a view of 40 rows to `first`, reading the next page when near the end, as the table does. */
async function scrollTo(pager: WindowPager<Row, number>, first: number) {
  for (;;) {
    const last = Math.min(pager.total, first + 40);
    pager.view(first, last);
    if (pager.next === null || last <= pager.total - 40) break;
    await pager.more();
  }
  await settle();
}

describe("WindowPager", () => {
  it("holds only the pages near the view while scrolling far", async () => {
    const { fetch } = list(10_000, 200);
    const pager = new WindowPager<Row, number>(fetch, { keep: 1, ahead: 60 });
    await pager.load();
    let most = 0;
    for (let first = 0; first <= 9_000; first += 150) {
      await scrollTo(pager, first);
      most = Math.max(most, pager.held());
      expect(pager.row(first)?.id).toBe(first);
    }
    // The view and what is read ahead span at most two pages, plus one either side.
    expect(most).toBeLessThanOrEqual(4);
    expect(pager.total).toBeGreaterThanOrEqual(9_040);
    expect(pager.row(0)).toBeUndefined();
  });

  it("reads a dropped page again from its own cursor when the view comes back", async () => {
    const { asked, fetch } = list(5_000, 200);
    const pager = new WindowPager<Row, number>(fetch);
    await pager.load();
    for (let first = 0; first <= 3_000; first += 100) await scrollTo(pager, first);
    const total = pager.total;
    expect(pager.row(0)).toBeUndefined();
    expect(pager.row(250)).toBeUndefined();

    asked.length = 0;
    pager.view(230, 270);
    await settle();
    // Rows 170 to 330: pages 0 and 1, read from the start and from row 200's cursor.
    expect(asked.sort()).toEqual([200, null].sort());
    expect(pager.row(230)?.id).toBe(230);
    expect(pager.row(0)?.id).toBe(0);
    // The count (the scroll height) did not change, and the far pages went.
    expect(pager.total).toBe(total);
    expect(pager.row(3_000)).toBeUndefined();
    expect(pager.held()).toBeLessThanOrEqual(4);
  });

  it("drops a re-read answer of a replaced query", async () => {
    let release: () => void = () => {};
    const { fetch } = list(2_000, 200);
    let slow = false;
    const pager = new WindowPager<Row, number>(async (after) => {
      if (slow) await new Promise<void>((r) => (release = r));
      return fetch(after);
    });
    await pager.load();
    for (let first = 0; first <= 1_500; first += 100) await scrollTo(pager, first);
    slow = true;
    pager.view(0, 40);
    slow = false;
    await pager.load();
    release();
    await settle();
    expect(pager.total).toBe(200);
    expect(pager.held()).toBe(1);
    expect(pager.row(0)?.id).toBe(0);
  });
});
