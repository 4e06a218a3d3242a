import { isFragoError } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import type { RouteContext } from '../frago/route-context.js';
import { errorResponse } from '../frago/responses.js';

/** A handler of the draft on frago's endpoint; it is given what frago's handlers are. */
export type DraftHandler = (context: RouteContext) => Promise<FragoResponse>;

/** A response of the draft without a body: `headers`, the absent ones left out, never cached. */
export function draftResponse(status: number, headers: Record<string, string | undefined>): FragoResponse {
  const present = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { status, headers: { 'cache-control': 'no-store', ...Object.fromEntries(present) }, body: undefined };
}

/** An sf-boolean. */
export const sfBoolean = (value: boolean): string => (value ? '?1' : '?0');

/**
 * `handler` answering its errors as frago does (a typed code in JSON), with the
 * upload's offset in `Upload-Offset` on a mismatch, and no body on a `HEAD`.
 */
export function draftRoute(handler: DraftHandler): DraftHandler {
  return async (context) => {
    try {
      return await handler(context);
    } catch (error) {
      const response = errorResponse(error);
      const offset = isFragoError(error, 'OFFSET_MISMATCH') ? error.details?.offset : undefined;
      const headers = typeof offset === 'number' ? { ...response.headers, 'upload-offset': String(offset) } : response.headers;
      const head = context.request.method.toUpperCase() === 'HEAD';
      return { ...response, headers, ...(head ? { body: undefined } : {}) };
    }
  };
}
