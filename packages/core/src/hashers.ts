import { ResumableHasher, type ChecksumAlgorithm } from './checksum.js';
import type { ByteRange } from './intervals.js';

/**
 * One whole-file hashing job: bytes go in, in order, then its state or digest comes
 * out. A job may run elsewhere (another thread): `update` may copy the bytes and may
 * ask the caller to wait before sending more.
 */
export interface HashJob {
  /** Adds bytes; the caller may reuse them once this returns. A promise means: wait before the next call. */
  update(bytes: Uint8Array): void | Promise<void>;
  /**
   * Optional. Adds the bytes of `range` of the file at `path` (a storage's `localFile`),
   * which the job reads itself, where it runs: they never pass through the caller.
   *
   * @throws {FragoError} `STORAGE_FAILED` when the file cannot be read or ends early.
   */
  updateFromFile?(path: string, range: ByteRange): Promise<void>;
  /** The state so far, in hash-wasm's format, to resume from later (in any process). */
  save(): Promise<Uint8Array>;
  /** The lowercase hex digest of everything added. The job is closed afterwards. */
  digest(): Promise<string>;
  /** Ends the job without a result. Idempotent. */
  close(): void;
}

/**
 * Where whole-file checksums are computed: in the request's thread by default
 * ({@link inThreadHashers}); `threadHashers()` from `@frago/core/node` moves the work
 * to worker threads, so hashing no longer competes with requests for the event loop.
 */
export interface Hashers {
  /** A job for `algorithm`, fresh or resumed from a state that {@link HashJob.save} returned. */
  open(algorithm: ChecksumAlgorithm, state: Uint8Array | null): Promise<HashJob>;
}

/** Hashes in the calling thread, with pooled WebAssembly hashers. */
export const inThreadHashers: Hashers = {
  async open(algorithm, state) {
    const hasher = await ResumableHasher.create(algorithm, state);
    return {
      update: (bytes) => hasher.update(bytes),
      save: async () => hasher.save(),
      digest: async () => hasher.digest(),
      close: () => hasher.close(),
    };
  },
};
