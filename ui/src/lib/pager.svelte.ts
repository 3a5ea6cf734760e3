/** One page of a list: its rows and the cursor of the page after it (null at the end). */
export type Page<Row, Cursor> = { rows: Row[]; next: Cursor | null };

/**
 * A list read a page at a time from a keyset cursor. `load(null)` starts over with the query
 * as it is now; `load(next)` appends the page after. An answer to a query that a newer
 * `load(null)` has replaced is dropped, so fast filter changes never show stale rows.
 */
export class Pager<Row, Cursor> {
  // Raw: the rows are replaced, never changed in place, so no deep proxy per row (memory).
  rows: Row[] = $state.raw([]);
  next: Cursor | null = $state(null);
  loading = $state(false);
  error: unknown = $state(null);
  #generation = 0;
  #fetch: (after: Cursor | null) => Promise<Page<Row, Cursor>>;

  constructor(fetch: (after: Cursor | null) => Promise<Page<Row, Cursor>>) {
    this.#fetch = fetch;
  }

  /** Reads a page; true when its rows are the ones shown now. */
  async load(after: Cursor | null): Promise<boolean> {
    const mine = after !== null ? this.#generation : ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(after);
      if (mine !== this.#generation) return false;
      this.rows = after !== null ? [...this.rows, ...page.rows] : page.rows;
      this.next = page.next;
      return true;
    } catch (e) {
      if (mine === this.#generation) this.error = e;
      return false;
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  }
}
