/**
 * Client Responses request → the body the Codex backend accepts (reference/proxy-contract.md §2.3,
 * trap 4). The backend rejects `store:true`, sampling knobs and output caps, wants `instructions`
 * and a streamed response, and must not see a synthesized `tools: []`. Client tool objects and any
 * field we do not know are forwarded untouched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { invalidRequest } from '../errors/catalogue.ts';
import { isObject, type JsonObject } from './events.ts';

export type RequestRoute =
  /** `/backend-api/codex/*`: Codex-native clients; session-header affinity. */
  | 'codex'
  /** `/v1/*`: OpenAI SDK clients; prompt-cache affinity with a derived key. */
  | 'openai';

export interface NormalizeOptions {
  route: RequestRoute;
  /** Inject a derived `prompt_cache_key` when the client sent none (OpenAI routes). */
  deriveCacheKey: boolean;
  apiKeyId?: string;
}

const ALLOWED_INCLUDES = new Set([
  'code_interpreter_call.outputs',
  'computer_call_output.output.image_url',
  'file_search_call.results',
  'message.input_image.image_url',
  'message.output_text.logprobs',
  'reasoning.encrypted_content',
  'web_search_call.action.sources',
]);

/**
 * Fields the Codex backend rejects ("Unsupported parameter: …") or ignores, plus alias keys already
 * mapped to their canonical place; removed before forwarding. The sampling knobs chat clients send
 * (seed, penalties, top_logprobs) are rejected by the live backend too.
 */
const STRIPPED_FIELDS: ReadonlySet<string> = new Set([
  'max_output_tokens',
  'max_tokens',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'top_logprobs',
  'context_management',
  'metadata',
  'prompt_cache_retention',
  'safety_identifier',
  'temperature',
  'top_p',
  'truncation',
  'user',
  'prompt_cache_options',
  'promptCacheKey',
  'reasoningEffort',
  'reasoning_effort',
  'reasoningSummary',
  'thinking',
  'enable_thinking',
  'textVerbosity',
  'verbosity',
  'messages',
]);

const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];
const EFFORT_SUFFIX = new RegExp(`^(gpt-5[\\w.-]*?)-(${REASONING_EFFORTS.join('|')})$`);

function textOfContent(content: unknown): { text: string[]; rest: unknown[] } {
  if (typeof content === 'string') return { text: [content], rest: [] };
  const text: string[] = [];
  const rest: unknown[] = [];
  if (Array.isArray(content)) {
    for (const part of content) {
      if (isObject(part) && typeof part.text === 'string' && (part.type === 'input_text' || part.type === 'text' || part.type === 'output_text')) {
        text.push(part.text);
      } else {
        rest.push(part);
      }
    }
  }
  return { text, rest };
}

function isInstructionMessage(item: unknown): item is JsonObject {
  return isObject(item) && (item.role === 'system' || item.role === 'developer') && (item.type === undefined || item.type === 'message');
}

function hasAdditionalTools(input: readonly unknown[]): boolean {
  return input.some((item) => isObject(item) && item.type === 'additional_tools');
}

/**
 * system/developer messages go into `instructions` (joined with "\n", after any explicit ones);
 * their non-text parts survive as a user message. Returns the hoisted text for cache-key derivation.
 */
function hoistInstructions(body: JsonObject, input: unknown[]): string {
  const hoisted: string[] = [];
  const kept: unknown[] = [];
  for (const item of input) {
    if (!isInstructionMessage(item)) {
      kept.push(item);
      continue;
    }
    const { text, rest } = textOfContent(item.content);
    hoisted.push(...text);
    if (rest.length > 0) kept.push({ role: 'user', content: rest });
  }
  if (hoisted.length > 0) {
    const existing = typeof body.instructions === 'string' && body.instructions.length > 0 ? [body.instructions] : [];
    body.instructions = [...existing, ...hoisted].join('\n');
    body.input = kept;
  }
  return hoisted.join('\n');
}

function normalizeInput(raw: JsonObject): unknown[] {
  const input = raw.input;
  if (typeof input === 'string') {
    return [{ role: 'user', content: [{ type: 'input_text', text: input }] }];
  }
  if (Array.isArray(input)) return input;
  if (input === undefined) throw invalidRequest('Missing required parameter: input', 'input');
  throw invalidRequest('input must be a string or an array of input items', 'input');
}

/** Reads alias keys from the client body `raw` into their canonical places in `body`. */
function applyAliases(raw: JsonObject, body: JsonObject): void {
  if (body.prompt_cache_key === undefined && typeof raw.promptCacheKey === 'string') body.prompt_cache_key = raw.promptCacheKey;
  const reasoning: JsonObject = isObject(body.reasoning) ? { ...body.reasoning } : {};
  const effort = raw.reasoningEffort ?? raw.reasoning_effort;
  if (reasoning.effort === undefined && typeof effort === 'string') reasoning.effort = effort;
  if (reasoning.summary === undefined && typeof raw.reasoningSummary === 'string') reasoning.summary = raw.reasoningSummary;
  const thinking = raw.thinking ?? raw.enable_thinking;
  if (reasoning.effort === undefined && (thinking === true || thinking === 'enabled')) reasoning.effort = 'medium';
  if (Object.keys(reasoning).length > 0) body.reasoning = reasoning;
  const verbosity = raw.textVerbosity ?? raw.verbosity;
  if (typeof verbosity === 'string') {
    const text: JsonObject = isObject(body.text) ? { ...body.text } : {};
    if (text.verbosity === undefined) text.verbosity = verbosity;
    body.text = text;
  }
}

/** `gpt-5.4-mini-high` → model `gpt-5.4-mini` + effort `high`; `-fast` → priority tier. */
function applyModelAlias(body: JsonObject): void {
  let model = body.model as string;
  if (model.endsWith('-fast') && model.startsWith('gpt-5')) {
    model = model.slice(0, -'-fast'.length);
    body.service_tier = 'priority';
  }
  const match = EFFORT_SUFFIX.exec(model);
  if (match?.[1] && match[2]) {
    model = match[1];
    const reasoning: JsonObject = isObject(body.reasoning) ? { ...body.reasoning } : {};
    reasoning.effort = match[2];
    body.reasoning = reasoning;
  }
  body.model = model;
  if (body.service_tier === 'fast') body.service_tier = 'priority';
}

function validateInclude(include: unknown): void {
  if (include === undefined) return;
  if (!Array.isArray(include)) throw invalidRequest('include must be an array', 'include');
  for (const value of include) {
    if (typeof value !== 'string' || !ALLOWED_INCLUDES.has(value)) {
      throw invalidRequest(`Unsupported include value: ${String(value)}`, 'include');
    }
  }
}

function renameLegacyTools(tools: unknown): unknown {
  if (!Array.isArray(tools)) return tools;
  if (!tools.some((t) => isObject(t) && t.type === 'web_search_preview')) return tools;
  return tools.map((t) => (isObject(t) && t.type === 'web_search_preview' ? { ...t, type: 'web_search' } : t));
}

function firstUserText(input: readonly unknown[]): string {
  for (const item of input) {
    if (isObject(item) && item.role === 'user') {
      const { text } = textOfContent(item.content);
      if (text.length > 0) return text.join('\n');
    }
  }
  return '';
}

const short = (value: string): string => createHash('sha256').update(value.slice(0, 512)).digest('hex').slice(0, 12);

/**
 * A stable prompt-cache key for clients that send none, so requests sharing a prefix (same key,
 * instructions, system prompt, opening user turn) land on the same account and hit its cache.
 */
export function derivePromptCacheKey(parts: { model: string; apiKeyId?: string; instructions: string; systemText: string; firstUserText: string }): string {
  const cls = parts.model.includes('codex') ? 'codex' : parts.model.includes('mini') ? 'mini' : 'std';
  const segments: string[] = [];
  if (parts.apiKeyId) segments.push(parts.apiKeyId.slice(0, 12));
  if (parts.instructions) segments.push(short(parts.instructions));
  if (parts.systemText) segments.push(short(parts.systemText));
  if (parts.firstUserText) segments.push(short(parts.firstUserText));
  if (segments.length === 0) return `${cls}-${randomBytes(12).toString('hex')}`;
  return [cls, ...segments].join('-');
}

export function normalizeResponsesRequest(raw: unknown, options: NormalizeOptions): JsonObject {
  if (!isObject(raw)) throw invalidRequest('Invalid request payload: expected a JSON object');
  if (typeof raw.model !== 'string' || raw.model.trim() === '') {
    throw invalidRequest('Missing required parameter: model', 'model');
  }
  if (raw.instructions !== undefined && raw.instructions !== null && typeof raw.instructions !== 'string') {
    throw invalidRequest('instructions must be a string', 'instructions');
  }
  validateInclude(raw.include);
  if (raw.conversation !== undefined && raw.conversation !== null && raw.previous_response_id) {
    throw invalidRequest('conversation and previous_response_id cannot be used together', 'previous_response_id');
  }
  if (raw.truncation !== undefined && raw.truncation !== 'auto' && raw.truncation !== 'disabled') {
    throw invalidRequest("truncation must be 'auto' or 'disabled'", 'truncation');
  }
  const input = normalizeInput(raw);
  const originalInstructions = typeof raw.instructions === 'string' ? raw.instructions : '';

  const body: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) if (!STRIPPED_FIELDS.has(key)) body[key] = value;
  body.instructions = originalInstructions;
  body.input = input;
  const lite = hasAdditionalTools(input);
  const systemText = lite ? '' : hoistInstructions(body, input);

  const previous = typeof raw.previous_response_id === 'string' ? raw.previous_response_id.trim() : '';
  if (previous === '') delete body.previous_response_id;
  else body.previous_response_id = previous;
  applyAliases(raw, body);
  applyModelAlias(body);
  if (body.tools !== undefined) body.tools = renameLegacyTools(body.tools);
  if (lite) {
    const reasoning: JsonObject = isObject(body.reasoning) ? { ...body.reasoning } : {};
    reasoning.context = 'all_turns';
    body.reasoning = reasoning;
  }
  body.store = false;
  body.stream = true;

  if (options.deriveCacheKey && (typeof body.prompt_cache_key !== 'string' || body.prompt_cache_key === '')) {
    body.prompt_cache_key = derivePromptCacheKey({
      model: body.model as string,
      apiKeyId: options.apiKeyId,
      instructions: originalInstructions,
      systemText,
      firstUserText: firstUserText(input),
    });
  }
  return body;
}

/** Per-account fields, set on each attempt: the account's installation id travels in client_metadata (§2.2 step 8). */
export function withInstallationId(body: JsonObject, installationId: string | undefined): JsonObject {
  if (!installationId) return body;
  const metadata: JsonObject = isObject(body.client_metadata) ? { ...body.client_metadata } : {};
  metadata['x-codex-installation-id'] = installationId;
  return { ...body, client_metadata: metadata };
}

/** Whether the request carries state only its owning account can read (trap 2). */
export function carriesEncryptedReasoning(body: JsonObject): boolean {
  const input = body.input;
  return Array.isArray(input) && input.some((item) => isObject(item) && item.type === 'reasoning' && typeof item.encrypted_content === 'string');
}
