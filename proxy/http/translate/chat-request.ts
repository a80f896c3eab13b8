/**
 * Chat Completions request → Responses request (reference/proxy-contract.md §3.1). Validation errors
 * are 400 `invalid_request_error` with the offending `param`. system/developer messages become input
 * messages here and are hoisted into `instructions` by the shared normalizer, so hoisting and the
 * derived prompt-cache key have exactly one implementation.
 */
import { invalidRequest } from '../../errors/catalogue.ts';
import { isObject, type JsonObject } from '../../upstream/events.ts';

export interface ChatTranslation {
  /** A Responses request, ready for normalizeResponsesRequest. */
  body: JsonObject;
  /** The client asked for SSE chunks rather than one JSON completion. */
  stream: boolean;
  /** `stream_options.include_usage`: a final chunk with `usage` and empty `choices`. */
  includeUsage: boolean;
  model: string;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const BUILTIN_TOOLS = new Set(['file_search', 'code_interpreter', 'computer_use', 'computer_use_preview', 'image_generation']);
/** Chat-only fields with no Responses meaning; temperature/top_p are dropped later by the normalizer. */
const DROPPED = new Set(['messages', 'store', 'n', 'max_tokens', 'max_completion_tokens', 'response_format', 'stream_options', 'functions', 'function_call']);

function textParts(content: unknown, param: string, partType: 'input_text' | 'output_text'): JsonObject[] {
  if (typeof content === 'string') return [{ type: partType, text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalidRequest('content must be a string or an array of parts', param);
  return content.map((part, i) => {
    if (isObject(part) && ['text', 'input_text', 'output_text'].includes(part.type as string) && typeof part.text === 'string') {
      return { type: partType, text: part.text };
    }
    throw invalidRequest('Only text content parts are supported for this role', `${param}[${i}]`);
  });
}

function userParts(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string' || content === null || content === undefined) return textParts(content, param, 'input_text');
  if (!Array.isArray(content)) throw invalidRequest('content must be a string or an array of parts', param);
  return content.map((part, i): JsonObject => {
    const where = `${param}[${i}]`;
    if (!isObject(part)) throw invalidRequest('content parts must be objects', where);
    switch (part.type) {
      case 'text':
      case 'input_text':
      case 'output_text':
        if (typeof part.text !== 'string') throw invalidRequest('text must be a string', `${where}.text`);
        return { type: 'input_text', text: part.text };
      case 'image_url': {
        const image = part.image_url;
        const url = isObject(image) ? image.url : image;
        if (typeof url !== 'string') throw invalidRequest('image_url.url must be a string', `${where}.image_url`);
        const detail = isObject(image) && typeof image.detail === 'string' ? { detail: image.detail } : {};
        return { type: 'input_image', image_url: url, ...detail };
      }
      case 'file': {
        if (!isObject(part.file)) throw invalidRequest('file must be an object', `${where}.file`);
        if (part.file.file_id !== undefined) throw invalidRequest('file_id is not supported', `${where}.file.file_id`);
        return { type: 'input_file', ...part.file };
      }
      case 'input_audio':
        throw invalidRequest('Audio input is not supported.', where);
      default:
        throw invalidRequest(`Unsupported content part type: ${String(part.type)}`, `${where}.type`);
    }
  });
}

function assistantItems(message: JsonObject, param: string): JsonObject[] {
  const items: JsonObject[] = [];
  const content = textParts(message.content, `${param}.content`, 'output_text');
  if (typeof message.refusal === 'string') content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length > 0) items.push({ role: 'assistant', content });
  const calls = message.tool_calls;
  if (calls === undefined || calls === null) return items;
  if (!Array.isArray(calls)) throw invalidRequest('tool_calls must be an array', `${param}.tool_calls`);
  calls.forEach((call, i) => {
    const where = `${param}.tool_calls[${i}]`;
    if (!isObject(call) || typeof call.id !== 'string' || call.id === '') throw invalidRequest('tool call id is required', `${where}.id`);
    const fn = call.function;
    if (!isObject(fn) || typeof fn.name !== 'string' || fn.name === '') throw invalidRequest('function.name is required', `${where}.function.name`);
    if (typeof fn.arguments !== 'string') throw invalidRequest('function.arguments must be a string', `${where}.function.arguments`);
    items.push({ type: 'function_call', call_id: call.id, name: fn.name, arguments: fn.arguments });
  });
  return items;
}

function toolOutput(message: JsonObject, param: string): JsonObject {
  const callId = message.tool_call_id ?? message.toolCallId ?? message.call_id;
  if (typeof callId !== 'string' || callId === '') throw invalidRequest('tool_call_id is required', `${param}.tool_call_id`);
  const output = textParts(message.content, `${param}.content`, 'input_text')
    .map((p) => p.text as string)
    .join('');
  return { type: 'function_call_output', call_id: callId, output };
}

/** Chat messages → Responses input items (system/developer stay messages; the normalizer hoists them). */
export function messagesToInput(messages: unknown): JsonObject[] {
  if (!Array.isArray(messages)) throw invalidRequest('messages must be an array', 'messages');
  const input: JsonObject[] = [];
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    if (!isObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      throw invalidRequest('Each message needs a role of system, developer, user, assistant or tool', `${param}.role`);
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        input.push({ role: message.role, content: textParts(message.content, `${param}.content`, 'input_text') });
        break;
      case 'user':
        input.push({ role: 'user', content: userParts(message.content, `${param}.content`) });
        break;
      case 'assistant':
        input.push(...assistantItems(message, param));
        break;
      case 'tool':
        input.push(toolOutput(message, param));
        break;
    }
  });
  return input;
}

function translateTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) throw invalidRequest('tools must be an array', 'tools');
  return tools.map((tool, i) => {
    if (!isObject(tool)) throw invalidRequest('tools must be objects', `tools[${i}]`);
    if (typeof tool.type === 'string' && (BUILTIN_TOOLS.has(tool.type) || tool.type.startsWith('computer_use'))) {
      throw invalidRequest(`Tool type ${tool.type} is not supported on chat completions`, `tools[${i}].type`);
    }
    if (tool.type === 'web_search_preview') return { ...tool, type: 'web_search' };
    if (tool.type !== 'function') return tool;
    const fn = tool.function;
    if (!isObject(fn) || typeof fn.name !== 'string') throw invalidRequest('function.name is required', `tools[${i}].function.name`);
    const flat: JsonObject = { type: 'function', name: fn.name };
    if (fn.description !== undefined) flat.description = fn.description;
    if (fn.parameters !== undefined) flat.parameters = fn.parameters;
    if (fn.strict !== undefined) flat.strict = fn.strict;
    return flat;
  });
}

function translateToolChoice(choice: unknown): unknown {
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function)) {
    return { type: 'function', name: choice.function.name };
  }
  return choice;
}

function translateResponseFormat(format: unknown, body: JsonObject): void {
  if (format === undefined || format === null) return;
  if (!isObject(format) || typeof format.type !== 'string') throw invalidRequest('response_format must be an object with a type', 'response_format');
  const text: JsonObject = isObject(body.text) ? { ...body.text } : {};
  if (text.format !== undefined) throw invalidRequest('response_format conflicts with text.format', 'response_format');
  if (format.type === 'json_schema') {
    const schema = isObject(format.json_schema) ? format.json_schema : {};
    text.format = { type: 'json_schema', schema: schema.schema, name: schema.name, strict: schema.strict };
  } else if (format.type === 'text' || format.type === 'json_object') {
    text.format = { type: format.type };
  } else {
    throw invalidRequest(`Unsupported response_format type: ${format.type}`, 'response_format.type');
  }
  body.text = text;
}

export function chatToResponses(raw: unknown): ChatTranslation {
  if (!isObject(raw)) throw invalidRequest('Invalid request payload: expected a JSON object');
  if (typeof raw.model !== 'string' || raw.model.trim() === '') throw invalidRequest('Missing required parameter: model', 'model');
  if (raw.n !== undefined && raw.n !== null && raw.n !== 1) throw invalidRequest('n must be 1', 'n');
  const streamOptions = isObject(raw.stream_options) ? raw.stream_options : {};
  const body: JsonObject = Object.fromEntries(Object.entries(raw).filter(([key]) => !DROPPED.has(key)));
  const hasMessages = Array.isArray(raw.messages) && raw.messages.length > 0;
  // A Responses-shaped body sent to the chat route passes through as a Responses request.
  if (hasMessages || raw.input === undefined) {
    if (raw.messages === undefined) throw invalidRequest('Missing required parameter: messages', 'messages');
    if (Array.isArray(raw.messages) && raw.messages.length === 0) throw invalidRequest('messages must not be empty', 'messages');
    body.input = messagesToInput(raw.messages);
  }
  translateResponseFormat(raw.response_format, body);
  if (raw.tools !== undefined) body.tools = translateTools(raw.tools);
  if (raw.tool_choice !== undefined) body.tool_choice = translateToolChoice(raw.tool_choice);
  if (streamOptions.include_obfuscation !== undefined) body.stream_options = { include_obfuscation: streamOptions.include_obfuscation };
  return { body, stream: raw.stream === true, includeUsage: streamOptions.include_usage === true, model: raw.model };
}
