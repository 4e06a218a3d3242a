import { Upload, type UploadOptions } from 'tus-js-client';

/** What one run of tus-js-client did: its upload URL and the requests it sent. */
export interface TusRun {
  readonly url: string;
  /** Method, path and `Upload-Offset` of every request, in order. */
  readonly requests: Array<{ method: string; url: string; offset: string | undefined }>;
}

/**
 * Runs tus-js-client's `Upload` on `bytes` to `endpoint` until it succeeds, fails or
 * `stopWhen` (given the bytes sent so far) asks it to abort. No retries unless given.
 */
export function tusUpload(
  bytes: Buffer,
  options: Partial<UploadOptions> & { stopWhen?: (sent: number) => boolean },
): Promise<TusRun & { readonly outcome: 'success' | 'aborted' }> {
  const requests: TusRun['requests'] = [];
  const { stopWhen, ...uploadOptions } = options;
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
    upload.start();
  });
}
