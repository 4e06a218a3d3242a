import { etagOfDigest } from '../../direct-parts.js';
import { FragoError } from '../../errors.js';
import type { Identity } from '../../identity.js';
import type { FragoResponse } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { readFields } from '../frago/json-body.js';
import { json } from '../frago/responses.js';
import type { CompanionContext } from './context.js';
import { checkedKey, parseComplete, parseCreate, partNumber } from './parse.js';

/**
 * `POST /s3/multipart`: starts a direct upload; `{key, uploadId}` (both the upload id).
 *
 * @throws {FragoError} `INVALID_REQUEST` when the storage takes no direct uploads, and what parsing and starting throw.
 */
export async function createMultipart({ service, request, identity }: CompanionContext): Promise<FragoResponse> {
  const command = parseCreate(await readFields(request, service.limits.maxJsonBytes));
  if (service.directLayout(0) === null) {
    throw new FragoError('INVALID_REQUEST', 'This server takes no direct uploads');
  }
  const upload = await service.create(identity, command);
  return json(200, { key: upload.id, uploadId: upload.id });
}

/** `GET /s3/multipart/:uploadId/:partNumber?key=`: a presigned URL for one part; `{url, expires}` (seconds). */
export async function signPart({ service, identity, id, part, search }: CompanionContext): Promise<FragoResponse> {
  const number = partNumber(part);
  const signed = await service.signParts(identity, checkedKey(search, id), [number]);
  const [url] = signed.parts;
  if (url === undefined) throw new FragoError('INTERNAL_ERROR', 'No URL was signed');
  return json(200, { url: url.url, expires: Math.max(0, Math.round((url.expiresAt.getTime() - Date.now()) / 1000)), headers: url.headers });
}

/** `GET /s3/multipart/:uploadId?key=`: the parts the bucket holds, `[{PartNumber, Size, ETag}]`. */
export async function listParts({ service, identity, id, search }: CompanionContext): Promise<FragoResponse> {
  return json(200, await recordedParts(service, identity, checkedKey(search, id)));
}

/**
 * `POST /s3/multipart/:uploadId/complete?key=` with `{parts: [{PartNumber, ETag}]}`:
 * every part named must be the one recorded; then finalize; `{location, key}`.
 *
 * @throws {FragoError} `RANGE_CONFLICT` for a part whose ETag is not the recorded one,
 * and what finalize throws (`UPLOAD_INCOMPLETE` while a part is missing).
 */
export async function completeMultipart({ service, request, identity, id, search }: CompanionContext): Promise<FragoResponse> {
  checkedKey(search, id);
  const named = parseComplete(await readFields(request, service.limits.maxJsonBytes));
  const recorded = new Map((await recordedParts(service, identity, id)).map((part) => [part.PartNumber, part.ETag.replace(/"/g, '')]));
  const differing = [...named].filter(([number, etag]) => recorded.get(number) !== etag).map(([number]) => number);
  if (differing.length > 0) {
    throw new FragoError('RANGE_CONFLICT', 'These parts are not the ones the bucket holds', { details: { parts: differing } });
  }
  const { upload } = await service.finalize(identity, id, {});
  return json(200, { location: upload.location, key: id });
}

/** `DELETE /s3/multipart/:uploadId?key=`: aborts the upload; `{}`. */
export async function abortMultipart({ service, identity, id, search }: CompanionContext): Promise<FragoResponse> {
  await service.abort(identity, checkedKey(search, id));
  return json(200, {});
}

/** The parts recorded for a direct upload (after asking the bucket), as S3 lists them. */
async function recordedParts(service: UploadService, identity: Identity, id: string) {
  const state = await service.status(identity, id);
  const layout = service.directLayout(state.upload.totalSize);
  if (layout === null) return [];
  return state.chunks.flatMap((chunk) => {
    const etag = etagOfDigest(chunk.digest);
    if (chunk.state !== 'stored' || etag === null || chunk.start % layout.partSize !== 0) return [];
    return [{ PartNumber: chunk.start / layout.partSize + 1, Size: chunk.size, ETag: `"${etag}"` }];
  });
}
