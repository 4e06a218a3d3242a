import { isFragoClientError, plainCause } from '../index.js';

/**
 * Why a request failed, in a few words that fit on a progress line: `connection
 * refused`, `server error (HTTP 503)`, `no answer in time`. The client's messages are
 * sentences for logs; a user watching a retry needs the cause alone.
 */
export function shortReason(error: unknown): string {
  if (!isFragoClientError(error)) return plainCause(error);
  if (error.code === 'NETWORK') return plainCause(error.cause);
  if (error.code === 'TIMEOUT') return 'no answer in time';
  if (error.status === 429) return 'server busy (HTTP 429)';
  if (error.code === 'SERVER_ERROR') return `server error (HTTP ${error.status ?? '5xx'}${error.serverCode ? ` ${error.serverCode}` : ''})`;
  if (error.serverCode === 'RANGE_IN_FLIGHT') return 'chunk still arriving on the server';
  if (error.serverCode === 'UPLOAD_BUSY') return 'upload busy on the server';
  return error.message;
}
