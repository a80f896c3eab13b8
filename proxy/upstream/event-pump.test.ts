import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { EventPump } from './event-pump.ts';
import { makeEvent, type ResponseEvent } from './events.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A source whose first read carries two events and whose second read waits until the test releases it. */
function heldSource(): { source: AsyncGenerator<readonly ResponseEvent[]>; release: () => void } {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  async function* source(): AsyncGenerator<readonly ResponseEvent[]> {
    yield [makeEvent({ type: 'response.created' }), makeEvent({ type: 'response.in_progress' })];
    await held;
    yield [makeEvent({ type: 'response.completed' })];
  }
  return { source: source(), release };
}

describe('EventPump', () => {
  it('keeps a pull that timed out and continues it on the next call', async () => {
    const seen: string[] = [];
    const { source, release } = heldSource();
    const pump = new EventPump(source, (e) => seen.push(e.type));
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.created' } });
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.in_progress' } });
    expect(await pump.next(1)).toEqual({ kind: 'timeout' });
    release();
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.completed' } });
    expect(await pump.next(1000)).toEqual({ kind: 'end' });
    expect(seen).toEqual(['response.created', 'response.in_progress', 'response.completed']);
  });

  it("lets go of a read's events once all were taken, while it waits for the next read", async () => {
    const { source, release } = heldSource();
    const pump = new EventPump(source);
    const take = async (): Promise<WeakRef<ResponseEvent>> => {
      const result = await pump.next(1000);
      if (result.kind !== 'event') throw new Error(`expected an event, got ${result.kind}`);
      return new WeakRef(result.event);
    };
    const taken = [await take(), await take()];
    expect(await pump.next(1)).toEqual({ kind: 'timeout' });
    collectGarbage();
    expect(taken.map((event) => event.deref())).toEqual([undefined, undefined]);
    release();
    pump.close();
  });

  it('hands out the events of one read without starting a timer for them', async () => {
    const { source } = heldSource();
    const pump = new EventPump(source);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    await pump.next(1000);
    const afterFirstRead = timers.mock.calls.length;
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.in_progress' } });
    expect(timers.mock.calls.length).toBe(afterFirstRead);
    timers.mockRestore();
    pump.close();
  });

  it('takes the rest of a read without waiting, and nothing once it is used up', async () => {
    const seen: string[] = [];
    const { source, release } = heldSource();
    const pump = new EventPump(source, (e) => seen.push(e.type));
    expect(pump.take()).toBeUndefined();
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.created' } });
    expect(pump.take()).toMatchObject({ type: 'response.in_progress' });
    expect(pump.take()).toBeUndefined();
    expect(seen).toEqual(['response.created', 'response.in_progress']);
    release();
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.completed' } });
  });

  it('reports a broken source as an end with its error, after the events it delivered', async () => {
    async function* broken(): AsyncGenerator<readonly ResponseEvent[]> {
      yield [makeEvent({ type: 'response.created' })];
      throw new Error('socket reset');
    }
    const pump = new EventPump(broken());
    expect(await pump.next(100)).toMatchObject({ kind: 'event' });
    const end = await pump.next(100);
    expect(end.kind).toBe('end');
    expect(end.kind === 'end' && (end.error as Error).message).toBe('socket reset');
    expect(await pump.next(100)).toEqual({ kind: 'end' });
  });

  it('ends at once after close, dropping events it had not handed out', async () => {
    const { source } = heldSource();
    const pump = new EventPump(source);
    await pump.next(1000);
    pump.close();
    expect(await pump.next(1000)).toEqual({ kind: 'end' });
  });
});
