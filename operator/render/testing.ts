/** Helpers for render tests: a CodexLB as admission would store it, rendered offline. */
import type { CodexLB } from '../api/crds.ts';
import { admitOffline } from '../api/defaults.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { renderCodexLB } from './codexlb.ts';
import type { Capabilities, RenderInput } from './input.ts';
import { offlineInput } from './offline.ts';

export function admitted(spec: Record<string, unknown>, name = 'lb'): CodexLB {
  return admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name, namespace: 'ns' }, spec } as unknown as CodexLB);
}

/** Everything the spec renders to, as the first reconcile would apply it (every optional API present). */
export function render(spec: Record<string, unknown>, override: Partial<RenderInput> = {}): KubeObject[] {
  return renderCodexLB({ ...offlineInput(admitted(spec), '1.2.3'), ...override });
}

export const replicatedSpec = {
  topology: { mode: 'Replicated', replicas: 3 },
  database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db', key: 'database-url' } } },
};

export const ids = (objects: KubeObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`);

// Rendered objects are plain JSON; tests read them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const find = (objects: KubeObject[], kind: string, name: string): any => objects.find((o) => o.kind === kind && o.metadata.name === name);

export const NO_OPTIONAL_APIS: Capabilities = { gatewayAPI: false, monitoring: false, externalSecrets: false, cloudNativePG: false };
