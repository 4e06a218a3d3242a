import { emptyBody } from '../../body.js';
import { FragoError } from '../../errors.js';
import { validateFilename } from '../../filename.js';
import type { FragoResponse } from '../../protocol.js';
import { appendBytes } from './append.js';
import { CONCAT_KEY, isPartial, parseConcat } from './concat.js';
import { announcedLength, carriesBytes, contentLength, uploadChecksum } from './headers.js';
import { parseMetadata } from './metadata.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/** The name a tus upload is known by when its metadata names none (`filename` or `name`). */
const DEFAULT_FILENAME = 'upload';

/**
 * The final of a concatenation: its parts, each a partial upload of the caller's, whole,
 * joined into one completed upload before this answers.
 */
async function createFinal(context: TusContext, parts: readonly string[], header: string, metadata: Record<string, string | null>) {
  const { service, request, identity } = context;
  if (request.headers['upload-length'] !== undefined) throw new FragoError('INVALID_REQUEST', 'A final upload takes no Upload-Length: its parts make it');
  for (const id of parts) {
    const { upload } = await service.status(identity, id);
    if (!isPartial(upload)) throw new FragoError('INVALID_REQUEST', `Upload ${id} was not created with Upload-Concat: partial`);
  }
  const filename = validateFilename(metadata.filename ?? metadata.name ?? DEFAULT_FILENAME);
  const { upload } = await service.concatenate(identity, { filename, parts, metadata: { ...metadata, [CONCAT_KEY]: header } });
  return tusResponse(201, { location: `${context.base}/${upload.id}` });
}

/**
 * `POST /files/` (creation): a new upload of `Upload-Length` bytes, named and described
 * by `Upload-Metadata`; 201 with its `Location`. With a body of
 * `application/offset+octet-stream` (creation-with-upload) the bytes are stored at
 * once and the answer carries `Upload-Offset`. `Upload-Concat: partial` makes a part
 * of a concatenation, `Upload-Concat: final;<urls>` joins parts (concatenation).
 * `Upload-Defer-Length: 1` instead of `Upload-Length` leaves the size to a later PATCH
 * (creation-defer-length).
 */
export async function createUpload(context: TusContext): Promise<FragoResponse> {
  const { service, base, request, identity } = context;
  const concat = parseConcat(request.headers['upload-concat'], base);
  const metadata = parseMetadata(request.headers['upload-metadata']);
  if (concat?.kind === 'final') return createFinal(context, concat.parts, request.headers['upload-concat']?.trim() ?? '', metadata);
  const totalSize = announcedLength(request.headers);
  const withBytes = carriesBytes(request.headers);
  const digest = withBytes ? uploadChecksum(request.headers) : null;
  const filename = validateFilename(metadata.filename ?? metadata.name ?? DEFAULT_FILENAME);
  const marked = concat?.kind === 'partial' ? { ...metadata, [CONCAT_KEY]: 'partial' } : metadata;
  const whole = concat === null && withBytes && totalSize !== null && totalSize > 0 && (contentLength(request.headers) ?? totalSize) === totalSize;
  if (whole) {
    // The whole file in its creation: stored, verified and completed in one go.
    const body = { body: request.body ?? emptyBody(), digest, signal: request.signal };
    const { upload } = await service.createComplete(identity, { filename, totalSize, metadata }, body);
    return tusResponse(201, { location: `${base}/${upload.id}`, 'upload-offset': String(totalSize) });
  }
  const upload = await service.create(identity, { filename, totalSize, metadata: marked });
  const offset = withBytes || totalSize === 0 ? await appendBytes(context, upload, 0, digest) : undefined;
  return tusResponse(201, {
    location: `${base}/${upload.id}`,
    'upload-offset': offset === undefined ? undefined : String(offset),
    'upload-expires': offset === totalSize ? undefined : upload.expiresAt.toUTCString(),
  });
}
