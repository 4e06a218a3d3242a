import { FragoError } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { appendBytes } from './append.js';
import { concatOf } from './concat.js';
import type { UploadRecord } from '../../model.js';
import { assertBytes, contentLength, uploadChecksum, uploadLength, uploadOffset } from './headers.js';
import { offsetOf } from './offset.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/**
 * `PATCH /files/:id`: bytes at `Upload-Offset`, which must be the upload's offset (409
 * otherwise, before any byte is read). With `Upload-Checksum`, bytes that do not match
 * are discarded (460) and the offset stays. `Upload-Length` declares the size of an
 * upload created with `Upload-Defer-Length: 1`. 204 with the new `Upload-Offset`.
 */
export async function appendUpload(context: TusContext): Promise<FragoResponse> {
  const { service, request, identity, id } = context;
  assertBytes(request.headers);
  const offset = uploadOffset(request.headers);
  const digest = uploadChecksum(request.headers);
  const state = await service.status(identity, id);
  if (concatOf(state.upload)?.startsWith('final;')) throw new FragoError('FORBIDDEN', 'A final upload is made of its parts; it takes no bytes');
  const current = offsetOf(state);
  if (offset !== current) {
    throw new FragoError('OFFSET_MISMATCH', `Upload-Offset must be the upload's offset, ${current}`, { details: { offset: current } });
  }
  const upload = await declareLength(context, state.upload, offset);
  const reached = await appendBytes(context, upload, offset, digest);
  return tusResponse(204, {
    'upload-offset': String(reached),
    'upload-expires': reached === upload.totalSize ? undefined : upload.expiresAt.toUTCString(),
  });
}

/**
 * The upload with the `Upload-Length` a PATCH carries (creation-defer-length), checked
 * against the bytes already stored and those this request brings, before any is read.
 * The length it already has may be sent again (a retried last PATCH); another is refused.
 *
 * @throws {FragoError} `INVALID_SIZE` for a length that differs from the one declared,
 * or that is smaller than `offset` or than what the request brings; what
 * `UploadService.declareSize` throws.
 */
async function declareLength({ service, identity, request }: TusContext, upload: UploadRecord, offset: number): Promise<UploadRecord> {
  const length = uploadLength(request.headers);
  if (length === undefined || length === upload.totalSize) return upload;
  if (upload.totalSize !== null) throw new FragoError('INVALID_SIZE', `Upload-Length is ${upload.totalSize} already; it cannot change`);
  const bringing = contentLength(request.headers) ?? 0;
  if (length < offset + bringing) {
    throw new FragoError('INVALID_SIZE', `Upload-Length must cover the ${offset + bringing} bytes sent with this request and before`);
  }
  return service.declareSize(identity, upload.id, length);
}
