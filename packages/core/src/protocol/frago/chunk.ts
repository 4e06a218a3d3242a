import type { FragoResponse } from '../../protocol.js';
import { parseChunk } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';

/** `PUT /upload/:id/`: one chunk; 200 with its range, and whether it was a duplicate. */
export async function writeChunk({ service, request, identity, id }: RouteContext): Promise<FragoResponse> {
  const result = await service.writeChunk(identity, id, parseChunk(request));
  return json(200, {
    status: true,
    message: result.duplicate ? 'Chunk already received' : 'Chunk uploaded',
    upload_id: id,
    start: result.range.start,
    end: result.range.end,
    size: result.range.end - result.range.start + 1,
    duplicate: result.duplicate,
  });
}
