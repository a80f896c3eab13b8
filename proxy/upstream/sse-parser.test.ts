import { describe, expect, it } from 'vitest';
import { SseEventTooLargeError, SseParser, type SseMessage } from './sse-parser.ts';

function parseInChunks(input: Buffer, cuts: number[]): SseMessage[] {
  const parser = new SseParser({ maxEventBytes: 1 << 20 });
  const out: SseMessage[] = [];
  let start = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(...parser.push(input.subarray(start, cut)));
    start = cut;
  }
  out.push(...parser.finish());
  return out;
}

function byteByByte(input: Buffer): SseMessage[] {
  return parseInChunks(input, Array.from({ length: input.length }, (_, i) => i));
}

const transcript = Buffer.from(
  'event: response.created\ndata: {"type":"response.created"}\n\n' +
    ': keepalive\n\n' +
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"héllo 👋"}\n\n',
);
const expected: SseMessage[] = [
  { event: 'response.created', data: '{"type":"response.created"}', id: undefined },
  { event: 'response.output_text.delta', data: '{"type":"response.output_text.delta","delta":"héllo 👋"}', id: undefined },
];

describe('SseParser', () => {
  it('parses events and skips comments', () => {
    expect(parseInChunks(transcript, [])).toEqual(expected);
  });

  it('gives the same events when fed one byte at a time, splitting UTF-8 characters', () => {
    expect(byteByByte(transcript)).toEqual(expected);
  });

  it('gives the same events for any random chunking', () => {
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from({ length: 1 + (round % 7) }, () => Math.floor(Math.random() * transcript.length)).sort(
        (a, b) => a - b,
      );
      expect(parseInChunks(transcript, cuts)).toEqual(expected);
    }
  });

  it('accepts CRLF and bare CR line endings, even with CR and LF in different chunks', () => {
    const crlf = Buffer.from(transcript.toString('utf8').replaceAll('\n', '\r\n'));
    const cr = Buffer.from(transcript.toString('utf8').replaceAll('\n', '\r'));
    expect(byteByByte(crlf)).toEqual(expected);
    expect(byteByByte(cr)).toEqual(expected);
    expect(parseInChunks(crlf, [])).toEqual(expected);
  });

  it('strips a leading byte order mark', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), transcript]);
    expect(byteByByte(withBom)).toEqual(expected);
  });

  it('joins multi-line data with newlines and keeps the id field', () => {
    const input = Buffer.from('id: 7\ndata: first\ndata:second\n\n');
    expect(parseInChunks(input, [])).toEqual([{ event: undefined, data: 'first\nsecond', id: '7' }]);
  });

  it('delivers a final event whose blank line never arrived', () => {
    const input = Buffer.from('event: response.completed\ndata: {"type":"response.completed"}');
    expect(parseInChunks(input, [10])).toEqual([
      { event: 'response.completed', data: '{"type":"response.completed"}', id: undefined },
    ]);
  });

  it('ignores blocks without data', () => {
    expect(parseInChunks(Buffer.from('event: ping\n\nretry: 10\n\n'), [])).toEqual([]);
  });

  it('rejects an event larger than the cap, even before its line ends', () => {
    const parser = new SseParser({ maxEventBytes: 64 });
    expect(() => parser.push(Buffer.from(`data: ${'x'.repeat(100)}`))).toThrow(SseEventTooLargeError);
    const multiLine = new SseParser({ maxEventBytes: 64 });
    expect(() => multiLine.push(Buffer.from(`data: ${'x'.repeat(40)}\ndata: ${'y'.repeat(40)}\n`))).toThrow(
      SseEventTooLargeError,
    );
  });

  it('parses an 8 MiB event delivered in 16 KiB chunks', () => {
    const big = Buffer.from(`data: "${'a'.repeat(8 << 20)}"\n\n`);
    const parser = new SseParser({ maxEventBytes: 16 << 20 });
    const out: SseMessage[] = [];
    for (let i = 0; i < big.length; i += 16 * 1024) out.push(...parser.push(big.subarray(i, i + 16 * 1024)));
    expect(out).toHaveLength(1);
    expect(out[0]?.data.length).toBe((8 << 20) + 2);
  });
});
