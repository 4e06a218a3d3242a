import type { FragoResponse } from '../../protocol.js';
import type { RouteTable } from '../route-table.js';
import { createUpload } from './create.js';
import { uploadOffset } from './head.js';
import { describeServer } from './options.js';
import { appendUpload } from './patch.js';
import type { TusContext } from './route-context.js';
import { terminateUpload } from './terminate.js';

const options = { operation: 'options', handler: describeServer } as const;

/** The route of each method, on the collection (`/files/`) and on one upload (`/files/:id`). */
export const TUS_ROUTES: RouteTable<(context: TusContext) => Promise<FragoResponse>> = {
  collection: { OPTIONS: options, POST: { operation: 'create', handler: createUpload } },
  upload: {
    OPTIONS: options,
    HEAD: { operation: 'status', handler: uploadOffset },
    PATCH: { operation: 'chunk', handler: appendUpload },
    DELETE: { operation: 'abort', handler: terminateUpload },
  },
};
