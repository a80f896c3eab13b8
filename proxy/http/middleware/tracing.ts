/**
 * One server span per proxied request (when tracing is on): opened before anything else looks at the
 * request, so the upstream attempts made on its behalf become its children, and ended when the response
 * closes, with the route template and status (observability/tracing.ts says what spans may carry).
 */
import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import type { RequestContext } from '../request-context.ts';
import { routeLabel } from './metrics.ts';
import { whenClosed } from '../when-closed.ts';

export function requestSpans(tracer: Tracer | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!tracer) return next();
    const span = tracer.startSpan(req.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'codex_lb.request_id': (res.locals.ctx as RequestContext | undefined)?.requestId ?? '' },
    });
    whenClosed(res, () => {
      const route = routeLabel(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode, 'codex_lb.completed': res.writableFinished });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
