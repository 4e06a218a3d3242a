import type { ChecksumAlgorithm } from './checksum.js';
import type { ChunkDigest } from './digest.js';
import type { ByteRange } from './intervals.js';

/**
 * Starts an upload. A protocol builds it from its request once every value is of the
 * right kind; the service then applies the server's policy (size limit, allowed
 * algorithms, quotas, hooks).
 */
export interface StartUpload {
  /** The client's name for the file, checked by `validateFilename`: metadata only, never a path. */
  readonly filename: string;
  /**
   * The size of the file: a whole number of bytes, zero or more; null to defer it until
   * it is known (declared later with `UploadService.declareSize`), on a storage that
   * allows it (`StorageCapabilities.deferredSize`).
   */
  readonly totalSize: number | null;
  /** The whole-file digest the client announces, lowercase hex; absent or null when it announces none. */
  readonly checksum?: string | null | undefined;
  /** The algorithm of the whole-file checksum; absent or null for the server's default. */
  readonly checksumAlgorithm?: ChecksumAlgorithm | null | undefined;
  /** Absent for none. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** One chunk: a range of the upload and its bytes, streamed. */
export interface WriteChunk {
  /**
   * The closed byte range `[start, end]`, and the size of the whole file as the client
   * states it: null for an upload whose size is still deferred.
   */
  readonly range: ByteRange & { readonly total: number | null };
  readonly body: AsyncIterable<Uint8Array>;
  /** A digest of the chunk's bytes the client sent, verified on arrival; absent or null when none. */
  readonly digest?: ChunkDigest | null | undefined;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /**
   * False: the chunk leaves the whole-file checksum alone, for an upload whose own
   * checksum nothing verifies (a part of a concatenation: its final computes its own).
   * Default true.
   */
  readonly wholeFileChecksum?: boolean | undefined;
}

/** Verifies and assembles an upload. */
export interface FinalizeUpload {
  /** The whole-file digest to verify against, lowercase hex; absent or null to use the one announced at start. */
  readonly checksum?: string | null | undefined;
  /** The algorithm of `checksum`; absent or null for the upload's own. */
  readonly checksumAlgorithm?: ChecksumAlgorithm | null | undefined;
}

/** One page of the caller's uploads. */
export interface ListUploads {
  /** How many at most; the service keeps it between 1 and 200. */
  readonly limit: number;
  /** Where the previous page ended, as the service returned it; null for the first page. */
  readonly cursor: string | null;
}

/**
 * Makes one upload of several: a new upload whose bytes are those of `parts`, in
 * order. Every part must be the caller's, in progress and whole.
 */
export interface ConcatenateUploads {
  /** The client's name for the joined file, checked by `validateFilename`. */
  readonly filename: string;
  /** The ids of the uploads to join, in order; each once. */
  readonly parts: readonly string[];
  /** Absent for none. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}
