/**
 * OpenTelemetry tracing (`CODEX_LB_OTEL_ENABLED`, `CODEX_LB_OTEL_EXPORTER_ENDPOINT`), with OpenTelemetry's own
 * SDK: spans are batched and exported over OTLP/HTTP to `<endpoint>/v1/traces`. The proxy opens one server span
 * per proxied request and one client span per upstream attempt inside it (http/middleware/tracing.ts,
 * compose.ts). Span attributes are route templates, methods, statuses, outcomes and request ids: never a
 * token, API key, prompt, header or client address.
 */
import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Spans of one request's async work find their parent through this (once per process). */
let contextManager: AsyncLocalStorageContextManager | undefined;

export function startTracing(options: { endpoint: string; instanceId: string; version: string }): Tracing {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'codex-lb', 'service.instance.id': options.instanceId, 'service.version': options.version }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  return { tracer: provider.getTracer('codex-lb-proxy', options.version), shutdown: () => provider.shutdown() };
}
