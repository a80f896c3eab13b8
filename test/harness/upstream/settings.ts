/**
 * The environment variables the official codex-lb app accepts, as its own settings loader lists them when its
 * root filesystem is built (images/upstream/settings-names.py, run inside the tree by rootfs.sh). The contract
 * between what the operator renders for `flavor: Upstream` and what that exact app version reads.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { upstreamRootfs } from './tree.ts';

export interface UpstreamSettings {
  /** The codex-lb version that printed the list (its installed package metadata). */
  version: string;
  /** Fields of its pydantic-settings `Settings` model, with the env names that set each (case-insensitive). */
  settings: Array<{ field: string; env: string[] }>;
  /** Names it no longer reads and only warns about at startup (`_REMOVED_SETTINGS`). */
  removed: string[];
  /** Names its modules read straight from the process environment, outside the Settings model. */
  direct: Array<{ env: string; modules: string[] }>;
}

/** The full list, from the tree `make setup` built for the current sources. */
export async function upstreamSettings(): Promise<UpstreamSettings> {
  return JSON.parse(await readFile(join(await upstreamRootfs(), 'settings.json'), 'utf8')) as UpstreamSettings;
}

/**
 * Every variable name the app acts on (upper-case): its Settings fields and the variables it reads directly.
 * Removed settings are not in it: the app ignores them.
 */
export async function upstreamSettingNames(): Promise<Set<string>> {
  const list = await upstreamSettings();
  return new Set([...list.settings.flatMap((s) => s.env), ...list.direct.map((d) => d.env)].map((name) => name.toUpperCase()));
}
