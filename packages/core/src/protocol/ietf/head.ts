import type { FragoResponse } from '../../protocol.js';
import type { RouteContext } from '../frago/route-context.js';
import { offsetOf } from '../tus/offset.js';
import { interopVersion } from './fields.js';
import { uploadLimit } from './limits.js';
import { draftResponse, sfBoolean } from './responses.js';
import { INTEROP_VERSIONS } from './wire.js';

/** `HEAD /upload/:id/` (offset retrieval): where to resume, whether it is complete, its length and limits; never cached. */
export async function draftOffset({ service, request, identity, id }: RouteContext): Promise<FragoResponse> {
  const state = await service.status(identity, id);
  const { upload } = state;
  return draftResponse(204, {
    'upload-offset': String(offsetOf(state)),
    'upload-complete': sfBoolean(upload.status === 'complete'),
    // Left out while the size is not declared yet (an upload started through tus without one).
    'upload-length': upload.totalSize === null ? undefined : String(upload.totalSize),
    'upload-limit': uploadLimit(service, upload, interopVersion(request.headers, INTEROP_VERSIONS)),
  });
}
