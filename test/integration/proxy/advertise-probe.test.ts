/**
 * The advertise-URL self-check a replica runs before joining the ring: its own `/health/live` answers
 * with its process id, another process's with another id, and a URL nobody answers on is "silent"
 * (a warning at startup, not a refusal).
 */
import { describe, expect, it } from 'vitest';
import { probeAdvertised } from '../../../proxy/cluster/advertise-probe.ts';
import { freePort } from '../../harness/ports.ts';
import { proxySuite } from './support/suite.ts';

describe('advertise URL self-check', () => {
  const suite = proxySuite();

  it('recognises this process, tells another codex-lb process apart, and reports a URL nobody answers on', async () => {
    const p = await suite.start();
    const self = p.services.processId;
    expect(await probeAdvertised(p.url, self, { timeoutMs: 2000 })).toEqual({ kind: 'self' });
    expect(await probeAdvertised(p.url, 'another-process', { timeoutMs: 2000 })).toEqual({
      kind: 'other',
      problem: `CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL ${p.url} reaches another codex-lb process, not this one`,
    });
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const silent = await probeAdvertised(nobody, self, { timeoutMs: 300, intervalMs: 100 });
    expect(silent).toMatchObject({ kind: 'silent', problem: expect.stringContaining(`${nobody} did not reach this replica`) });
  });
});
