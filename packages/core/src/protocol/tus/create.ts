import { FragoError } from '../../errors.js';
import { validateFilename } from '../../filename.js';
import type { FragoResponse } from '../../protocol.js';
import { appendBytes } from './append.js';
import { carriesBytes, uploadChecksum, uploadLength } from './headers.js';
import { parseMetadata } from './metadata.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/** The name a tus upload is known by: the `filename` or `name` pair of its metadata. */
const DEFAULT_FILENAME = 'upload';

/**
 * `POST /files/` (creation): a new upload of `Upload-Length` bytes, named and described
 * by `Upload-Metadata`; 201 with its `Location`. With a body of
 * `application/offset+octet-stream` (creation-with-upload) the bytes are stored at
 * once and the answer carries `Upload-Offset`.
 */
export async function createUpload(context: TusContext): Promise<FragoResponse> {
  const { service, base, request, identity } = context;
  const totalSize = uploadLength(request.headers);
  if (totalSize === undefined) throw new FragoError('INVALID_SIZE', 'Upload-Length is required');
  const metadata = parseMetadata(request.headers['upload-metadata']);
  const withBytes = carriesBytes(request.headers);
  const digest = withBytes ? uploadChecksum(request.headers) : null;
  const filename = validateFilename(metadata.filename ?? metadata.name ?? DEFAULT_FILENAME);
  const upload = await service.create(identity, { filename, totalSize, metadata });
  const location = `${base}/${upload.id}`;
  const offset = withBytes || totalSize === 0 ? await appendBytes(context, upload, 0, digest) : undefined;
  return tusResponse(201, {
    location,
    'upload-offset': offset === undefined ? undefined : String(offset),
    'upload-expires': offset === totalSize ? undefined : upload.expiresAt.toUTCString(),
  });
}
