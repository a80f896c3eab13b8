/**
 * Writes that may wait a moment to share one transaction. Each added item settles with its own result once the
 * batch holding it has been written, or with the batch's error. A batch is written `windowMs` after its first
 * item, or at once when it holds `maxItems`. One commit for many writes was the largest database saving on the
 * request path (bench/results/proxy-hot-path.md): each SQLite commit writes every page it touched to the WAL on the
 * event loop, and the rows of one batch share pages (an index's edge, a limit's row, the hourly rollups).
 * Nothing is lost on a stop: an item's promise settles when its batch is written, and callers track it (PendingWork).
 */
interface Queued<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

export interface WriteBatchOptions<Item, Result> {
  windowMs: number;
  maxItems: number;
  /** Writes the items in one transaction; resolves with one result per item, in order. */
  write(items: readonly Item[]): Promise<readonly Result[]>;
}

export class WriteBatch<Item, Result> {
  readonly #options: WriteBatchOptions<Item, Result>;
  #queue: Queued<Item, Result>[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WriteBatchOptions<Item, Result>) {
    this.#options = options;
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#queue.length >= this.#options.maxItems) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#options.windowMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    this.#options.write(batch.map((queued) => queued.item)).then(
      (results) => batch.forEach((queued, i) => queued.resolve(results[i] as Result)),
      (err: unknown) => batch.forEach((queued) => queued.reject(err)),
    );
  }
}
