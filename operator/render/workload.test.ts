/** The pod template: scheduling and what each field of spec.scheduling / spec.podTemplate becomes. */
import { describe, expect, it } from 'vitest';
import { find, render, replicatedSpec } from './testing.ts';

const podSpec = (spec: Record<string, unknown>) => find(render(spec), 'StatefulSet', 'lb').spec.template.spec;
const ours = { matchLabels: { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': 'lb', 'app.kubernetes.io/component': 'server' } };

describe('topology spread constraints', () => {
  const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' };

  it('get the instance selector when theirs is missing or empty, which would count every pod in the namespace (defect 7)', () => {
    const constraints = podSpec({
      ...replicatedSpec,
      scheduling: { topologySpreadConstraints: [zone, { ...zone, labelSelector: { matchLabels: {} } }, { ...zone, labelSelector: {} }] },
    }).topologySpreadConstraints;
    expect(constraints).toEqual([1, 2, 3].map(() => ({ ...zone, labelSelector: ours })));
  });

  it('keep a selector that selects something', () => {
    const own = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] };
    const [constraint] = podSpec({ ...replicatedSpec, scheduling: { topologySpreadConstraints: [{ ...zone, labelSelector: own }] } }).topologySpreadConstraints;
    expect(constraint.labelSelector).toEqual(own);
  });
});
