import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { series } from './series.ts';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Serves `chain` as one layer, then a final route that reports the trail; errors are answered with their message. */
async function get(chain: RequestHandler): Promise<{ status: number; body: string }> {
  const app = express();
  app.use((req, res, next) => {
    res.locals.trail = [];
    next();
  });
  app.use(chain);
  app.use((_req, res) => res.status(200).send(`reached after ${(res.locals.trail as string[]).join(',')}`));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => res.status(500).send(`error ${err.message} after ${(res.locals.trail as string[]).join(',')}`));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return { status: answer.status, body: await answer.text() };
}

const mark =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    (res.locals.trail as string[]).push(name);
    next();
  };

describe('series', () => {
  it('runs its handlers in order, then the layers after it', async () => {
    expect(await get(series(mark('a'), mark('b'), mark('c')))).toEqual({ status: 200, body: 'reached after a,b,c' });
    expect(await get(series())).toEqual({ status: 200, body: 'reached after ' });
  });

  it('waits for an async handler that calls next', async () => {
    const later: RequestHandler = async (_req, res, next) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      (res.locals.trail as string[]).push('async');
      next();
    };
    expect(await get(series(mark('a'), later, mark('b')))).toEqual({ status: 200, body: 'reached after a,async,b' });
  });

  it("takes next('route') as Express does for middleware: on to the next handler", async () => {
    const skip: RequestHandler = (_req, _res, next) => next('route');
    expect(await get(series(mark('a'), skip, mark('b')))).toEqual({ status: 200, body: 'reached after a,b' });
  });

  it('stops at a handler that answers', async () => {
    const answer: RequestHandler = (_req, res) => void res.status(204).end();
    expect((await get(series(mark('a'), answer, mark('b')))).status).toBe(204);
  });

  it('hands next(err), a throw and a rejected promise to the error handler, skipping the rest', async () => {
    const passes: RequestHandler = (_req, _res, next) => next(new Error('passed'));
    const throws: RequestHandler = () => {
      throw new Error('thrown');
    };
    const rejects: RequestHandler = async () => {
      await Promise.resolve();
      throw new Error('rejected');
    };
    expect(await get(series(mark('a'), passes, mark('b')))).toEqual({ status: 500, body: 'error passed after a' });
    expect(await get(series(mark('a'), throws, mark('b')))).toEqual({ status: 500, body: 'error thrown after a' });
    expect(await get(series(mark('a'), rejects, mark('b')))).toEqual({ status: 500, body: 'error rejected after a' });
  });
});
