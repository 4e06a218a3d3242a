import type { FragoResponse } from '../../protocol.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';

/** `DELETE /upload/:id/`: aborts the upload; later requests on it answer 410 `UPLOAD_ABORTED`. */
export async function abortUpload({ service, identity, id }: RouteContext): Promise<FragoResponse> {
  const upload = await service.abort(identity, id);
  return json(200, { status: true, message: `Upload aborted for ${upload.filename}`, upload_id: upload.id });
}
