import type { Readable } from 'node:stream';
import { Upload, type PreviousUpload, type UploadOptions, type UrlStorage } from 'tus-js-client';

/** A urlStorage kept in memory, as an app would keep the client's resume records in its own store. */
export function memoryUrlStorage(): UrlStorage {
  const entries = new Map<string, PreviousUpload & { urlStorageKey: string }>();
  let next = 0;
  return {
    findAllUploads: async () => [...entries.values()],
    findUploadsByFingerprint: async (fingerprint) => [...entries.values()].filter((entry) => entry.urlStorageKey.startsWith(`${fingerprint}#`)),
    removeUpload: async (key) => {
      entries.delete(key);
    },
    addUpload: async (fingerprint, upload) => {
      const urlStorageKey = `${fingerprint}#${next++}`;
      entries.set(urlStorageKey, { ...upload, urlStorageKey });
      return urlStorageKey;
    },
  };
}

/** What one run of tus-js-client did: its upload URL and the requests it sent. */
export interface TusRun {
  readonly url: string;
  /** Method, path and `Upload-Offset` of every request, in order. */
  readonly requests: Array<{ method: string; url: string; offset: string | undefined }>;
}

/**
 * Runs tus-js-client's `Upload` on `bytes` (a buffer, or a stream whose length it does
 * not know) to `endpoint` until it succeeds, fails or
 * `stopWhen` (given the bytes sent so far) asks it to abort. No retries unless given.
 * With `resume`, it first looks up a previous upload of the same fingerprint in its
 * urlStorage and resumes that one.
 */
export function tusUpload(
  bytes: Buffer | Readable,
  options: Partial<UploadOptions> & { stopWhen?: (sent: number) => boolean; resume?: boolean },
): Promise<TusRun & { readonly outcome: 'success' | 'aborted' }> {
  const requests: TusRun['requests'] = [];
  const { stopWhen, resume, ...uploadOptions } = options;
  return new Promise((resolve, reject) => {
    const upload: Upload = new Upload(bytes, {
      retryDelays: [],
      ...uploadOptions,
      onBeforeRequest: (request) => {
        requests.push({ method: request.getMethod(), url: request.getURL(), offset: request.getHeader('Upload-Offset') });
      },
      onProgress: (sent) => {
        if (stopWhen?.(sent)) {
          void upload.abort().then(() => resolve({ url: upload.url ?? '', requests, outcome: 'aborted' }));
        }
      },
      onSuccess: () => resolve({ url: upload.url ?? '', requests, outcome: 'success' }),
      onError: reject,
    });
    const previous = resume ? upload.findPreviousUploads() : Promise.resolve([]);
    previous.then((found) => {
      if (found[0] !== undefined) upload.resumeFromPreviousUpload(found[0]);
      upload.start();
    }, reject);
  });
}

/**
 * Runs tus-js-client on `bytes` in `parallelUploads` parts joined by a final (named
 * `joined.bin`) and returns the final's upload id.
 *
 * @throws {Error} when the upload did not succeed.
 */
export async function tusJoined(endpoint: string, bytes: Buffer, parallelUploads: number, options: Partial<UploadOptions> = {}): Promise<string> {
  const run = await tusUpload(bytes, { endpoint, parallelUploads, metadata: { filename: 'joined.bin' }, ...options });
  if (run.outcome !== 'success') throw new Error(`The upload ended ${run.outcome}`);
  return run.url.split('/').pop() ?? '';
}

/**
 * Creates a tus part (`Upload-Concat: partial`) of `bytes` at `endpoint` with one raw
 * `POST` carrying them all, and returns its absolute URL.
 *
 * @throws {Error} when the part is not created.
 */
export async function tusPart(endpoint: string, bytes: Buffer): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-concat': 'partial',
      'content-type': 'application/offset+octet-stream',
    },
    body: bytes,
  });
  if (response.status !== 201) throw new Error(`The part was answered ${response.status}`);
  return new URL(response.headers.get('location') ?? '', endpoint).href;
}
