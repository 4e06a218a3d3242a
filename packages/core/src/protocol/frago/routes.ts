import type { FragoResponse } from '../../protocol.js';
import { appendDraft, createDraftUpload, describeDraft, draftOffset, draftRoute, speaksDraft } from '../ietf/index.js';
import type { RouteTable } from '../route-table.js';
import { abortUpload } from './abort.js';
import { writeChunk } from './chunk.js';
import { finalizeUpload } from './finalize.js';
import { listUploads } from './list.js';
import { signParts } from './parts.js';
import type { RouteContext } from './route-context.js';
import { startUpload } from './start.js';
import { uploadStatus } from './status.js';

const createDraft = draftRoute(createDraftUpload);

/** `POST /upload/`: the draft's upload creation when it carries `Upload-Complete`, frago's JSON start otherwise. */
function startOrCreate(context: RouteContext): Promise<FragoResponse> {
  return speaksDraft(context.request.headers) ? createDraft(context) : startUpload(context);
}

/**
 * The handler of each method, on the collection (`/upload/`), on one upload
 * (`/upload/:id/`) and on its parts (`/upload/:id/parts`): frago's API, and the
 * resumable-upload draft's `HEAD`, `PATCH` and `OPTIONS` beside it.
 */
export const FRAGO_ROUTES: RouteTable<(context: RouteContext) => Promise<FragoResponse>> = {
  collection: { POST: startOrCreate, GET: listUploads, OPTIONS: draftRoute(describeDraft) },
  upload: {
    PUT: writeChunk,
    POST: finalizeUpload,
    GET: uploadStatus,
    DELETE: abortUpload,
    HEAD: draftRoute(draftOffset),
    PATCH: draftRoute(appendDraft),
    OPTIONS: draftRoute(describeDraft),
  },
  parts: { POST: signParts },
};
