import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { turnRoute } from './turn-route.ts';

const req = (): Request => ({ next: vi.fn() }) as unknown as Request;
const res = {} as Response;

describe('turnRoute', () => {
  it("hands Express nothing to hold: no promise back, and no way back into the chain from the request", async () => {
    let sawNext: unknown = 'not called';
    let finish: () => void = () => undefined;
    const request = req();
    const returned = turnRoute(
      (r) => {
        sawNext = r.next;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      vi.fn(),
    )(request, res, vi.fn());
    expect(returned).toBeUndefined();
    expect(sawNext).toBeUndefined();
    finish();
    await Promise.resolve();
  });

  it('answers what the turn throws, with the request and response it was for', async () => {
    const answerError = vi.fn();
    const request = req();
    const failure = new Error('no account can serve this');
    turnRoute(async () => Promise.reject(failure), answerError)(request, res, vi.fn());
    await vi.waitFor(() => expect(answerError).toHaveBeenCalledWith(failure, request, res));
  });
});
