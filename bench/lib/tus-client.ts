import { rangeOf, send, type UploadSource, type UploadTiming } from './client.js';

// Written for the benchmark from the tus 1.0 specification (core protocol and the creation
// extension), over the same HTTP client as every other target so client cost is equal.
const TUS_VERSION = { 'tus-resumable': '1.0.0' };

/**
 * Uploads `size` bytes of a source to a tus server's creation endpoint: one POST with
 * Upload-Length, then PATCH requests of `chunkSize` bytes in order, each at the offset the
 * previous one answered. Sequential, because the server offers no concatenation.
 */
export async function tusUpload(endpoint: string, source: UploadSource, size: number, chunkSize: number): Promise<UploadTiming> {
  const began = performance.now();
  const created = await send(endpoint, 'POST', { ...TUS_VERSION, 'upload-length': String(size) });
  const location = created.headers.location;
  if (created.status !== 201 || location === undefined) throw new Error(`tus creation failed: ${created.status}`);
  const url = new URL(location, endpoint);
  for (let offset = 0; offset < size; ) {
    const end = Math.min(offset + chunkSize, size) - 1;
    const headers = {
      ...TUS_VERSION,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': String(end - offset + 1),
    };
    const patched = await send(url.toString(), 'PATCH', headers, rangeOf(source, offset, end));
    const answered = Number(patched.headers['upload-offset']);
    if (patched.status !== 204 || answered !== end + 1) throw new Error(`tus PATCH failed: ${patched.status}, offset ${answered}`);
    offset = answered;
  }
  return { id: url.pathname.split('/').pop() ?? '', totalMs: performance.now() - began, finalizeMs: null };
}

/**
 * Uploads a small source in one request (creation-with-upload): the creation POST
 * carries every byte, and the answer's Upload-Offset says they all arrived.
 */
export async function tusOneRequest(endpoint: string, source: UploadSource, size: number): Promise<UploadTiming> {
  const began = performance.now();
  const headers = {
    ...TUS_VERSION,
    'upload-length': String(size),
    'upload-metadata': `filename ${Buffer.from('bench.bin').toString('base64')}`,
    'content-type': 'application/offset+octet-stream',
    'content-length': String(size),
  };
  const created = await send(endpoint, 'POST', headers, rangeOf(source, 0, size - 1));
  const location = created.headers.location;
  if (created.status !== 201 || location === undefined || Number(created.headers['upload-offset']) !== size) {
    throw new Error(`tus creation-with-upload failed: ${created.status}, offset ${String(created.headers['upload-offset'])}`);
  }
  return { id: new URL(location, endpoint).pathname.split('/').pop() ?? '', totalMs: performance.now() - began, finalizeMs: null };
}
