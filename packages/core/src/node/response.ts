import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FragoResponse } from '../protocol.js';
import { isBodiless, responseText } from '../response-text.js';

/**
 * Writes a {@link FragoResponse}: the one Node response writer, shared by the plain
 * listener, Express and Fastify. Its exact `content-length` is set, a body that cannot
 * be serialised becomes a 500 that reveals nothing, and when the request body was not
 * read to its end (a chunk refused before its bytes were needed), the connection is
 * closed after the response instead of reading the rest of a body nobody wants.
 */
export function sendFragoResponse(req: IncomingMessage, res: ServerResponse, response: FragoResponse): void {
  if (res.headersSent || res.destroyed) return;
  const { status, text } = responseText(response);
  res.statusCode = status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (!req.complete) res.setHeader('connection', 'close');
  if (isBodiless(status)) {
    res.end();
    return;
  }
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
