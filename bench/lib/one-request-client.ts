import { rangeOf, send, type UploadSource, type UploadTiming } from './client.js';

/**
 * Uploads `size` bytes of a source to frago's API at `api` in one request: the
 * resumable-upload draft's creation with `Upload-Complete: ?1` and the whole file as
 * its body, which the server stores, verifies and completes before answering.
 */
export async function oneRequestUpload(api: string, source: UploadSource, size: number): Promise<UploadTiming> {
  const began = performance.now();
  const headers = {
    'upload-complete': '?1',
    'content-type': 'application/octet-stream',
    'content-disposition': 'attachment; filename="bench.bin"',
    'content-length': String(size),
  };
  const done = await send(`${api}/`, 'POST', headers, rangeOf(source, 0, size - 1));
  if (done.status !== 201 || done.headers['upload-complete'] !== '?1') throw new Error(`one-request upload failed: ${done.status} ${JSON.stringify(done.json)}`);
  const ended = performance.now();
  return { id: String(done.json.upload_id), totalMs: ended - began, finalizeMs: null };
}
