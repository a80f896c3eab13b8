/**
 * The containers the operator renders and the environment each would see, for the contract tests of both
 * flavors (operator-proxy.test.ts, upstream-loader.test.ts).
 */
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: unknown; fieldRef?: { fieldPath: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

/**
 * The environment a container would see: envFrom ConfigMaps, then env with $(VAR) expansion; every Secret
 * reference reads as `secretValue` (the contract is about names and formats, not the Secrets' contents).
 */
export function containerEnv(container: Container, objects: KubeObject[], secretValue: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef?.name) as (KubeObject & { data: Record<string, string> }) | undefined;
    Object.assign(env, cm?.data);
  }
  const fields: Record<string, string> = { 'metadata.name': 'lb-0', 'metadata.namespace': 'ns', 'status.podIP': '10.1.2.3' };
  for (const v of container.env ?? []) {
    if (v.valueFrom?.secretKeyRef) env[v.name] = secretValue;
    else if (v.valueFrom?.fieldRef) env[v.name] = fields[v.valueFrom.fieldRef.fieldPath] ?? '';
    else env[v.name] = (v.value ?? '').replace(/\$\((\w+)\)/g, (_m, name: string) => env[name] ?? '');
  }
  return env;
}

/** Every init and main container of every pod template (StatefulSets, Deployments, Jobs). */
export function containers(objects: KubeObject[]): Container[] {
  return objects.flatMap((o) => {
    const pod = (o as { spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } }).spec?.template?.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
  });
}
