import { FragoError, isFragoError } from '../../errors.js';
import { validateFilename } from '../../filename.js';
import type { UploadRecord } from '../../model.js';
import type { FragoResponse } from '../../protocol.js';
import type { RouteContext } from '../frago/route-context.js';
import { mediaType } from '../frago/media-type.js';
import { parseChunkDigest, parseDigestField } from '../http/content-digest.js';
import { emptyBody } from '../../body.js';
import { completedResponse, deliver, deliveredLength, type Delivery } from './deliver.js';
import { dispositionFilename } from './disposition.js';
import { bodyLength, interopVersion, uploadComplete, uploadLength } from './fields.js';
import { uploadLimit } from './limits.js';
import { metadataHeader } from './metadata.js';
import { DEFAULT_FILENAME, INTEROP_VERSIONS, PARTIAL_UPLOAD, UPLOAD_RESUMPTION_SUPPORTED } from './wire.js';

/**
 * The size of the upload a creation starts: `Upload-Length`, or with `Upload-Complete:
 * ?1` the body's `Content-Length`; both must agree when both are sent.
 *
 * @throws {FragoError} `INVALID_SIZE` when they disagree or neither is known (uploads
 * of unknown length are not served).
 */
function totalSizeOf(complete: boolean, declared: number | undefined, length: number | undefined): number {
  const implied = complete ? length : undefined;
  if (declared !== undefined && implied !== undefined && declared !== implied) {
    throw new FragoError('INVALID_SIZE', `Upload-Length (${declared}) and Content-Length (${implied}) disagree`);
  }
  const total = declared ?? implied;
  if (total === undefined) throw new FragoError('INVALID_SIZE', 'Send Upload-Length: uploads of unknown length are not supported');
  return total;
}

/**
 * `POST /upload/` with `Upload-Complete` (the draft's upload creation). `?1` with the
 * whole file is frago's one-request upload: stored, verified and completed before the
 * answer, the completed-upload JSON with `Upload-Complete: ?1`. `?0` creates the upload
 * (with the body's bytes, when it has some): 201 with `Location` and `Upload-Limit`.
 * `Frago-Metadata` carries the metadata a JSON start would, so that an upload with
 * metadata needs no more requests than one without.
 * A client naming a served interop version is sent `104 Upload Resumption Supported`
 * with the upload's `Location` first, where the edge can send one.
 */
export async function createDraftUpload(context: RouteContext): Promise<FragoResponse> {
  const { service, base, request, identity } = context;
  const { headers } = request;
  const complete = uploadComplete(headers);
  const length = bodyLength(headers);
  const totalSize = totalSizeOf(complete, uploadLength(headers), length);
  const repr = headers['repr-digest'] === undefined ? null : parseDigestField(headers['repr-digest'], 'Repr-Digest');
  const digest = parseChunkDigest(headers['content-digest'], undefined);
  const delivery: Delivery = { offset: 0, length, complete, digest };
  deliveredLength(totalSize, delivery);
  const filename = validateFilename(dispositionFilename(headers['content-disposition']) ?? DEFAULT_FILENAME);
  const type = mediaType(headers);
  const typed = type === '' || type === PARTIAL_UPLOAD || type === 'application/octet-stream' ? {} : { content_type: type };
  const metadata = { ...typed, ...metadataHeader(headers, service.limits.maxJsonBytes) };
  const start = { filename, totalSize, checksum: repr?.hex ?? null, checksumAlgorithm: repr?.algorithm ?? null, metadata };
  const version = interopVersion(headers, INTEROP_VERSIONS);
  let created: UploadRecord | undefined;
  const announce = (upload: UploadRecord) => {
    created = upload;
    if (version === undefined) return;
    const limit = uploadLimit(service, upload, version);
    request.inform?.(UPLOAD_RESUMPTION_SUPPORTED, { location: `${base}/${upload.id}/`, 'upload-limit': limit, 'upload-draft-interop-version': version });
  };
  try {
    if (complete) {
      const body = { body: request.body ?? emptyBody(), digest, signal: request.signal };
      return completedResponse(context, await service.createComplete(identity, start, body, announce), totalSize);
    }
    const upload = await service.create(identity, start);
    announce(upload);
    const response = await deliver(context, upload, delivery, 201);
    return { ...response, headers: { ...response.headers, location: `${base}/${upload.id}/`, 'upload-limit': uploadLimit(service, upload, version) } };
  } catch (error) {
    // A refusal the client may not resume from leaves no upload behind.
    const refused = isFragoError(error) && error.statusCode < 500 && !isFragoError(error, 'CLIENT_ABORTED') && !isFragoError(error, 'BODY_TIMEOUT');
    if (created !== undefined && refused) await service.abort(identity, created.id).catch(() => undefined);
    throw error;
  }
}
