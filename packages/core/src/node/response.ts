import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse, type FragoResponse } from '../protocol.js';

/**
 * Writes a {@link FragoResponse}. When the request body was not read to its end (a
 * chunk refused before its bytes were needed), the connection is closed after the
 * response instead of reading the rest of a body nobody wants.
 */
export function sendFragoResponse(req: IncomingMessage, res: ServerResponse, response: FragoResponse): void {
  if (res.headersSent || res.destroyed) return;
  const { status, payload } = serialise(response);
  res.statusCode = status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(payload));
  if (!req.complete) res.setHeader('connection', 'close');
  res.end(payload);
}

/** The response's JSON text; a body that cannot be serialised becomes a 500 that reveals nothing, never a framework's error page. */
function serialise(response: FragoResponse): { status: number; payload: string } {
  try {
    return { status: response.status, payload: JSON.stringify(response.body) };
  } catch (error) {
    const failure = errorResponse(error);
    return { status: failure.status, payload: JSON.stringify(failure.body) };
  }
}
