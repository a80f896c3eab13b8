/**
 * `codex-lb-proxy drain --dwell-seconds D --timeout-seconds T` — the preStop hook (OPERATOR-CONTRACT.md):
 * keeps serving for the routing grace (the first min(D, --grace-seconds) seconds), then starts the drain on
 * the local proxy (readiness turns false, new requests get 503), then waits until D seconds have passed (so
 * endpoints controllers and load balancers stop sending traffic) and nothing is in flight, or until T seconds
 * have passed. Exits 0 — a pod must terminate anyway — except when the proxy answers with something that is
 * not the drain protocol (1).
 *
 * Why the grace (upstream's hook refuses at once): a terminating pod leaves a Service's endpoints only once the
 * endpoint-slice controller and every node's kube-proxy have caught up, and until then new connections still
 * reach it. Refusing those with 503 fails requests a rolling upgrade should not fail (seen in
 * test/e2e/real/replicated.test.ts on a loaded node); serving them costs nothing, as the drain that follows
 * waits for them like for any other request in flight.
 */
import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitWith } from './program.ts';
import { seconds } from './serve.ts';

const POLL_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;

interface DrainOptions {
  dwellSeconds: number;
  graceSeconds: number;
  timeoutSeconds: number;
  baseUrl: string;
}

export function drainCommand(): Command {
  return new Command('drain')
    .description('preStop hook: drain this pod’s proxy and wait for in-flight requests')
    .option('--dwell-seconds <n>', 'minimum time to keep draining (traffic routing catches up)', seconds, 15)
    .option('--grace-seconds <n>', 'serve new requests this long before refusing them (at most the dwell)', seconds, 5)
    .option('--timeout-seconds <n>', 'give up waiting after this long', seconds, 30)
    .option('--base-url <url>', 'the local proxy', `http://127.0.0.1:${process.env.PORT ?? '2455'}`)
    .action(exitWith((options: DrainOptions) => drain(options)));
}

type Checks = Record<string, string>;

class ProtocolError extends Error {}

async function call(url: string, init: RequestInit): Promise<Checks | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch {
    // Not listening (already gone, or not yet up): nothing to drain.
    return undefined;
  }
  const body: unknown = await response.json().catch(() => undefined);
  const checks = (body as { checks?: unknown } | undefined)?.checks;
  if (!response.ok || typeof checks !== 'object' || checks === null) {
    throw new ProtocolError(`unexpected answer from ${url}: HTTP ${response.status}`);
  }
  return checks as Checks;
}

async function drain(options: DrainOptions): Promise<number> {
  const started = Date.now();
  const dwellUntil = started + options.dwellSeconds * 1000;
  const deadline = started + options.timeoutSeconds * 1000;
  const monotonicDeadline = Number(process.hrtime.bigint()) / 1e9 + options.timeoutSeconds;
  await sleep(Math.min(options.graceSeconds, options.dwellSeconds, options.timeoutSeconds) * 1000);
  try {
    const begun = await call(`${options.baseUrl}/internal/drain/start`, {
      method: 'POST',
      headers: { 'x-codex-lb-drain-deadline-monotonic': monotonicDeadline.toFixed(6) },
    });
    if (begun === undefined) {
      console.error('drain: proxy not reachable; nothing to drain');
      return 0;
    }
    if (begun.draining !== 'true') throw new ProtocolError('proxy did not confirm draining');
    for (;;) {
      const status = await call(`${options.baseUrl}/internal/drain/status`, { method: 'GET' });
      const inFlight = status === undefined ? 0 : Number(status.in_flight);
      if (!Number.isFinite(inFlight)) throw new ProtocolError('in_flight is not a number');
      const now = Date.now();
      if (now >= deadline) {
        console.error(`drain: timeout after ${options.timeoutSeconds}s with ${inFlight} in flight`);
        return 0;
      }
      if (now >= dwellUntil && inFlight === 0) {
        console.error(`drain: done after ${((now - started) / 1000).toFixed(1)}s`);
        return 0;
      }
      await sleep(Math.min(POLL_MS, Math.max(0, deadline - now)));
    }
  } catch (err) {
    if (err instanceof ProtocolError) {
      console.error(`drain: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
