import { checksumAlgorithm, type ChecksumAlgorithm } from './checksum.js';
import { FragoClientError, isFragoClientError } from './errors.js';
import { inlineHasher, type Hasher } from './hasher.js';
import { Http, resolveEndpoint, type HttpRequest } from './http.js';
import { DEFAULTS, type ClientOptions, type UploadOptions } from './options.js';
import { withRetries, type RetryInfo, type RetryPolicy } from './retry.js';
import { blobSource, type UploadSource } from './source.js';
import { defaultStore, type UploadStore } from './store.js';
import { Upload } from './upload.js';
import type { AbortAnswer, FinalizeAnswer, PartsAnswer, StartAnswer, StatusAnswer } from './wire.js';

/** Options of one API call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Called before each retry. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** What `start` sends. */
export interface StartInput {
  readonly filename: string;
  readonly totalSize: number;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksum?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Ask how to send the file straight to the store (the answer's `direct`). */
  readonly direct?: boolean;
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new FragoClientError('INVALID_ARGUMENT', `${name} must be a whole number of at least 1, got ${value}`);
  }
}

/**
 * A client of one frago server. `upload()` does the whole job (start or resume,
 * parallel chunks with retries, checksum, finalize); the other methods are the API's
 * single calls, each retried like a chunk.
 *
 * @example
 * ```ts
 * const client = new FragoClient({ endpoint: 'https://files.example.com/upload' });
 * const upload = client.upload(file);
 * upload.on('progress', (p) => console.log(p.confirmedBytes, '/', p.totalBytes));
 * const result = await upload.done;
 * ```
 */
export class FragoClient {
  /** The resolved API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** @internal */
  readonly http: Http;
  /** @internal */
  readonly policy: RetryPolicy;
  readonly store: UploadStore;
  /** @internal */
  readonly hasher: Hasher;

  /** @throws {FragoClientError} `INVALID_ARGUMENT` for a bad endpoint or option. */
  constructor(readonly options: ClientOptions) {
    positiveInteger(options.chunkSize, 'chunkSize');
    positiveInteger(options.parallel, 'parallel');
    positiveInteger(options.requestTimeoutMs, 'requestTimeoutMs');
    if (options.checksum) checksumAlgorithm(options.checksum);
    this.endpoint = resolveEndpoint(options.endpoint);
    const fetchFunction = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = new Http({
      endpoint: this.endpoint,
      headers: options.headers,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      fetch: fetchFunction,
    });
    this.policy = {
      retries: options.retries ?? DEFAULTS.retries,
      retryDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
    };
    this.store = options.store ?? defaultStore();
    this.hasher = options.hasher ?? inlineHasher;
  }

  /**
   * Uploads a file: a `File`/`Blob`, or any {@link UploadSource} (`fileSource(path)`
   * from `@frago/client/node`). Starts at once; await `done` for the result. A file
   * found in the store (same name, size and modification time) is resumed.
   *
   * @throws {FragoClientError} `INVALID_ARGUMENT` for a bad option (other failures reject `done`).
   */
  upload(file: Blob | UploadSource, options: UploadOptions = {}): Upload {
    positiveInteger(options.chunkSize, 'chunkSize');
    positiveInteger(options.parallel, 'parallel');
    if (options.checksum) checksumAlgorithm(options.checksum);
    const source = typeof Blob !== 'undefined' && file instanceof Blob ? blobSource(file) : (file as UploadSource);
    return new Upload(this, source, options);
  }

  /** @internal One request, retried by the client's policy. */
  call<T>(request: Omit<HttpRequest, 'signal'>, options: CallOptions = {}): Promise<T> {
    const signal = options.signal ?? new AbortController().signal;
    return withRetries(async () => (await this.http.send<T>({ ...request, signal })).body, this.policy, signal, options.onRetry);
  }

  /**
   * Starts an upload (`POST /upload/`).
   *
   * @throws {FragoClientError} `REFUSED` (too large, bad name, unsupported checksum, ...), or a network failure.
   */
  start(input: StartInput, options?: CallOptions): Promise<StartAnswer> {
    return this.call<StartAnswer>(
      {
        method: 'POST',
        json: {
          filename: input.filename,
          total_size: input.totalSize,
          checksum_algo: input.checksumAlgorithm,
          checksum: input.checksum,
          metadata: input.metadata,
          ...(input.direct ? { direct: true } : {}),
        },
      },
      options,
    );
  }

  /**
   * Presigned URLs for parts of a direct upload (`POST /upload/:id/parts`), at most 100 at once.
   *
   * @throws {FragoClientError} `REFUSED` (not a part of the upload, no direct uploads on this server), `NOT_FOUND`, `EXPIRED`, or a network failure.
   */
  signParts(uploadId: string, parts: readonly number[], options?: CallOptions): Promise<PartsAnswer> {
    return this.call<PartsAnswer>({ method: 'POST', uploadId, below: 'parts', json: { parts } }, options);
  }

  /**
   * What the server holds of an upload (`GET /upload/:id/`): received and missing ranges.
   *
   * @throws {FragoClientError} `NOT_FOUND`, `EXPIRED`, or a network failure.
   */
  status(uploadId: string, options?: CallOptions): Promise<StatusAnswer> {
    return this.call<StatusAnswer>({ method: 'GET', uploadId }, options);
  }

  /**
   * Verifies and assembles an upload (`POST /upload/:id/`). Retried while another
   * request is finalizing it (`UPLOAD_BUSY`).
   *
   * @throws {FragoClientError} `CHECKSUM_MISMATCH`, `REFUSED` with `serverCode`
   * `UPLOAD_INCOMPLETE` (and `details.missing`), `NOT_FOUND`, `EXPIRED`, or a network failure.
   */
  finalize(uploadId: string, input: { checksum?: string; checksumAlgorithm?: ChecksumAlgorithm } = {}, options?: CallOptions): Promise<FinalizeAnswer> {
    return this.call<FinalizeAnswer>(
      { method: 'POST', uploadId, json: { checksum: input.checksum, checksum_algo: input.checksumAlgorithm } },
      options,
    );
  }

  /**
   * Aborts an upload on the server (`DELETE /upload/:id/`): its bytes are deleted.
   * Aborting an upload that is already aborted succeeds (a retried request may find
   * its first try done).
   *
   * @throws {FragoClientError} `NOT_FOUND`, `REFUSED` (`UPLOAD_COMPLETED`), or a network failure.
   */
  async abort(uploadId: string, options?: CallOptions): Promise<AbortAnswer> {
    try {
      return await this.call<AbortAnswer>({ method: 'DELETE', uploadId }, options);
    } catch (error) {
      if (isFragoClientError(error, 'EXPIRED') && error.serverCode === 'UPLOAD_ABORTED') {
        return { upload_id: uploadId, message: error.message };
      }
      throw error;
    }
  }
}
