/** ServiceAccount and Services: main, headless handoff, metrics, OAuth callback. */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { selectorLabels } from './labels.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';
import { HTTP_PORT, OAUTH_PORT } from './workload.ts';

export function renderServiceAccount(cr: CodexLB): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMeta(cr, names(cr.metadata.name).serviceAccount, 'server', { annotations: cr.spec.serviceAccount.annotations }),
    // The proxy never talks to the Kubernetes API.
    automountServiceAccountToken: false,
  };
}

export function renderServices(cr: CodexLB): KubeObject[] {
  const n = names(cr.metadata.name);
  const { spec } = cr;
  const selector = selectorLabels(cr.metadata.name);
  const services: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: childMeta(cr, n.service, 'server', { annotations: spec.service.annotations }),
      spec: {
        type: spec.service.type,
        ...(spec.service.loadBalancerIP ? { loadBalancerIP: spec.service.loadBalancerIP } : {}),
        ...(spec.service.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: spec.service.loadBalancerSourceRanges } : {}),
        selector,
        ports: [
          {
            name: 'http',
            port: spec.service.port,
            targetPort: 'http',
            protocol: 'TCP',
            appProtocol: 'http',
            ...(spec.service.nodePort ? { nodePort: spec.service.nodePort } : {}),
          },
        ],
      },
    },
    {
      // Pod DNS for owner forwarding: <pod>.<name>-handoff.<ns>.svc. Draining (NotReady) owners stay
      // resolvable so in-flight sessions can still be forwarded to them.
      apiVersion: 'v1',
      kind: 'Service',
      metadata: childMeta(cr, n.handoff, 'server'),
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ];
  if (spec.metrics.enabled) {
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: childMeta(cr, n.metrics, 'metrics'),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'metrics', port: spec.metrics.port, targetPort: 'metrics', protocol: 'TCP' }] },
    });
  }
  if (spec.oauth.callbackService.enabled) {
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: childMeta(cr, n.oauth, 'server'),
      spec: {
        type: spec.oauth.callbackService.type,
        selector,
        ports: [{ name: 'oauth', port: OAUTH_PORT, targetPort: 'oauth', protocol: 'TCP' }],
      },
    });
  }
  return services;
}
