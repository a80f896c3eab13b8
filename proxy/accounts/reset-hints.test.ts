import { describe, expect, it } from 'vitest';
import { resetAtFromHints, retryDelayFromMessage } from './reset-hints.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const epoch = (date: Date): number => date.getTime() / 1000;

describe('resetAtFromHints', () => {
  it('prefers resets_at', () => {
    const resetsAt = epoch(NOW) + 120;
    expect(resetAtFromHints({ resetsAt, resetsInSeconds: 5, message: 'try again in 1h' }, NOW)).toEqual(new Date(resetsAt * 1000));
  });

  it('uses resets_in_seconds next, rounded up to a second', () => {
    expect(resetAtFromHints({ resetsInSeconds: 1.2 }, NOW)).toEqual(new Date(NOW.getTime() + 2000));
  });

  it('reads a compound "try again in" hint last', () => {
    expect(resetAtFromHints({ message: 'Rate limit reached. Please try again in 6m0s.' }, NOW)).toEqual(new Date(NOW.getTime() + 360_000));
  });

  it('ignores resets in the past or more than 366 days away', () => {
    expect(resetAtFromHints({ resetsAt: epoch(NOW) - 10 }, NOW)).toBeNull();
    expect(resetAtFromHints({ resetsInSeconds: 367 * 86_400 }, NOW)).toBeNull();
    expect(resetAtFromHints({ resetsAt: epoch(NOW) - 10, resetsInSeconds: 30 }, NOW)).toEqual(new Date(NOW.getTime() + 30_000));
  });

  it('gives null without hints', () => {
    expect(resetAtFromHints({}, NOW)).toBeNull();
  });
});

describe('retryDelayFromMessage', () => {
  it.each([
    ['Please try again in 20s.', 20_000],
    ['try again in 1h2m3.5s', 3_723_500],
    ['Try again in 450ms', 450],
    ['Try again in 2d', 172_800_000],
    ['no hint here', null],
  ])('%j → %j ms', (message, expected) => {
    expect(retryDelayFromMessage(message)).toBe(expected);
  });
});
