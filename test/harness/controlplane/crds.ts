/**
 * Waiting for CustomResourceDefinitions to serve. Not `kubectl wait --for=condition=Established`: right after
 * an apply a CRD may have no status.conditions yet, and kubectl wait then fails at once (".status.conditions
 * accessor error") instead of waiting — a flake seen in this suite and elsewhere.
 */
import { waitFor } from '../process.ts';

type Kubectl = (...args: string[]) => Promise<string>;
interface Crd {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export async function waitForCrds({ kubectl }: { kubectl: Kubectl }, names: string[], timeoutMs = 60_000): Promise<void> {
  const established = (crd: Crd): boolean => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  await waitFor(
    `CRDs established: ${names.join(', ')}`,
    async () => {
      const out = await kubectl('get', ...names.map((n) => `crd/${n}`), '-o', 'json').catch(() => undefined);
      if (out === undefined) return undefined;
      const parsed = JSON.parse(out) as Crd | { items: Crd[] };
      const crds = 'items' in parsed ? parsed.items : [parsed];
      return crds.length === names.length && crds.every(established) ? true : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
