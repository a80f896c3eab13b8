/**
 * The WAL checkpointer's thread (wal-checkpointer.ts): its own connection to the database file, a PASSIVE
 * checkpoint every `intervalMs`, each reported to the parent; on 'stop', a last one, then the connection closes.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { WalCheckpoint } from './wal-checkpointer.ts';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker.ts runs as a worker thread');

const db = new Database(path, { fileMustExist: true });

function checkpoint(): void {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  if (row) port?.postMessage({ busy: row.busy === 1, log: row.log, checkpointed: row.checkpointed } satisfies WalCheckpoint);
}

const timer = setInterval(checkpoint, intervalMs);
port.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
});
