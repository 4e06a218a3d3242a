import busboy from 'busboy';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { FragoError } from './errors.js';

/**
 * Streams the bytes of one file field of a `multipart/form-data` body, the form the
 * original frago clients send, without buffering the file part. Other fields are
 * ignored.
 *
 * @throws {FragoError} `MISSING_FILE_FIELD` when the body has no such field;
 * `INVALID_REQUEST` when it is not valid multipart.
 */
export async function* multipartFile(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  field = 'file',
): AsyncIterable<Uint8Array> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 16, fieldSize: 65_536 } });
  } catch (cause) {
    throw new FragoError('INVALID_REQUEST', 'The multipart/form-data body could not be read', { cause });
  }
  let failure: unknown;
  let fileStream: Readable | undefined;
  const file = new Promise<Readable | null>((resolve, reject) => {
    parser.on('file', (name, stream) => {
      if (name !== field || fileStream !== undefined) {
        stream.resume();
        return;
      }
      fileStream = stream;
      resolve(stream);
    });
    parser.on('close', () => resolve(null));
    parser.on('error', (cause) => reject(new FragoError('INVALID_REQUEST', 'Malformed multipart/form-data body', { cause })));
  });
  file.catch(() => undefined);

  const pump = (async () => {
    try {
      for await (const piece of body) {
        if (!parser.write(piece)) await once(parser, 'drain');
      }
      parser.end();
    } catch (error) {
      failure = error;
      const reason = error instanceof Error ? error : new Error('The request body failed');
      fileStream?.destroy(reason);
      parser.destroy(reason);
    }
  })();

  const stream = await file;
  if (stream === null) {
    await pump;
    throw failure ?? new FragoError('MISSING_FILE_FIELD', `The multipart body has no "${field}" file field`);
  }
  try {
    for await (const piece of stream as AsyncIterable<Uint8Array>) yield piece;
  } catch (error) {
    throw failure ?? error;
  } finally {
    if (!stream.readableEnded) stream.destroy();
  }
  await pump;
  if (failure !== undefined) throw failure;
  if ((stream as Readable & { truncated?: boolean }).truncated) {
    throw new FragoError('BODY_LENGTH_MISMATCH', 'The file part was truncated');
  }
}
