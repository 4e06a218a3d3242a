import type { FragoResponse } from '../../protocol.js';
import type { RouteTable } from '../route-table.js';
import { abortUpload } from './abort.js';
import { writeChunk } from './chunk.js';
import { finalizeUpload } from './finalize.js';
import { listUploads } from './list.js';
import type { RouteContext } from './route-context.js';
import { startUpload } from './start.js';
import { uploadStatus } from './status.js';

/** The route of each method, on the collection (`/upload/`) and on one upload (`/upload/:id/`). */
export const FRAGO_ROUTES: RouteTable<(context: RouteContext) => Promise<FragoResponse>> = {
  collection: {
    POST: { operation: 'create', handler: startUpload },
    GET: { operation: 'list', handler: listUploads },
  },
  upload: {
    PUT: { operation: 'chunk', handler: writeChunk },
    POST: { operation: 'finalize', handler: finalizeUpload },
    GET: { operation: 'status', handler: uploadStatus },
    DELETE: { operation: 'abort', handler: abortUpload },
  },
};
