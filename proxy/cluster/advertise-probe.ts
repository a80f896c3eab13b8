/**
 * Before a replica publishes its advertise URL it checks that the URL reaches this very process
 * (reference/proxy-contract.md §11.2): `/health/live` answers with the process id, so a URL that points
 * at a sibling (a copy-pasted pod name, the Service instead of the pod) is caught at startup instead of
 * sending another replica's sessions the wrong way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ADVERTISE_VARIABLE } from './advertise.ts';

export const PROCESS_HEADER = 'x-codex-lb-process-id';

/** Undefined once `endpoint` answered as this process; otherwise why not, after `timeoutMs`. */
export async function probeAdvertised(endpoint: string, processId: string, options: { timeoutMs: number; intervalMs?: number }): Promise<string | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/health/live`, { signal: AbortSignal.timeout(Math.max(1000, Math.min(5000, deadline - Date.now()))) });
      await response.body?.cancel();
      const answered = response.headers.get(PROCESS_HEADER);
      if (answered === processId) return undefined;
      if (answered !== null) return `${ADVERTISE_VARIABLE} ${endpoint} reaches another codex-lb process, not this one`;
      last = `HTTP ${response.status} without a codex-lb process id`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) return `${ADVERTISE_VARIABLE} ${endpoint} did not reach this replica within ${Math.round(options.timeoutMs / 1000)} s (${last})`;
    await sleep(options.intervalMs ?? 1000);
  }
}
