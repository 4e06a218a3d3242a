import type { FragoResponse } from '../../protocol.js';
import type { RouteContext } from '../frago/route-context.js';
import { interopVersion } from './fields.js';
import { uploadLimit } from './limits.js';
import { draftResponse } from './responses.js';
import { INTEROP_VERSIONS, PARTIAL_UPLOAD } from './wire.js';

/** `OPTIONS` on `/upload/` and `/upload/:id/`: that appends take `application/partial-upload`, and the limits. */
export async function describeDraft({ service, request }: RouteContext): Promise<FragoResponse> {
  return draftResponse(204, {
    'accept-patch': PARTIAL_UPLOAD,
    'upload-limit': uploadLimit(service, null, interopVersion(request.headers, INTEROP_VERSIONS)),
  });
}
