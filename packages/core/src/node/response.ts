import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FragoResponse } from '../protocol.js';

/**
 * Writes a {@link FragoResponse}. When the request body was not read to its end (a
 * chunk refused before its bytes were needed), the connection is closed after the
 * response instead of reading the rest of a body nobody wants.
 */
export function sendFragoResponse(req: IncomingMessage, res: ServerResponse, response: FragoResponse): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(response.body);
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(payload));
  if (!req.complete) res.setHeader('connection', 'close');
  res.end(payload);
}
