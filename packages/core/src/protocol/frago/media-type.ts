import type { FragoRequest } from '../../protocol.js';

/** The request's media type, lowercase, without parameters; empty when it has none. */
export function mediaType(headers: FragoRequest['headers']): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
