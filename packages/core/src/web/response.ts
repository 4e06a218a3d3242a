import type { FragoResponse } from '../protocol.js';
import { isBodiless, responseText } from '../response-text.js';

/**
 * Builds the web `Response` for a {@link FragoResponse}, with its exact
 * `content-length`. When the request body was refused unread, the connection is closed
 * after the response (`connection: close`) rather than read to its end for nothing.
 */
export function toWebResponse(response: FragoResponse, options: { readonly bodyUnread?: boolean } = {}): Response {
  const { status, text } = responseText(response);
  const payload = new TextEncoder().encode(text);
  const headers = new Headers(response.headers);
  if (options.bodyUnread) headers.set('connection', 'close');
  if (isBodiless(status)) return new Response(null, { status, headers });
  headers.set('content-length', String(payload.byteLength));
  return new Response(payload, { status, headers });
}
