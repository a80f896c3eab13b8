/**
 * Splits a byte stream of newline-delimited JSON (a watch response) into parsed values. The bytes are decoded
 * as one UTF-8 stream: a character split across two network chunks must not become U+FFFD, or every cached
 * object holding it would differ from what the server stores (false drift, wrong text in status and events).
 */
export async function* jsonLines<T>(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder('utf-8');
  let buffered = '';
  const lines = function* (): Generator<T> {
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as T;
    }
  };
  for await (const chunk of chunks) {
    buffered += decoder.decode(chunk, { stream: true });
    yield* lines();
  }
  buffered += decoder.decode();
  buffered += '\n';
  yield* lines();
}
