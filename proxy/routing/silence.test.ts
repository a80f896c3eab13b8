import { describe, expect, it } from 'vitest';
import { nextSilenceCheck, silenceBounds, silenceVerdict } from './silence.ts';

const bounds = silenceBounds({ firstEventTimeoutMs: 20_000, idleTimeoutMs: 60_000, deadline: 100_000 }, 0);

describe('silence before an attempt’s first event', () => {
  it('is fine until a limit is reached, and is next looked at when the earliest limit falls', () => {
    expect(silenceVerdict(bounds, 19_999, 0)).toBeUndefined();
    expect(nextSilenceCheck(bounds, 0)).toBe(20_000);
  });

  it('past the first-event deadline is a stall (the account’s fault), even while vendor events kept it alive', () => {
    expect(silenceVerdict(bounds, 20_000, 19_000)).toMatchObject({ code: 'upstream_stalled', status: 502, message: expect.stringContaining('within 20s') as unknown });
  });

  it('an idle timeout shorter than the first-event deadline wins, and stays neutral', () => {
    const shortIdle = silenceBounds({ firstEventTimeoutMs: 20_000, idleTimeoutMs: 5_000, deadline: 100_000 }, 0);
    expect(nextSilenceCheck(shortIdle, 0)).toBe(5_000);
    expect(silenceVerdict(shortIdle, 5_000, 0)).toMatchObject({ code: 'stream_idle_timeout' });
  });

  it('the request budget wins over both when they fall together', () => {
    const tight = silenceBounds({ firstEventTimeoutMs: 20_000, idleTimeoutMs: 20_000, deadline: 20_000 }, 0);
    expect(silenceVerdict(tight, 20_000, 0)).toMatchObject({ code: 'upstream_request_timeout' });
  });
});
