import type { FragoResponse } from '../../protocol.js';
import { readFields } from './json-body.js';
import { parseFinalize } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';
import { completedView } from './views.js';

/** `POST /upload/:id/`: verifies and assembles; 201, or 200 when an earlier call completed it. */
export async function finalizeUpload({ service, request, identity, id }: RouteContext): Promise<FragoResponse> {
  const fields = await readFields(request, service.limits.maxJsonBytes);
  const result = await service.finalize(identity, id, parseFinalize(fields, service.checksumAlgorithms));
  return json(result.alreadyComplete ? 200 : 201, completedView(result));
}
