/** Another revision of this repository, for benches that compare it with the working tree. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Checkout {
  /** The revision's tree, with a trailing slash (startProxy's `root`). */
  root: string;
  remove(): void;
}

/** `revision` as a detached git worktree sharing this checkout's node_modules. */
export function checkoutAt(revision: string): Checkout {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rev-'));
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, revision], { stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return {
    root: `${dir}/`,
    remove() {
      execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
