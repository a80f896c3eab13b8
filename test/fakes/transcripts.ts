/**
 * Event sequences of one Codex turn, built as plain objects (pure). Shapes follow the realistic
 * transcripts in proxy-contract §2.8 (A: text turn, B: function-call turn); notably the terminal
 * `response.completed` carries `output: []` as the live backend usually does, so the proxy has to
 * backfill from `response.output_item.done` (§2.5, §15.9).
 *
 * Order of a turn: response.created, response.in_progress, then each output item (an optional
 * reasoning item, then a message / function call / compaction item), then the terminal event.
 * `sequence_number` counts the `response.*` events from 0; vendor `codex.*` events carry none.
 */

export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseMeta {
  id: string;
  model: string;
  /** Epoch seconds. */
  createdAt: number;
  /** Reported on the terminal event (§8.2 actual_service_tier). */
  serviceTier: string;
}

export type OutputItem =
  | { type: 'reasoning'; id: string; summary: string[]; encryptedContent?: string }
  | { type: 'message'; id: string; text: string }
  | { type: 'function_call'; id: string; callId: string; name: string; arguments: string }
  | { type: 'compaction'; id: string; encryptedContent: string };

export type Ending = { type: 'completed' } | { type: 'incomplete'; reason: string };

export interface TurnSpec {
  meta: ResponseMeta;
  items: OutputItem[];
  usage: Usage;
  ending: Ending;
}

/** Splits text into word-sized deltas ("Echo from x" -> "Echo ", "from ", "x"); concatenation is lossless. */
export function chunkText(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Function-call arguments stream in small fragments, like tokens. */
export function chunkArguments(args: string, size = 8): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < args.length; i += size) chunks.push(args.slice(i, i + size));
  return chunks;
}

function responseObject(meta: ResponseMeta, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: meta.id, object: 'response', created_at: meta.createdAt, status, model: meta.model, output: [], ...extra };
}

/** The whole turn, terminal event included, with sequence numbers assigned. */
export function buildTurn(spec: TurnSpec): StreamEvent[] {
  const events: StreamEvent[] = [
    { type: 'response.created', response: responseObject(spec.meta, 'in_progress') },
    { type: 'response.in_progress', response: responseObject(spec.meta, 'in_progress') },
  ];
  const finalStatus = spec.ending.type === 'completed' ? 'completed' : 'incomplete';
  spec.items.forEach((item, outputIndex) => events.push(...itemEvents(item, outputIndex, finalStatus)));
  events.push(terminalEvent(spec));
  return numbered(events);
}

/** Re-numbers `response.*` events from 0, after a sequence has been cut or extended. */
export function numbered(events: readonly StreamEvent[]): StreamEvent[] {
  let next = 0;
  return events.map((event) => {
    if (!event.type.startsWith('response.')) return event;
    const { type, sequence_number: _drop, ...rest } = event;
    return { type, sequence_number: next++, ...rest };
  });
}

function terminalEvent(spec: TurnSpec): StreamEvent {
  const common = { service_tier: spec.meta.serviceTier, usage: spec.usage, error: null };
  if (spec.ending.type === 'completed') {
    return { type: 'response.completed', response: responseObject(spec.meta, 'completed', { ...common, incomplete_details: null }) };
  }
  return {
    type: 'response.incomplete',
    response: responseObject(spec.meta, 'incomplete', { ...common, incomplete_details: { reason: spec.ending.reason } }),
  };
}

/** `response.failed` as the backend sends it mid-stream (§2.5). */
export function failedEvent(meta: ResponseMeta, error: { code: string; message: string }): StreamEvent {
  return {
    type: 'response.failed',
    response: responseObject(meta, 'failed', { error, incomplete_details: null, usage: null }),
  };
}

function itemEvents(item: OutputItem, outputIndex: number, finalStatus: string): StreamEvent[] {
  const at = { output_index: outputIndex };
  switch (item.type) {
    case 'reasoning':
      return reasoningEvents(item, at);
    case 'message':
      return messageEvents(item, at, finalStatus);
    case 'function_call':
      return functionCallEvents(item, at);
    case 'compaction':
      return [
        { type: 'response.output_item.added', ...at, item: { id: item.id, type: 'compaction' } },
        { type: 'response.output_item.done', ...at, item: { id: item.id, type: 'compaction', encrypted_content: item.encryptedContent } },
      ];
  }
}

function reasoningEvents(item: Extract<OutputItem, { type: 'reasoning' }>, at: { output_index: number }): StreamEvent[] {
  const events: StreamEvent[] = [{ type: 'response.output_item.added', ...at, item: { id: item.id, type: 'reasoning', summary: [] } }];
  item.summary.forEach((text, summaryIndex) => {
    const part = { ...at, item_id: item.id, summary_index: summaryIndex };
    events.push({ type: 'response.reasoning_summary_part.added', ...part, part: { type: 'summary_text', text: '' } });
    for (const delta of chunkText(text)) events.push({ type: 'response.reasoning_summary_text.delta', ...part, delta });
    events.push({ type: 'response.reasoning_summary_text.done', ...part, text });
    events.push({ type: 'response.reasoning_summary_part.done', ...part, part: { type: 'summary_text', text } });
  });
  const done: Record<string, unknown> = { id: item.id, type: 'reasoning', summary: item.summary.map((text) => ({ type: 'summary_text', text })) };
  if (item.encryptedContent !== undefined) done.encrypted_content = item.encryptedContent;
  events.push({ type: 'response.output_item.done', ...at, item: done });
  return events;
}

function messageEvents(item: Extract<OutputItem, { type: 'message' }>, at: { output_index: number }, finalStatus: string): StreamEvent[] {
  const part = { ...at, content_index: 0, item_id: item.id };
  const message = { id: item.id, type: 'message', role: 'assistant' };
  return [
    { type: 'response.output_item.added', ...at, item: { ...message, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...part, part: { type: 'output_text', text: '' } },
    ...chunkText(item.text).map((delta) => ({ type: 'response.output_text.delta', ...part, delta, logprobs: [] })),
    { type: 'response.output_text.done', ...part, text: item.text, logprobs: [] },
    { type: 'response.content_part.done', ...part, part: { type: 'output_text', text: item.text } },
    { type: 'response.output_item.done', ...at, item: { ...message, status: finalStatus, content: [{ type: 'output_text', text: item.text }] } },
  ];
}

function functionCallEvents(item: Extract<OutputItem, { type: 'function_call' }>, at: { output_index: number }): StreamEvent[] {
  const call = { id: item.id, type: 'function_call', call_id: item.callId, name: item.name };
  return [
    { type: 'response.output_item.added', ...at, item: { ...call, status: 'in_progress', arguments: '' } },
    ...chunkArguments(item.arguments).map((delta) => ({ type: 'response.function_call_arguments.delta', ...at, item_id: item.id, delta })),
    { type: 'response.function_call_arguments.done', ...at, item_id: item.id, arguments: item.arguments },
    { type: 'response.output_item.done', ...at, item: { ...call, status: 'completed', arguments: item.arguments } },
  ];
}
