import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.ts';

describe('LoginLimiter', () => {
  it('refuses a client after maxFailures within the window until the oldest failure ages out', () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBe(0);
      limiter.failed('a');
      now += 1000;
    }
    expect(limiter.retryAfterSeconds('a')).toBe(57);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    now = 60_001;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });

  it('forgets a client\'s failures after a success', () => {
    const limiter = new LoginLimiter({ maxFailures: 1, now: () => 0 });
    limiter.failed('a');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    limiter.succeeded('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });
});
