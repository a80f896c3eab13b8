/**
 * Before a replica publishes its advertise URL it checks that the URL reaches this very process
 * (reference/proxy-contract.md §11.2): `/health/live` answers with the process id. A URL that reaches
 * another codex-lb process (a copy-pasted pod name, the Service instead of the pod) would send that
 * replica's sessions the wrong way, so startup stops there. A URL that does not answer yet (per-pod DNS
 * still propagating, a pod outside the handoff Service) only warns: peers that cannot reach this replica
 * serve its sessions themselves when they can, and it serves the clients that reach it directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ADVERTISE_VARIABLE } from './advertise.ts';

export const PROCESS_HEADER = 'x-codex-lb-process-id';

export type ProbeVerdict =
  | { kind: 'self' }
  /** Another codex-lb process answered: the URL must not be published. */
  | { kind: 'other'; problem: string }
  /** Nothing that identifies itself answered within the time allowed. */
  | { kind: 'silent'; problem: string };

export async function probeAdvertised(endpoint: string, processId: string, options: { timeoutMs: number; intervalMs?: number }): Promise<ProbeVerdict> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/health/live`, { signal: AbortSignal.timeout(Math.max(1000, Math.min(5000, deadline - Date.now()))) });
      await response.body?.cancel();
      const answered = response.headers.get(PROCESS_HEADER);
      if (answered === processId) return { kind: 'self' };
      if (answered !== null) return { kind: 'other', problem: `${ADVERTISE_VARIABLE} ${endpoint} reaches another codex-lb process, not this one` };
      last = `HTTP ${response.status} without a codex-lb process id`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      return { kind: 'silent', problem: `${ADVERTISE_VARIABLE} ${endpoint} did not reach this replica within ${Math.round(options.timeoutMs / 1000)} s (${last})` };
    }
    await sleep(options.intervalMs ?? 1000);
  }
}
