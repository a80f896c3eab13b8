/**
 * Minimal CRDs for the optional APIs the operator renders into (Gateway API routes, prometheus-operator
 * monitors, External Secrets Operator, CloudNativePG): enough for the API server to serve the kinds, with the
 * schema left open. The operator only needs them served; the real projects' schemas are not what these tests
 * are about (and their controllers do not run: tests play their part, e.g. write the Secret ESO would).
 */
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';

function openCrd(
  group: string,
  kind: string,
  plural: string,
  version: string,
  annotations?: Record<string, string>,
  scope: 'Namespaced' | 'Cluster' = 'Namespaced',
): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, ...(annotations ? { annotations } : {}) },
    spec: {
      group,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope,
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  } as KubeObject;
}

// *.k8s.io groups need the approval annotation the real Gateway API CRDs carry.
export const httpRouteCrd = openCrd('gateway.networking.k8s.io', 'HTTPRoute', 'httproutes', 'v1', {
  'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328',
});
export const serviceMonitorCrd = openCrd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors', 'v1');
export const prometheusRuleCrd = openCrd('monitoring.coreos.com', 'PrometheusRule', 'prometheusrules', 'v1');
export const externalSecretCrds = [
  openCrd('external-secrets.io', 'ExternalSecret', 'externalsecrets', 'v1'),
  openCrd('external-secrets.io', 'SecretStore', 'secretstores', 'v1'),
  openCrd('external-secrets.io', 'ClusterSecretStore', 'clustersecretstores', 'v1', undefined, 'Cluster'),
];
export const cloudNativePGCrd = openCrd('postgresql.cnpg.io', 'Cluster', 'clusters', 'v1');
