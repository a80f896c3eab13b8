/**
 * The lifecycle the proxy suites share: one fake upstream per describe block (or file), and every
 * proxy a test starts closed after that test, when the fake's accounts, scripts and recorded
 * requests are reset too. Call it where you would write the hooks.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../../fakes/fake-upstream.ts';
import { startProxy, type ProxyUnderTest, type StartOptions } from './proxy-harness.ts';

export interface ProxySuite {
  /** This suite's fake upstream (started in beforeAll). */
  readonly fake: FakeUpstream;
  /** Starts a proxy against the fake; it is closed after the current test (closing it earlier is fine). */
  start(options?: Omit<StartOptions, 'fake'>): Promise<ProxyUnderTest>;
}

export function proxySuite(): ProxySuite {
  let fake: FakeUpstream | undefined;
  const started: ProxyUnderTest[] = [];
  beforeAll(async () => {
    fake = await startFakeUpstream();
  });
  afterAll(() => fake?.close());
  afterEach(async () => {
    for (const proxy of started.splice(0)) await proxy.close();
    fake?.reset();
  });
  const suite: ProxySuite = {
    get fake(): FakeUpstream {
      if (!fake) throw new Error('the fake upstream starts in beforeAll');
      return fake;
    },
    async start(options = {}) {
      const proxy = await startProxy({ ...options, fake: suite.fake });
      let closing: Promise<void> | undefined;
      const once: ProxyUnderTest = Object.assign(Object.create(proxy) as ProxyUnderTest, {
        close: () => (closing ??= proxy.close()),
      });
      started.push(once);
      return once;
    },
  };
  return suite;
}
