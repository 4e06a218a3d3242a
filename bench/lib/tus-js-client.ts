import { createReadStream } from 'node:fs';
import { Upload } from 'tus-js-client';
import type { UploadSource, UploadTiming } from './client.js';

/**
 * Uploads a source through the real tus-js-client, as an application would: a file
 * is handed over as a read stream of its path (which tus-js-client slices itself, so
 * parallel parts each read their own range). `parallelUploads` above 1 sends that many
 * partial uploads at once and joins them with a final (concatenation).
 */
export function tusJsUpload(endpoint: string, source: UploadSource, options: { chunkSize: number; parallelUploads: number }): Promise<UploadTiming> {
  const began = performance.now();
  const input = 'path' in source ? createReadStream(source.path) : source.data;
  return new Promise((resolve, reject) => {
    const upload: Upload = new Upload(input, {
      endpoint,
      chunkSize: options.chunkSize,
      parallelUploads: options.parallelUploads,
      metadata: { filename: 'bench.bin' },
      retryDelays: [],
      onSuccess: () => resolve({ id: upload.url?.split('/').pop() ?? '', totalMs: performance.now() - began, finalizeMs: null }),
      onError: reject,
    });
    upload.start();
  });
}
