import { describe, expect, it, vi } from 'vitest';
import { reportSlow, run } from './process.ts';

describe('run', () => {
  it("returns a command's whole output, also what is still on its way when the command exits", async () => {
    // The shell exits at once; its output arrives later. Under load, a kubectl's own output can lag its exit the
    // same way (a `kubectl get -o json` once came back as "" and failed a test).
    expect(await run('sh', ['-c', '(sleep 0.3; echo late) & exit 0'])).toBe('late\n');
  });
});

describe('reportSlow', () => {
  it('names a step that is still running after a minute, and says nothing of a quick one', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await reportSlow('quick step', async () => undefined);
      let finish = (): void => undefined;
      const slow = reportSlow('stopping the kubelet', () => new Promise<void>((resolve) => (finish = resolve)));
      await vi.advanceTimersByTimeAsync(59_000);
      expect(warn).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(warn.mock.calls).toEqual([['stopping the kubelet: still running after 60 s']]);
      finish();
      await slow;
    } finally {
      warn.mockRestore();
      vi.useRealTimers();
    }
  });
});
