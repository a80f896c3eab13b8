/** `/backend-api/codex/v1/<rest>` is served as `/backend-api/codex/<rest>` (§1.1 BackendApiCodexV1AliasMiddleware). */
import type { NextFunction, Request, Response } from 'express';

const ALIAS_PREFIX = '/backend-api/codex/v1/';

export function rewriteCodexV1Alias(url: string): string {
  return url.startsWith(ALIAS_PREFIX) ? `/backend-api/codex/${url.slice(ALIAS_PREFIX.length)}` : url;
}

export function codexV1Alias(req: Request, _res: Response, next: NextFunction): void {
  req.url = rewriteCodexV1Alias(req.url);
  next();
}
