/** SSE framing of upstream events: `event: <type>` + one `data:` line of compact JSON + blank line (§2.5). */
import type { StreamEvent } from './transcripts.ts';

export function encodeSseEvent(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
