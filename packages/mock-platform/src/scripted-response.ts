import type { ServerResponse } from 'node:http';

import type { ScriptedResponse } from './platform.js';

/**
 * Sends a response chosen by the `respond` hook: a normal answer, a slow trickle, a hang-up or
 * a stall. Trickle timers are added to `timers` so closing the platform can cancel them.
 */
export function sendScripted(
  response: ServerResponse,
  scripted: ScriptedResponse,
  timers: Set<NodeJS.Timeout>,
): void {
  if (scripted.hangUp) {
    response.socket?.destroy();
    return;
  }
  if (scripted.stall) {
    // Leaving the response open is the point: the client must time out on its own.
    return;
  }

  const { payload, contentType } = encodeBody(scripted.body);
  const headers: Record<string, string> = { 'content-length': String(payload.length) };
  if (contentType !== undefined) {
    headers['content-type'] = contentType;
  }
  response.writeHead(scripted.status, { ...headers, ...scripted.headers });

  if (scripted.trickle === undefined) {
    response.end(payload);
    return;
  }
  trickle(response, payload, scripted.trickle, timers);
}

function encodeBody(body: ScriptedResponse['body']): { payload: Buffer; contentType?: string } {
  if (body === undefined) {
    return { payload: Buffer.alloc(0) };
  }
  if (Buffer.isBuffer(body)) {
    return { payload: body };
  }
  if (typeof body === 'string') {
    return { payload: Buffer.from(body), contentType: 'text/plain; charset=utf-8' };
  }
  return { payload: Buffer.from(JSON.stringify(body)), contentType: 'application/json' };
}

function trickle(
  response: ServerResponse,
  payload: Buffer,
  pace: { chunkBytes: number; intervalMs: number },
  timers: Set<NodeJS.Timeout>,
): void {
  const chunkBytes = Math.max(1, Math.floor(pace.chunkBytes));
  let offset = 0;

  const writeNext = (): void => {
    if (response.destroyed) {
      return;
    }
    const chunk = payload.subarray(offset, offset + chunkBytes);
    offset += chunk.length;
    if (offset >= payload.length) {
      response.end(chunk);
      return;
    }
    response.write(chunk);
    const timer = setTimeout(() => {
      timers.delete(timer);
      writeNext();
    }, pace.intervalMs);
    timers.add(timer);
  };
  writeNext();
}
