import type { FragoResponse } from './protocol.js';
import { errorResponse } from './protocol/frago/responses.js';

/**
 * The status and JSON text to send for `response`. A body that cannot be serialised
 * (a cycle, a BigInt a hook put in) becomes a 500 that reveals nothing, never a
 * framework's error page. Both edges write what this returns, so the guard holds on
 * every runtime.
 */
export function responseText(response: FragoResponse): { readonly status: number; readonly text: string } {
  try {
    if (response.body === undefined) return { status: response.status, text: '' };
    return { status: response.status, text: JSON.stringify(response.body) };
  } catch (error) {
    const failure = errorResponse(error);
    return { status: failure.status, text: JSON.stringify(failure.body) };
  }
}

/** True for a status that never has a body nor a `content-length` (RFC 9110 §8.6, §15.3.5). */
export function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
