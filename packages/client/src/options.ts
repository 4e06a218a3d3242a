import type { ChecksumAlgorithm } from './checksum.js';
import type { Hasher } from './hasher.js';
import type { HeaderSource } from './http.js';
import type { UploadStore } from './store.js';

/** Options of a {@link FragoClient}; every one but `endpoint` has a default. */
export interface ClientOptions {
  /** The frago API, e.g. `https://files.example.com/upload`; relative (`/upload`) in a browser page. */
  readonly endpoint: string | URL;
  /** Bytes per chunk. Default: what the server proposes when the upload starts (capped by its maximum). */
  readonly chunkSize?: number;
  /** Chunks in flight at once. Default 4. */
  readonly parallel?: number;
  /**
   * The whole-file checksum to compute while reading and send at finalize. Default:
   * the server's algorithm (md5 unless it says otherwise). `false` sends none (the
   * server still computes and reports its own, but for a direct upload, whose bytes it
   * would have to read back from the store).
   */
  readonly checksum?: ChecksumAlgorithm | false;
  /** Retries per request after the first try, for network errors, timeouts, 5xx and 429. Default 8. */
  readonly retries?: number;
  /** The first retry's delay; it doubles per retry, with jitter. Default 250 ms. */
  readonly retryDelayMs?: number;
  /** The longest delay between tries. Default 20 s. */
  readonly maxRetryDelayMs?: number;
  /** How long one request (one chunk) may take. Default 2 minutes. */
  readonly requestTimeoutMs?: number;
  /** Extra headers, or a function returning them before every request (auth tokens). */
  readonly headers?: HeaderSource;
  /** Where unfinished uploads are remembered. Default: `localStorage` in a browser, memory elsewhere. */
  readonly store?: UploadStore;
  /** How the checksum is computed. Default: in the calling thread ({@link inlineHasher}). */
  readonly hasher?: Hasher;
  /**
   * Send the bytes straight to the store when the server offers it for an upload (S3
   * with presigned part URLs): the chunks are then the store's parts. Default true; a
   * web page needs the bucket to allow its origin (CORS) for this.
   */
  readonly direct?: boolean;
  /**
   * In a direct upload, bind each part to its MD5: the client reads and hashes the parts
   * ahead of their turn and asks for their URLs, signed with their `Content-MD5`, a batch
   * at a time, so the store refuses bytes that changed on the way (the part is then
   * hashed and sent again). Costs the client one MD5 over the file (and a second read of
   * the parts hashed ahead beyond the `parallel` whose bytes it keeps), the server nothing
   * per byte. Default false: on a machine whose cores the client shares (measured in
   * `pnpm bench`, W1 direct), hashing every part cost about half the throughput.
   */
  readonly partChecksums?: boolean;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
}

/** Options of one {@link FragoClient.upload}; they override the client's. */
export interface UploadOptions {
  /** Resume this upload (asks the server what is missing). Fails when the server no longer has it. */
  readonly uploadId?: string;
  /** Look the file up in the store and resume it when found. Default true. */
  readonly resume?: boolean;
  /** Stored with the upload on the server. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Stops the upload; it stays on the server and in the store, so it can be resumed. */
  readonly signal?: AbortSignal;
  readonly chunkSize?: number;
  readonly parallel?: number;
  readonly checksum?: ChecksumAlgorithm | false;
  readonly direct?: boolean;
  readonly partChecksums?: boolean;
}

/** The client's defaults. */
export const DEFAULTS = {
  parallel: 4,
  retries: 8,
  retryDelayMs: 250,
  maxRetryDelayMs: 20_000,
  requestTimeoutMs: 120_000,
  /** Used to cut ranges when resuming an upload whose chunk size nobody remembers. */
  chunkSize: 8 * 1024 * 1024,
} as const;
