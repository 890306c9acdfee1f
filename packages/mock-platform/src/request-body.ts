import type { IncomingMessage } from 'node:http';

/** The most a request body may hold; larger bodies are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request body read in full, or the news that it was too large to keep. */
export type RequestBody = { text: string; tooLarge: false } | { tooLarge: true };

/**
 * Reads a request body, keeping at most `limit` bytes. An oversized body is still read to the
 * end but discarded, so the client receives the 413 instead of a reset mid-upload.
 */
export function readRequestBody(
  request: IncomingMessage,
  limit = MAX_BODY_BYTES,
): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;

    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      if (received > limit) {
        resolve({ tooLarge: true });
        return;
      }
      resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: false });
    });
    request.on('error', reject);
  });
}
