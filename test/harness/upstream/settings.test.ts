/**
 * The settings list (settings.ts) is what the official app's own loader printed inside its root filesystem:
 * it knows the settings every deployment sets, knows nothing it does not read, and tells removed settings
 * and the bundled proxy's own variables apart from real ones.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { upstreamSettingNames, upstreamSettings, type UpstreamSettings } from './settings.ts';

let list: UpstreamSettings;
let names: Set<string>;

beforeAll(async () => {
  list = await upstreamSettings();
  names = await upstreamSettingNames();
});

describe('the official app’s settings', () => {
  it('come from the version the image is built from', async () => {
    const version = (await readFile(new URL('../images/upstream/version', import.meta.url), 'utf8')).trim();
    expect(list.version).toBe(version);
  });

  it('include the Settings fields every deployment sets, by their CODEX_LB_ names', () => {
    for (const name of ['CODEX_LB_DATABASE_URL', 'CODEX_LB_UPSTREAM_BASE_URL', 'CODEX_LB_ENCRYPTION_KEY_FILE', 'CODEX_LB_DATA_DIR',
      'CODEX_LB_DATABASE_MIGRATE_ON_STARTUP', 'CODEX_LB_OAUTH_CALLBACK_HOST', 'CODEX_LB_METRICS_ENABLED', 'CODEX_LB_TELEMETRY_ENABLED']) {
      expect(names, name).toContain(name);
    }
    expect(list.settings.find((s) => s.field === 'database_url')?.env).toEqual(['CODEX_LB_DATABASE_URL']);
  });

  it('include what the app reads outside its Settings model (server address, pod identity)', () => {
    for (const name of ['PORT', 'HOST', 'POD_NAME', 'POD_IP']) expect(names, name).toContain(name);
  });

  it('do not include names it never reads: made-up ones and the bundled proxy’s own', () => {
    expect(names).not.toContain('CODEX_LB_NO_SUCH_SETTING');
    for (const name of ['CODEX_LB_ADMIN_TOKEN_FILE', 'CODEX_LB_API_KEY_AUTH_ENABLED', 'CODEX_LB_FIREWALL_ALLOWLIST']) {
      expect(names, name).not.toContain(name);
    }
  });

  it('keep removed settings apart: listed as removed, not as accepted', () => {
    expect(list.removed).toContain('CODEX_LB_AUTH_BASE_URL');
    for (const name of list.removed) expect(names, name).not.toContain(name);
  });
});
