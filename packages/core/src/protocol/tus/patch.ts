import { FragoError } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { appendBytes } from './append.js';
import { concatOf } from './concat.js';
import { assertBytes, uploadChecksum, uploadOffset } from './headers.js';
import { offsetOf } from './offset.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/**
 * `PATCH /files/:id`: bytes at `Upload-Offset`, which must be the upload's offset (409
 * otherwise, before any byte is read). With `Upload-Checksum`, bytes that do not match
 * are discarded (460) and the offset stays. 204 with the new `Upload-Offset`.
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
  const reached = await appendBytes(context, state.upload, offset, digest);
  return tusResponse(204, {
    'upload-offset': String(reached),
    'upload-expires': reached === state.upload.totalSize ? undefined : state.upload.expiresAt.toUTCString(),
  });
}
