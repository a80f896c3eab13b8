/**
 * Serves the built UI (proxy/dashboard/ui → `staticDir`): hashed files under `/assets/` cached for a year,
 * `index.html` for every other GET that is not an API, proxy, health or internal path (the React app routes on the
 * client), revalidated on each load so a new image's UI is picked up at once. Every page answer carries a strict
 * Content-Security-Policy: scripts only from this origin, no inline script, no framing — an injected `<script>` in an
 * alias or a logged user agent could not run even if the UI ever rendered it as HTML (it renders text only).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

/** Paths that never fall back to the UI (reference/proxy-contract.md §1.4 "SPA fallback"). */
const RESERVED = ['/api', '/v1', '/backend-api', '/health', '/internal'];

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function reserved(path: string): boolean {
  return RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export function uiRoutes(staticDir: string | undefined): Router {
  const router = Router();
  if (staticDir === undefined || !existsSync(join(staticDir, 'index.html'))) return router;
  const index = join(staticDir, 'index.html');
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!reserved(req.path)) res.set(PAGE_HEADERS);
    next();
  });
  router.use('/assets', express.static(join(staticDir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  router.use(express.static(staticDir, { index: false, maxAge: 0 }));
  router.get(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (reserved(req.path)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
