import { execFileSync } from 'node:child_process';

/**
 * When the tests run as root (CI containers), servers that refuse root (PostgreSQL) run as the
 * `postgres` account if it exists, else `nobody`. Returns undefined when we are not root.
 */
export function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // account absent: try the next one
    }
  }
  throw new Error('running as root but no unprivileged account (postgres, nobody) exists');
}
