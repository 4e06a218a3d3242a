import type { FragoResponse } from '../../protocol.js';
import type { RouteTable } from '../route-table.js';
import { abortUpload } from './abort.js';
import { writeChunk } from './chunk.js';
import { finalizeUpload } from './finalize.js';
import { listUploads } from './list.js';
import { signParts } from './parts.js';
import type { RouteContext } from './route-context.js';
import { startUpload } from './start.js';
import { uploadStatus } from './status.js';

/** The handler of each method, on the collection (`/upload/`), on one upload (`/upload/:id/`) and on its parts (`/upload/:id/parts`). */
export const FRAGO_ROUTES: RouteTable<(context: RouteContext) => Promise<FragoResponse>> = {
  collection: { POST: startUpload, GET: listUploads },
  upload: { PUT: writeChunk, POST: finalizeUpload, GET: uploadStatus, DELETE: abortUpload },
  parts: { POST: signParts },
};
