import { FragoError } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { statusError } from '../../status-errors.js';
import type { RouteContext } from '../frago/route-context.js';
import { mediaType } from '../frago/media-type.js';
import { parseChunkDigest } from '../http/content-digest.js';
import { offsetOf } from '../tus/offset.js';
import { deliver } from './deliver.js';
import { bodyLength, uploadComplete, uploadLength, uploadOffset } from './fields.js';
import { PARTIAL_UPLOAD } from './wire.js';

/**
 * `PATCH /upload/:id/` with `application/partial-upload` (upload append): bytes at
 * `Upload-Offset`, which must be the upload's offset (409 with the right
 * `Upload-Offset` otherwise, before any byte is read). `Upload-Complete: ?1` ends the
 * upload: the answer is then the completed-upload JSON; 204 otherwise.
 */
export async function appendDraft(context: RouteContext): Promise<FragoResponse> {
  const { service, request, identity, id } = context;
  const { headers } = request;
  if (mediaType(headers) !== PARTIAL_UPLOAD) throw new FragoError('UNSUPPORTED_MEDIA_TYPE', `Send the bytes as ${PARTIAL_UPLOAD}`);
  const complete = uploadComplete(headers);
  const offset = uploadOffset(headers);
  const declared = uploadLength(headers);
  const length = bodyLength(headers);
  const digest = parseChunkDigest(headers['content-digest'], undefined);
  const state = await service.status(identity, id);
  const { upload } = state;
  if (upload.status !== 'in_progress') throw statusError(upload);
  if (declared !== undefined && declared !== upload.totalSize) {
    throw new FragoError('INVALID_SIZE', `Upload-Length must stay ${upload.totalSize}, as the upload was created`);
  }
  const current = offsetOf(state);
  if (offset !== current) {
    throw new FragoError('OFFSET_MISMATCH', `Upload-Offset must be the upload's offset, ${current}`, { details: { offset: current } });
  }
  return deliver(context, upload, { offset, length, complete, digest }, 204);
}
