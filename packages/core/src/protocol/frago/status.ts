import type { FragoResponse } from '../../protocol.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';
import { uploadStatusView } from './views.js';

/** `GET /upload/:id/`: the upload with its received, missing and in-flight ranges. */
export async function uploadStatus({ service, identity, id }: RouteContext): Promise<FragoResponse> {
  return json(200, uploadStatusView(await service.status(identity, id)));
}
