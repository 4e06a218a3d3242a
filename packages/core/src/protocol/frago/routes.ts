import { FragoError } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { abortUpload } from './abort.js';
import { writeChunk } from './chunk.js';
import { finalizeUpload } from './finalize.js';
import { listUploads } from './list.js';
import type { RouteContext } from './route-context.js';
import { startUpload } from './start.js';
import { uploadStatus } from './status.js';

type Handler = (context: RouteContext) => Promise<FragoResponse>;

/** The handler of each method, on the collection (`/upload/`) and on one upload (`/upload/:id/`). */
const ROUTES: Readonly<Record<'collection' | 'upload', Readonly<Record<string, Handler>>>> = {
  collection: { POST: startUpload, GET: listUploads },
  upload: { PUT: writeChunk, POST: finalizeUpload, GET: uploadStatus, DELETE: abortUpload },
};

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The handler for `method` on `rest` (the path below the base, without slashes around it).
 *
 * @throws {FragoError} `ROUTE_NOT_FOUND`, `INVALID_UPLOAD_ID`, `METHOD_NOT_ALLOWED`.
 */
export function routeOf(method: string, rest: string): { readonly handler: Handler; readonly id: string } {
  if (rest.includes('/')) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  if (rest !== '' && !ID.test(rest)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  const handlers = ROUTES[rest === '' ? 'collection' : 'upload'];
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (handler === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return { handler, id: rest };
}
