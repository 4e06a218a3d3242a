import type { FragoResponse } from '../../protocol.js';
import { parseList } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';
import { uploadSummary } from './views.js';

/** `GET /upload/`: one page of the caller's uploads, newest first. */
export async function listUploads({ service, identity, search }: RouteContext): Promise<FragoResponse> {
  const page = await service.list(identity, parseList(search));
  return json(200, { status: true, uploads: page.uploads.map(uploadSummary), next_cursor: page.nextCursor });
}
