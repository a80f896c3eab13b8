/**
 * Graceful drain (reference/proxy-contract.md §11.7, OPERATOR-CONTRACT.md preStop): the loopback
 * drain endpoints, what draining refuses and what it lets finish, and the `codex-lb-proxy drain`
 * hook driving them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { ManagedProcess } from '../../harness/process.ts';
import { json, post } from './support/clients.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const CLI = join(import.meta.dirname, '../../../proxy/cli/main.ts');

const suite = proxySuite();

async function start(): Promise<ProxyUnderTest> {
  const proxy = await suite.start();
  await proxy.importAccount(suite.fake.addAccount());
  return proxy;
}

async function drainCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = new ManagedProcess('drain', process.execPath, [CLI, 'drain', ...args]);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

describe('drain', () => {
  it('start: readiness fails, new requests get 503 "Server is draining", liveness stays up, status reports in-flight work', async () => {
    const p = await start();
    suite.fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 150 });
    const inFlight = post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'finishing', stream: true });
    await expect.poll(async () => (await json(await fetch(`${p.url}/internal/drain/status`))).checks).toMatchObject({ in_flight: '1' });

    const started = await fetch(`${p.url}/internal/drain/start`, { method: 'POST', headers: { 'x-codex-lb-drain-deadline-monotonic': '12345.5' } });
    expect(await json(started)).toEqual({ status: 'ok', checks: { draining: 'true', shutdown_committed: 'true', deadline_monotonic: '12345.5' } });
    expect((await fetch(`${p.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${p.url}/health/live`)).status).toBe(200);
    const refused = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'too late' });
    expect([refused.status, await json(refused)]).toEqual([503, { error: { type: 'service_unavailable', message: 'Server is draining' } }]);

    const finished = await (await inFlight).text();
    expect(finished).toContain('event: response.completed');
    await expect.poll(async () => (await json(await fetch(`${p.url}/internal/drain/status`))).checks).toMatchObject({ draining: 'true', in_flight: '0' });
    expect((await fetch(`${p.url}/internal/drain/stop`, { method: 'POST' })).status).toBe(409);
  });

  it('rejects a non-finite deadline header', async () => {
    const p = await start();
    expect((await fetch(`${p.url}/internal/drain/start`, { method: 'POST', headers: { 'x-codex-lb-drain-deadline-monotonic': 'soon' } })).status).toBe(400);
  });

  it('codex-lb-proxy drain waits out the dwell and the in-flight stream, then exits 0', async () => {
    const p = await start();
    suite.fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 100 });
    const inFlight = post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'long', stream: true }).then((r) => r.text());
    await expect.poll(async () => (await json(await fetch(`${p.url}/internal/drain/status`))).checks).toMatchObject({ in_flight: '1' });
    const result = await drainCli(['--base-url', p.url, '--dwell-seconds', '0.2', '--timeout-seconds', '30']);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/drain: done after/);
    expect(await inFlight).toContain('event: response.completed');
  });

  it('codex-lb-proxy drain keeps serving new requests during its routing grace, then refuses them', async () => {
    const p = await start();
    const GRACE_SECONDS = 3;
    const spawned = Date.now();
    const hook = drainCli(['--base-url', p.url, '--grace-seconds', String(GRACE_SECONDS), '--dwell-seconds', '4', '--timeout-seconds', '10']);
    const served = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'routed here before the endpoints caught up' });
    expect(served.status).toBe(200);
    await served.text();
    await expect.poll(async () => (await fetch(`${p.url}/health/ready`)).status, { timeout: 15_000, interval: 100 }).toBe(503);
    expect(Date.now() - spawned).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    const refused = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'after the grace' });
    expect(refused.status).toBe(503);
    expect((await hook).code).toBe(0);
  }, 30_000);

  it('codex-lb-proxy drain gives up at the timeout, still exiting 0', async () => {
    const p = await start();
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders: true });
    void post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'stuck', stream: true }).catch(() => undefined);
    await expect.poll(async () => (await json(await fetch(`${p.url}/internal/drain/status`))).checks).toMatchObject({ in_flight: '1' });
    const result = await drainCli(['--base-url', p.url, '--dwell-seconds', '0', '--timeout-seconds', '0.5']);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/drain: timeout after 0.5s with 1 in flight/);
  });

  it('codex-lb-proxy drain exits 1 when the endpoint answers something that is not the drain protocol', async () => {
    const result = await drainCli(['--base-url', `${suite.fake.url}/backend-api`, '--dwell-seconds', '0', '--timeout-seconds', '1']);
    expect(result.code).toBe(1);
  });
});
