/**
 * Checkpoints a SQLite database's write-ahead log from a worker thread, off the serving event loop.
 *
 * SQLite checkpoints on the commit that grows the WAL past 1,000 pages: that commit copies the pages into the
 * database file and syncs it. better-sqlite3 runs on the event loop, so in the serving process this stalls every
 * open stream for as long as it takes — about 15 ms on the build machine's disk against 0.7 ms for an ordinary
 * commit of 100 request-log rows, once every few thousand rows (bench/results/proxy-hot-path.md). The serving
 * process turns automatic checkpoints off on its connection and a worker with a connection of its own runs them.
 * They are PASSIVE: the checkpoint never waits for the writer and the writer never waits for it. The serving
 * connection commits with `synchronous=NORMAL` (better-sqlite3's default for a file in WAL mode): its commits are
 * safe from a process crash at once and from a power loss once a checkpoint has synced the WAL, so this worker also
 * bounds that window to about its interval. Commits that cannot wait for it use withDurableTransaction
 * (transaction.ts).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';

/** One checkpoint, as `PRAGMA wal_checkpoint` reports it: frames in the WAL, frames now in the database file. */
export interface WalCheckpoint {
  busy: boolean;
  log: number;
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  /** The database file (the one the data source has open). */
  path: string;
  intervalMs: number;
  /** The worker failed; automatic checkpoints are back on the data source's connection. */
  onError(err: unknown): void;
  onCheckpoint?(checkpoint: WalCheckpoint): void;
}

/** SQLite's own default, restored when the worker fails so the WAL cannot grow without bound. */
const AUTOCHECKPOINT_PAGES = 1000;

export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static async start(dataSource: DataSource, options: WalCheckpointerOptions): Promise<WalCheckpointer> {
    await dataSource.query('PRAGMA wal_autocheckpoint = 0');
    const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
      workerData: { path: options.path, intervalMs: options.intervalMs },
    });
    const checkpointer = new WalCheckpointer(worker);
    worker.on('message', (checkpoint: WalCheckpoint) => options.onCheckpoint?.(checkpoint));
    worker.on('error', (err) => {
      if (checkpointer.#stopped || !dataSource.isInitialized) return options.onError(err);
      dataSource.query(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`).then(
        () => options.onError(err),
        (restoreErr: unknown) => options.onError(new AggregateError([err, restoreErr], 'WAL checkpointer failed')),
      );
    });
    return checkpointer;
  }

  /** Runs a last checkpoint and ends the worker; call before the data source is closed. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const exited = once(this.#worker, 'exit').catch(() => undefined);
    this.#worker.postMessage('stop');
    await exited;
  }
}
