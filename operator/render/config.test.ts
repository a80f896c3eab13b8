/** The <name>-env ConfigMap: typed proxy tunables become the CODEX_LB_* variables of the same meaning. */
import { describe, expect, it } from 'vitest';
import { find, render, replicatedSpec } from './testing.ts';

const env = (spec: Record<string, unknown>) => find(render(spec), 'ConfigMap', 'lb-env').data as Record<string, string>;

describe('proxy tunables', () => {
  it("default to the official chart's values: 200 concurrent requests per pod, not unlimited", () => {
    expect(env({})).toMatchObject({
      CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS: '200',
      CODEX_LB_HTTP_CONNECTOR_LIMIT: '100',
      CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: '50',
      CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_IDLE_TTL_SECONDS: '120',
      CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS: '900',
      CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS: '256',
      CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT: '8',
      CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS: '1800',
      CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED: 'true',
    });
  });

  it('leave out prewarm, the static ring and tracing unless asked', () => {
    const data = env({});
    for (const name of ['CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_PREWARM_ENABLED', 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING', 'CODEX_LB_OTEL_ENABLED']) {
      expect(data[name], name).toBeUndefined();
    }
  });

  it('give the server (only: a migration Job is no ring member) a static ring of exactly the StatefulSet pod names', () => {
    const objects = render({ ...replicatedSpec, config: { sessionBridge: { staticRing: true } } });
    const ringOf = (container: { env: Array<{ name: string; value?: string }> }) =>
      container.env.find((e) => e.name === 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING')?.value;
    const pod = find(objects, 'StatefulSet', 'lb').spec.template.spec;
    expect(ringOf(pod.containers[0])).toBe('lb-0,lb-1,lb-2');
    expect(ringOf(pod.initContainers[0])).toBeUndefined();
    expect(ringOf((objects.find((o) => o.kind === 'Job') as any).spec.template.spec.containers[0])).toBeUndefined();
    expect(find(objects, 'ConfigMap', 'lb-env').data.CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING).toBeUndefined();
  });

  it('turn tracing on with its collector', () => {
    expect(env({ config: { tracing: { enabled: true, endpoint: 'http://otel.observability:4318' } } })).toMatchObject({
      CODEX_LB_OTEL_ENABLED: 'true',
      CODEX_LB_OTEL_EXPORTER_ENDPOINT: 'http://otel.observability:4318',
    });
  });
});
