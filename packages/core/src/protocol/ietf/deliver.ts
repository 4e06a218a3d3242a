import { emptyBody } from '../../body.js';
import type { ChunkDigest } from '../../digest.js';
import { FragoError, isFragoError } from '../../errors.js';
import { declaredSize, type UploadRecord } from '../../model.js';
import type { FinalizeResult } from '../../service.js';
import type { FragoResponse } from '../../protocol.js';
import type { RouteContext } from '../frago/route-context.js';
import { json } from '../frago/responses.js';
import { completedView } from '../frago/views.js';
import { draftResponse, sfBoolean } from './responses.js';

/** What one creation or append brings: bytes at `offset`, and whether they end the upload. */
export interface Delivery {
  readonly offset: number;
  /** The body's length; undefined when undeclared (taken as the rest of the upload when `complete`). */
  readonly length: number | undefined;
  readonly complete: boolean;
  /** The body's `Content-Digest`, verified before its bytes count. */
  readonly digest: ChunkDigest | null;
}


/** The answer for an upload completed by the request: its JSON with `Upload-Complete: ?1` and `reached` as its offset. */
export function completedResponse({ base }: RouteContext, result: FinalizeResult, reached: number): FragoResponse {
  return json(result.alreadyComplete ? 200 : 201, completedView(result), {
    'upload-complete': sfBoolean(true),
    'upload-offset': String(reached),
    location: `${base}/${result.upload.id}/`,
  });
}

/**
 * How many bytes a delivery to an upload of `totalSize` bytes brings.
 *
 * @throws {FragoError} `INVALID_SIZE`, `INVALID_RANGE`, `INVALID_REQUEST` where the
 * lengths disagree, go past the upload or are unknown.
 */
export function deliveredLength(totalSize: number, { offset, length, complete }: Delivery): number {
  const rest = totalSize - offset;
  if (complete) {
    if (length !== undefined && length !== rest) {
      throw new FragoError('INVALID_SIZE', `Upload-Complete: ?1 needs the remaining ${rest} bytes, the body has ${length}`);
    }
    return rest;
  }
  if (length === undefined) throw new FragoError('INVALID_REQUEST', 'Send Content-Length with Upload-Complete: ?0');
  if (length > rest) throw new FragoError('INVALID_RANGE', `The bytes would go past Upload-Length (${totalSize})`);
  return length;
}

/**
 * Stores the request's bytes at `delivery.offset` of `upload` as one chunk (a body that
 * ends early, or does not match its digest, stores nothing), and completes the upload
 * when the request says so: its checksum is verified (against `Repr-Digest` when the
 * creation sent one) and `upload:completed` emitted. An upload whose checksum does not
 * match is aborted: the draft has the client give it up. `created` is the status of an
 * answer that is not the completed upload's (201 on a creation, 204 on an append).
 *
 * @throws {FragoError} what the lengths, `UploadService.writeChunk` and `UploadService.finalize` throw.
 */
export async function deliver(context: RouteContext, upload: UploadRecord, delivery: Delivery, status: number): Promise<FragoResponse> {
  const { service, identity, request } = context;
  const length = deliveredLength(declaredSize(upload), delivery);
  if (length > 0) {
    const range = { start: delivery.offset, end: delivery.offset + length - 1, total: upload.totalSize };
    await service.writeChunk(identity, upload.id, { range, body: request.body ?? emptyBody(), digest: delivery.digest, signal: request.signal });
  }
  const reached = delivery.offset + length;
  if (!delivery.complete) return draftResponse(status, { 'upload-complete': sfBoolean(false), 'upload-offset': String(reached) });
  try {
    return completedResponse(context, await service.finalize(identity, upload.id, {}), reached);
  } catch (error) {
    if (isFragoError(error, 'CHECKSUM_MISMATCH')) await service.abort(identity, upload.id).catch(() => undefined);
    throw error;
  }
}
