import { hashPieces, type ChecksumAlgorithm } from './checksum.js';
import type { UploadSource } from './source.js';

/** What a hasher gets besides the file and the algorithm. */
export interface HashOptions {
  readonly signal: AbortSignal;
  /** Bytes hashed so far. */
  readonly onProgress: (hashedBytes: number) => void;
}

/**
 * Computes a file's checksum (lowercase hex) while its chunks are being sent.
 * {@link inlineHasher} runs in the calling thread; `workerHasher` in a Web Worker.
 */
export type Hasher = (source: UploadSource, algorithm: ChecksumAlgorithm, options: HashOptions) => Promise<string>;

/** Hashes in the calling thread with hash-wasm (the default; fine in Node and small pages). */
export const inlineHasher: Hasher = (source, algorithm, options) =>
  hashPieces(source.stream(), algorithm, options.onProgress, options.signal);
