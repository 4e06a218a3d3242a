import type { FragoResponse } from '../../protocol.js';
import { readFields } from './json-body.js';
import { parseSignParts } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';

/**
 * `POST /upload/:id/parts`: presigned URLs for parts of a direct upload, each bound to
 * its part's size (and MD5 when given); the client sends each part straight to the store.
 */
export async function signParts({ service, request, identity, id }: RouteContext): Promise<FragoResponse> {
  const fields = await readFields(request, service.limits.maxJsonBytes);
  const { parts, contentMd5 } = parseSignParts(fields);
  const signed = await service.signParts(identity, id, parts, contentMd5);
  return json(200, {
    status: true,
    upload_id: id,
    part_size: signed.partSize,
    part_count: signed.partCount,
    parts: signed.parts.map((part) => ({
      part: part.part,
      start: part.start,
      end: part.end,
      url: part.url,
      method: part.method,
      headers: part.headers,
      expires_at: part.expiresAt.toISOString(),
    })),
  });
}
