import type { FragoResponse } from '../../protocol.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/** `DELETE /files/:id` (termination): the upload is aborted; later requests on it answer 410. */
export async function terminateUpload({ service, identity, id }: TusContext): Promise<FragoResponse> {
  await service.abort(identity, id);
  return tusResponse(204);
}
