import { emptyBody } from '../../body.js';
import { FragoError } from '../../errors.js';
import { multipartFile } from '../../multipart.js';
import type { FragoRequest, FragoResponse } from '../../protocol.js';
import { mediaType } from '../frago/media-type.js';
import { json } from '../frago/responses.js';
import type { CompanionContext } from './multipart.js';
import { parseCreate } from './parse.js';

// Small files: `@uppy/aws-s3` sends a file it does not split into parts as a browser
// form (`multipart/form-data`, S3's POST Object), to the URL and with the fields that
// `GET /s3/params` gives. frago gives its own URL, `POST <base>/form/:id`: the file goes
// through the server into the storage as one chunk and the upload is finalized in the
// same request, so frago knows at once that it is complete, whatever the storage.

/** The form fields `GET /s3/params` hands out: S3's `key`, here the upload id. */
interface FormFields {
  readonly key: string;
}

/** The upload a `GET /s3/params` query starts: `filename`, `type` and `metadata[name]` entries (`metadata[size]` is the size). */
function parseParams(search: string) {
  const query = new URLSearchParams(search);
  const metadata: Record<string, string> = {};
  for (const [name, value] of query) {
    const field = /^metadata\[(.+)\]$/.exec(name)?.[1];
    if (field !== undefined) metadata[field] = value;
  }
  return parseCreate({ filename: query.get('filename') ?? undefined, type: query.get('type') ?? undefined, metadata });
}

/**
 * The origin the form is posted to: `publicOrigin` when set, otherwise the request's
 * `Host` with `X-Forwarded-Proto` (`https`) or `http`. Uppy needs an absolute URL.
 *
 * @throws {FragoError} `INVALID_REQUEST` without `publicOrigin` or a usable `Host`.
 */
export function formOrigin(request: FragoRequest, publicOrigin: string | undefined): string {
  if (publicOrigin !== undefined) return publicOrigin.replace(/\/+$/, '');
  const host = request.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/.test(host)) {
    throw new FragoError('INVALID_REQUEST', 'The request has no usable Host header');
  }
  const proto = request.headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

/**
 * `GET /s3/params?filename=&type=&metadata[size]=`: starts an upload of the file and
 * answers where to post it, `{method: 'POST', url, fields: {key}, headers: {}}`.
 *
 * @throws {FragoError} `CHUNK_TOO_LARGE` for a file over the server's largest chunk (it
 * must go as a multipart upload), and what parsing and starting throw.
 */
export async function formParams({ service, request, identity, search, base, publicOrigin }: CompanionContext): Promise<FragoResponse> {
  const command = parseParams(search);
  const origin = formOrigin(request, publicOrigin);
  const { maxChunkSize } = service.limits;
  if (command.totalSize > maxChunkSize) {
    throw new FragoError('CHUNK_TOO_LARGE', `A file over ${maxChunkSize} bytes must be sent as a multipart upload`, { details: { maxChunkSize } });
  }
  const upload = await service.create(identity, command);
  const fields: FormFields = { key: upload.id };
  return json(200, { method: 'POST', url: `${origin}${base}/form/${upload.id}`, fields, headers: {} });
}

/**
 * `POST <base>/form/:id` with a `multipart/form-data` body whose `file` part is the whole
 * file: stores it as one chunk and finalizes the upload; 204, as S3 answers a POST
 * Object. A file of another size than the upload's stores nothing and leaves the
 * upload in progress.
 *
 * @throws {FragoError} `UNSUPPORTED_MEDIA_TYPE` for another body, `MISSING_FILE_FIELD`,
 * and what `writeChunk` and `finalize` throw.
 */
export async function receiveForm({ service, request, identity, id }: CompanionContext): Promise<FragoResponse> {
  if (mediaType(request.headers) !== 'multipart/form-data') {
    throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Post the file as multipart/form-data, in a field named file');
  }
  const { upload: started } = await service.status(identity, id);
  const total = started.totalSize;
  if (total === null) throw new FragoError('INVALID_SIZE', 'This upload has no size; send it as a multipart upload');
  const body = multipartFile(request.body ?? emptyBody(), request.headers['content-type'] ?? '');
  if (total > 0) {
    await service.writeChunk(identity, id, { range: { start: 0, end: total - 1, total }, body, signal: request.signal });
  } else {
    for await (const piece of body) {
      if (piece.byteLength > 0) throw new FragoError('BODY_LENGTH_MISMATCH', 'The file is longer than the 0 bytes of the upload');
    }
  }
  await service.finalize(identity, id, {});
  return { status: 204, headers: { 'cache-control': 'no-store' }, body: undefined };
}
