/**
 * `spec.envFrom` sources turn every key of a ConfigMap or Secret (plus an optional prefix) into a
 * variable, so admission cannot see which names they set. They are checked here, against the same
 * list the CRD's `env` rules use: a source that would override an operator-managed setting or set a
 * runtime switch stops the pass (Degraded, ManagedEnvOverride) instead of silently winning in the pod.
 */
import { forbiddenEnvName } from '../../api/managed-env.ts';
import type { CodexLB } from '../../api/crds.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { DegradedReason, type Problem } from '../conditions.ts';

export interface EnvSourceKeys {
  /** e.g. `envFrom[1] (ConfigMap "tuning")` */
  source: string;
  prefix: string;
  keys: readonly string[];
}

/** The first variable an envFrom source would set that it may not, or undefined. */
export function envFromProblem(sources: readonly EnvSourceKeys[]): Problem | undefined {
  for (const { source, prefix, keys } of sources) {
    for (const key of keys) {
      const name = `${prefix}${key}`;
      const why = forbiddenEnvName(name);
      if (why) return { reason: DegradedReason.ManagedEnvOverride, message: `spec.${source} would set ${name}, which it may not: ${why}` };
    }
  }
  return undefined;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** The keys of every envFrom source: Secrets' from the resolved Secrets, ConfigMaps' read here (missing ones have none). */
export async function envFromKeys(client: KubeClient, cr: CodexLB, secretKeys: ReadonlyMap<number, readonly string[]>): Promise<EnvSourceKeys[]> {
  const out: EnvSourceKeys[] = [];
  for (const [i, source] of (cr.spec.envFrom ?? []).entries()) {
    const prefix = source.prefix ?? '';
    if (source.secretRef) {
      out.push({ source: `envFrom[${i}] (Secret "${source.secretRef.name}")`, prefix, keys: secretKeys.get(i) ?? [] });
    } else if (source.configMapRef) {
      const cm = await client.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: cr.metadata.namespace, name: source.configMapRef.name });
      const keys = Object.keys({ ...cm?.data, ...cm?.binaryData });
      out.push({ source: `envFrom[${i}] (ConfigMap "${source.configMapRef.name}")`, prefix, keys });
    }
  }
  return out;
}
