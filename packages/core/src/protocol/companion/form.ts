import { emptyBody } from '../../body.js';
import { FragoError } from '../../errors.js';
import { idleTimeout } from '../../idle-timeout.js';
import { multipartBoundary, multipartFile } from '../../multipart.js';
import type { UploadRecord } from '../../model.js';
import type { FragoRequest, FragoResponse } from '../../protocol.js';
import { mediaType } from '../frago/media-type.js';
import { json } from '../frago/responses.js';
import { contentLength } from '../tus/headers.js';
import type { CompanionContext } from './context.js';
import { parseStart } from './parse.js';

// Small files: `@uppy/aws-s3` sends a file it does not split into parts as a browser
// form (`multipart/form-data`, S3's POST Object) to the URL and with the fields that
// `GET /s3/params` gives. frago gives its own URL, `POST <base>/form?<the same query>`:
// that request starts the upload, stores the file through the server and completes it,
// so frago knows at once that it is complete, whatever the storage. Nothing is started
// before the form arrives, and the page need not give the size: the form's length says it.

/** The header of a stored form's answer that names the upload it made. */
export const UPLOAD_ID_HEADER = 'frago-upload-id';

/** The upload a `GET /s3/params` query names: `filename`, `type` and `metadata[name]` entries (`metadata[size]`, when given, is the size). */
function parseParams(search: string) {
  const query = new URLSearchParams(search);
  const metadata = Object.fromEntries(
    [...query].flatMap(([name, value]) => {
      const field = /^metadata\[(.+)\]$/.exec(name)?.[1];
      return field === undefined ? [] : [[field, value] as const];
    }),
  );
  return parseStart({ filename: query.get('filename') ?? undefined, type: query.get('type') ?? undefined, metadata });
}

/**
 * The origin the form is posted to: `publicOrigin` when set, otherwise the request's
 * `Host` with `X-Forwarded-Proto` (`https`) or `http`. Uppy needs an absolute URL.
 *
 * @throws {FragoError} `INVALID_REQUEST` without `publicOrigin` or a usable `Host`.
 */
function formOrigin(request: FragoRequest, publicOrigin: string | undefined): string {
  if (publicOrigin !== undefined) return publicOrigin.replace(/\/+$/, '');
  const host = request.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/.test(host)) {
    throw new FragoError('INVALID_REQUEST', 'The request has no usable Host header');
  }
  const proto = request.headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

/**
 * `GET /s3/params?filename=&type=&metadata[name]=`: where to post the file as a form,
 * `{method: 'POST', url, fields: {key}, headers: {}}` (`key` is the filename, which
 * Uppy needs and frago does not read). Starts nothing.
 *
 * @throws {FragoError} `UPLOAD_TOO_LARGE`, `CHUNK_TOO_LARGE` for a `metadata[size]` over
 * the limits (a file over the largest chunk must go as a multipart upload), and what
 * parsing throws.
 */
export async function formParams({ service, request, search, base, publicOrigin }: CompanionContext): Promise<FragoResponse> {
  const start = parseParams(search);
  if (start.totalSize !== null) service.checkOneRequest(start.totalSize);
  const url = `${formOrigin(request, publicOrigin)}${base}/form?${search}`;
  return json(200, { method: 'POST', url, fields: { key: start.filename }, headers: {} });
}

/**
 * The file's size in a form whose file is its last part, as browsers build it: the
 * body's `Content-Length` less the `fileStart` bytes before the file and the closing
 * boundary after it; null without a `Content-Length`. A form built otherwise gets a
 * size its file does not have, and is refused when its bytes disagree.
 *
 * @throws {FragoError} `INVALID_REQUEST` for a malformed `Content-Length`, or one shorter than the form.
 */
function formFileSize(request: FragoRequest, fileStart: number): number | null {
  const declared = contentLength(request.headers);
  if (declared === undefined) return null;
  const closing = `\r\n--${multipartBoundary(request.headers['content-type'] ?? '')}--\r\n`.length;
  const size = declared - fileStart - closing;
  if (size < 0) throw new FragoError('INVALID_REQUEST', 'The Content-Length is shorter than the form');
  return size;
}

/**
 * The size of the file a form brings: what its length says, which `metadata[size]`,
 * when given, must agree with; `metadata[size]` alone without a `Content-Length`.
 *
 * @throws {FragoError} `INVALID_SIZE` when they disagree, `INVALID_REQUEST` with neither.
 */
function sizeOf(request: FragoRequest, fileStart: number | null, given: number | null): number {
  const measured = fileStart === null ? null : formFileSize(request, fileStart);
  if (measured !== null && given !== null && measured !== given) {
    throw new FragoError('INVALID_SIZE', `The file is ${measured} bytes, not the ${given} of metadata[size]`);
  }
  const size = measured ?? given;
  if (size === null) throw new FragoError('INVALID_REQUEST', 'Send the form with a Content-Length, or give its size as metadata[size]');
  return size;
}

/**
 * `POST <base>/form?filename=&type=&metadata[name]=` with a `multipart/form-data` body
 * whose last part, `file`, is the file: starts the upload, stores the file as one chunk
 * and completes it; 204, as S3 answers a POST Object, with the upload's id in
 * `Frago-Upload-Id`. Its size is what the form's
 * length says (see {@link sizeOf}); a form whose file has another size is refused, and
 * an upload it started aborted.
 *
 * @throws {FragoError} `UNSUPPORTED_MEDIA_TYPE` for another body, `MISSING_FILE_FIELD`,
 * `INVALID_SIZE` for a file that is not `metadata[size]` bytes, `BODY_LENGTH_MISMATCH`,
 * `BODY_TIMEOUT` for a body that stalls, and what a one-request upload throws (its
 * limits: `UPLOAD_TOO_LARGE`, `CHUNK_TOO_LARGE`, before any byte is stored).
 */
export async function receiveForm({ service, request, identity, search }: CompanionContext): Promise<FragoResponse> {
  const start = parseParams(search);
  if (mediaType(request.headers) !== 'multipart/form-data') {
    throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Post the file as multipart/form-data, in a field named file');
  }
  let fileStart: number | null = null;
  // The body may stall before its file begins, too: the idle timeout covers all of it.
  const body = idleTimeout(request.body ?? emptyBody(), service.bodyIdleTimeoutMs);
  const parts = multipartFile(body, request.headers['content-type'] ?? '', {
    onFileStart: (offset) => (fileStart = offset),
  })[Symbol.asyncIterator]();
  // Read up to the file's first bytes (to the end, for an empty file): where they begin tells its size.
  const first = await parts.next();
  const size = sizeOf(request, fileStart, start.totalSize);
  if (first.done === true && size !== 0) throw new FragoError('BODY_LENGTH_MISMATCH', `The file is empty, not ${size} bytes`);
  async function* file(): AsyncIterable<Uint8Array> {
    if (first.done === true) return;
    yield first.value;
    for (let next = await parts.next(); next.done !== true; next = await parts.next()) yield next.value;
  }
  let started = null as UploadRecord | null;
  try {
    await service.createComplete(identity, { ...start, totalSize: size }, { body: file(), signal: request.signal }, (upload) => (started = upload));
  } catch (error) {
    // A form cannot be resumed: the upload it started is aborted (its bytes deleted) rather than left to expire.
    if (started !== null) await service.abort(identity, started.id).catch(() => undefined);
    throw error;
  }
  return { status: 204, headers: { 'cache-control': 'no-store', [UPLOAD_ID_HEADER]: started?.id ?? '' }, body: undefined };
}
