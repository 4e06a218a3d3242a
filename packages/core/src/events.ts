import mitt, { type Emitter } from 'mitt';
import type { ChecksumAlgorithm } from './checksum.js';
import type { ByteRange } from './intervals.js';
import type { UploadRecord } from './model.js';
import type { AnsweredRequest } from './request-facts.js';

/** Every event frago emits, with its payload. */
export type FragoEvents = {
  /** A new upload was created. */
  'upload:started': { readonly upload: UploadRecord };
  /** A chunk's bytes were persisted and recorded (or recognised as a duplicate). */
  'chunk:received': { readonly upload: UploadRecord; readonly range: ByteRange; readonly duplicate: boolean };
  /** The upload was verified and assembled. */
  'upload:completed': { readonly upload: UploadRecord; readonly location: string; readonly checksum: string };
  /** Finalize found a checksum that differs from the expected one; the upload is back `in_progress`. */
  'checksum:failed': {
    readonly upload: UploadRecord;
    readonly algorithm: ChecksumAlgorithm;
    readonly expected: string;
    readonly actual: string;
  };
  /** The upload passed its expiry; its bytes are deleted. */
  'upload:expired': { readonly upload: UploadRecord };
  /** The owner aborted the upload; its bytes and records are deleted. */
  'upload:aborted': { readonly upload: UploadRecord };
  /**
   * Something failed on the server's side: a request answered `INTERNAL_ERROR`,
   * `STORAGE_FAILED` or `REPOSITORY_FAILED` (`request` says which), or a sweep. `error` is the failure with its cause; it is never sent
   * to a client.
   */
  error: { readonly error: unknown; readonly source: 'request' | 'sweeper'; readonly request?: AnsweredRequest };
};

/** A typed mitt emitter of {@link FragoEvents}. */
export type FragoEmitter = Emitter<FragoEvents>;

/** A new, empty event emitter. */
export function createEmitter(): FragoEmitter {
  return mitt<FragoEvents>();
}
