import { describe, expect, it } from 'vitest';
import { EventPump } from './event-pump.ts';
import { makeEvent, type ResponseEvent } from './events.ts';

/** A source that holds its second event until the test releases it. */
function heldSource(): { source: AsyncGenerator<ResponseEvent>; release: () => void } {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  async function* source(): AsyncGenerator<ResponseEvent> {
    yield makeEvent({ type: 'response.created' });
    await held;
    yield makeEvent({ type: 'response.completed' });
  }
  return { source: source(), release };
}

describe('EventPump', () => {
  it('keeps a pull that timed out and continues it on the next call', async () => {
    const seen: string[] = [];
    const { source, release } = heldSource();
    const pump = new EventPump(source, (e) => seen.push(e.type));
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.created' } });
    expect(await pump.next(1)).toEqual({ kind: 'timeout' });
    release();
    expect(await pump.next(1000)).toMatchObject({ kind: 'event', event: { type: 'response.completed' } });
    expect(await pump.next(1000)).toEqual({ kind: 'end' });
    expect(seen).toEqual(['response.created', 'response.completed']);
  });

  it('reports a broken source as an end with its error', async () => {
    async function* broken(): AsyncGenerator<ResponseEvent> {
      yield makeEvent({ type: 'response.created' });
      throw new Error('socket reset');
    }
    const pump = new EventPump(broken());
    await pump.next(100);
    const end = await pump.next(100);
    expect(end.kind).toBe('end');
    expect(end.kind === 'end' && (end.error as Error).message).toBe('socket reset');
  });
});
