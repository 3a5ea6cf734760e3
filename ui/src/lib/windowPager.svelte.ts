import type { Page } from "./pager.svelte";

/** A page read so far: the cursor it was read from, its row count, and its rows if held. */
type Slot<Row, Cursor> = {
  after: Cursor | null;
  count: number;
  rows: Row[] | null;
  /** A read of this page under way (so a scroll does not ask twice). */
  reading: boolean;
};

/**
 * A long list read a page at a time from a keyset cursor that holds only the pages near the
 * view: a page more than `keep` pages away from the rows in view is dropped (its cursor and
 * row count are kept), and read again through the same cursor when the view comes back to
 * it. The row count of every page read stays known, so a scroll bar's height never changes
 * when a page is dropped. Memory: at most the pages in view plus `keep` either side.
 *
 * `load()` starts over (an answer to a replaced query is dropped), `more()` reads the page
 * after the last one read, `view(first, last)` tells which rows are in view.
 */
export class WindowPager<Row, Cursor> {
  /** Rows counted over every page read so far (held or not). */
  total = $state(0);
  /** The cursor after the last page read; null when there are no more. */
  next: Cursor | null = $state(null);
  /** The first page or the next page is being read. */
  loading = $state(false);
  error: unknown = $state(null);
  /** Bumped when a page's rows come or go, so readers of `row()` see the change. */
  #version = $state(0);
  #slots: Slot<Row, Cursor>[] = [];
  /** Offset of each slot's first row (same length as `#slots`). */
  #starts: number[] = [];
  #generation = 0;
  #view = { first: 0, last: 0 };
  #fetch: (after: Cursor | null) => Promise<Page<Row, Cursor>>;
  #keep: number;
  #ahead: number;

  /**
   * `keep`: pages held either side of the pages in view; `ahead`: rows beyond the view that
   * are read before the reader gets there.
   */
  constructor(
    fetch: (after: Cursor | null) => Promise<Page<Row, Cursor>>,
    { keep = 1, ahead = 60 }: { keep?: number; ahead?: number } = {},
  ) {
    this.#fetch = fetch;
    this.#keep = keep;
    this.#ahead = ahead;
  }

  /** The row at `index`, or undefined while its page is not held. */
  row(index: number): Row | undefined {
    void this.#version;
    const p = this.#pageOf(index);
    if (p < 0) return undefined;
    return this.#slots[p]?.rows?.[index - (this.#starts[p] ?? 0)];
  }

  /** How many pages' rows are held now (for tests and the benchmark's reading). */
  held(): number {
    void this.#version;
    return this.#slots.filter((s) => s.rows !== null).length;
  }

  /** Starts over with the query as it is now; true when its rows are the ones shown now. */
  async load(): Promise<boolean> {
    const mine = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(null);
      if (mine !== this.#generation) return false;
      this.#slots = [{ after: null, count: page.rows.length, rows: page.rows, reading: false }];
      this.#starts = [0];
      this.total = page.rows.length;
      this.next = page.next;
      this.#view = { first: 0, last: 0 };
      this.#version++;
      return true;
    } catch (e) {
      if (mine === this.#generation) this.error = e;
      return false;
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  }

  /** Reads the page after the last one read (nothing when there is none or one is coming). */
  async more(): Promise<void> {
    const after = this.next;
    if (after === null || this.loading) return;
    const mine = this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(after);
      if (mine !== this.#generation) return;
      this.#starts.push(this.total);
      this.#slots.push({ after, count: page.rows.length, rows: page.rows, reading: false });
      this.total += page.rows.length;
      this.next = page.next;
      this.#trim();
      this.#version++;
    } catch (e) {
      if (mine === this.#generation) this.error = e;
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  }

  /** The rows `first` to `last` (exclusive) are in view: read what is missing, drop the far. */
  view(first: number, last: number): void {
    this.#view = { first, last };
    if (this.#slots.length === 0) return;
    const [lo, hi] = this.#needed();
    for (let p = lo; p <= hi; p++) {
      const slot = this.#slots[p];
      if (slot && slot.rows === null && !slot.reading) void this.#reread(slot);
    }
    if (this.#trim()) this.#version++;
  }

  /** The pages the view needs: those it overlaps, and those within `ahead` rows of it. */
  #needed(): [number, number] {
    const { first, last } = this.#view;
    const lo = this.#pageOf(Math.max(0, first - this.#ahead));
    const hi = this.#pageOf(Math.min(this.total - 1, Math.max(first, last - 1) + this.#ahead));
    return [Math.max(0, lo), Math.max(0, hi)];
  }

  /** Drops the rows of pages outside the window; true when any were dropped. */
  #trim(): boolean {
    const [lo, hi] = this.#needed();
    let dropped = false;
    this.#slots.forEach((slot, p) => {
      if (slot.rows !== null && (p < lo - this.#keep || p > hi + this.#keep)) {
        slot.rows = null;
        dropped = true;
      }
    });
    return dropped;
  }

  /** Reads a dropped page again from its own cursor. */
  async #reread(slot: Slot<Row, Cursor>): Promise<void> {
    const mine = this.#generation;
    slot.reading = true;
    try {
      const page = await this.#fetch(slot.after);
      if (mine !== this.#generation) return;
      // The count stays (the scroll height with it); rows written meanwhile may shift a page
      // by a row or two, as any keyset read of a changing list.
      slot.rows = page.rows.slice(0, slot.count);
      this.#trim();
      this.#version++;
    } catch (e) {
      if (mine === this.#generation) this.error = e;
    } finally {
      slot.reading = false;
    }
  }

  /** The slot holding row `index` (binary search over the pages' first rows), -1 if none. */
  #pageOf(index: number): number {
    if (index < 0 || index >= this.total) return -1;
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#starts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
