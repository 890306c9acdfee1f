import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

import { sendJson } from './json-response.js';
import type { KeyStore } from './key-store.js';

/** The path every gateway route lives under; `base_url` is the origin plus this. */
export const GATEWAY_PATH = '/litellm';

const MODELS = ['mock-gpt-4o-mini', 'mock-claude-haiku', 'mock-llama-3-8b'];

/** A request to the gateway with its body read. */
export interface GatewayRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Answers the OpenAI-compatible gateway the way LiteLLM does: chat completions at
 * `/chat/completions` and `/v1/chat/completions`, a model list at `/v1/models`, errors in
 * OpenAI's `{ error: { message, type, code } }` shape. Only keys the platform minted and that
 * have not expired or been rotated are accepted.
 */
export function answerGateway(
  request: GatewayRequest,
  response: ServerResponse,
  keys: KeyStore,
  now: () => number,
): void {
  const route = request.path.slice(GATEWAY_PATH.length);
  const isChat = route === '/chat/completions' || route === '/v1/chat/completions';
  const isModels = route === '/models' || route === '/v1/models';

  if (!isChat && !isModels) {
    sendOpenAiError(response, 404, `No route for ${request.path}`, 'not_found');
    return;
  }
  const expectedMethod = isChat ? 'POST' : 'GET';
  if (request.method !== expectedMethod) {
    const headers = { allow: expectedMethod };
    sendOpenAiError(response, 405, 'Method Not Allowed', 'method_not_allowed', headers);
    return;
  }

  const apiKey = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (apiKey === undefined || !keys.accepts(apiKey)) {
    const message = 'Authentication Error: invalid, expired or missing API key';
    sendOpenAiError(response, 401, message, 'invalid_api_key');
    return;
  }

  const created = Math.floor(now() / 1000);
  if (isModels) {
    const data = MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'mock-platform' }));
    sendJson(response, 200, { object: 'list', data });
    return;
  }
  answerChat(request.body, response, created);
}

function answerChat(rawBody: string, response: ServerResponse, created: number): void {
  const chat = readChatRequest(rawBody);
  if (typeof chat === 'string') {
    sendOpenAiError(response, 400, chat, 'invalid_request');
    return;
  }

  const content = `Mock reply to: ${lastUserText(chat.messages)}`;
  const promptTokens = countWords(chat.messages.map(messageText).join(' '));
  const completionTokens = countWords(content);
  sendJson(response, 200, {
    id: `chatcmpl-mock-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created,
    model: chat.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  });
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

/** The fields of a chat request the mock uses, or a one-line reason it cannot be answered. */
function readChatRequest(rawBody: string): { model: string; messages: ChatMessage[] } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return 'Request body is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return 'Request body must be a JSON object';
  }

  const { model, messages, stream } = parsed as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') {
    return 'model is required';
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    return 'messages must be a non-empty list';
  }
  // Limitation: no server-sent events; callers of the mock ask for whole completions.
  if (stream === true) {
    return 'stream=true is not supported by the mock gateway';
  }
  return { model, messages: messages.filter(isObject) };
}

function lastUserText(messages: ChatMessage[]): string {
  const lastUser = messages.findLast((message) => message.role === 'user');
  return lastUser === undefined ? '' : messageText(lastUser);
}

/** Text of a message whose content is a string or a list of `{ type: 'text', text }` parts. */
function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') {
    return message.content;
  }
  if (!Array.isArray(message.content)) {
    return '';
  }
  return message.content
    .filter(isObject)
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function sendOpenAiError(
  response: ServerResponse,
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error: { message, type: 'invalid_request_error', code } }, headers);
}
