import type { ByteRange } from './intervals.js';
import type {
  ChunkQuery,
  ChunkRecord,
  ClaimResult,
  HashProgress,
  HeldClaim,
  ListQuery,
  NewClaim,
  NewUpload,
  StoredRange,
  TransitionGuard,
  TransitionPatch,
  UploadRecord,
  UploadStatus,
} from './model.js';

/**
 * Where uploads and their chunks are recorded. Every method that decides something
 * (claim, store, transition) is atomic, also across processes sharing one database:
 * this is where frago's guarantees about races live. Implementations wrap their own
 * failures in nothing; the core turns them into `REPOSITORY_FAILED`.
 */
export interface UploadRepository {
  /** Records a new upload with status `in_progress` and returns it. */
  create(upload: NewUpload): Promise<UploadRecord>;

  /** The upload with this id, or null. */
  get(id: string): Promise<UploadRecord | null>;

  /**
   * The uploads of one owner, newest first (by `createdAt`, then `id`), at most
   * `query.limit`, starting after `query.after`. Never lists anonymous uploads.
   */
  list(owner: string, query: ListQuery): Promise<UploadRecord[]>;

  /**
   * The chunks of the upload, pending and stored, ordered by `start`: every one, or with
   * `query` only those whose `end` is at least `query.from`, at most `query.limit` of
   * them. (Returning more than asked is not wrong, only slower.)
   */
  chunks(uploadId: string, query?: ChunkQuery): Promise<ChunkRecord[]>;

  /**
   * Atomically claims `range` for writing, unless:
   * - the upload is not `in_progress` (`not_in_progress`);
   * - a stored chunk has exactly this range (`duplicate`);
   * - a pending claim with a live lease has exactly this range (`in_flight`);
   * - any other stored or live pending chunk shares a byte with it (`conflict`).
   * A pending claim whose lease ran out before `now` is abandoned: it is removed and
   * does not block the new claim. Two concurrent calls for overlapping ranges never
   * both return `claimed`.
   */
  claimRange(
    uploadId: string,
    range: ByteRange,
    claim: { readonly claimId: string; readonly digest: string | null; readonly leaseUntil: Date; readonly now: Date },
  ): Promise<ClaimResult>;

  /**
   * Sets the size of an upload whose size is deferred (`totalSize` null), atomically:
   * only while it is `in_progress`, its size still deferred, and no chunk, stored or
   * pending, reaches past `totalSize`. Returns the upload as changed, or null when any of
   * that does not hold (nothing changed). Optional: without it, the service refuses
   * uploads whose size is deferred.
   */
  declareSize?(uploadId: string, totalSize: number): Promise<UploadRecord | null>;

  /**
   * Optional. Records a new upload (as {@link UploadRepository.create}) together with a
   * pending claim on `claim`'s range of it, in one atomic step: a one-request upload
   * writes one record before its bytes instead of two. Without it, the service calls
   * `create` and then `claimRange`.
   */
  createClaimed?(upload: NewUpload, claim: NewClaim): Promise<UploadRecord>;

  /**
   * Optional. In one atomic step: marks the pending claim `held.claimId` stored with
   * `held.storageData` (as {@link UploadRepository.storeClaim}), saves `held.hash` as the
   * upload's checksum progress when given, and moves the upload `in_progress ->
   * assembling` until `held.leaseUntil` (as `transition`). Returns the upload as changed;
   * null, and nothing changed, when the upload is not `in_progress` or the claim is gone.
   * Without it, the service makes those three calls.
   */
  storeAndHold?(uploadId: string, held: HeldClaim): Promise<UploadRecord | null>;

  /**
   * Records that the upload `in_progress` goes direct (`UploadRecord.direct` true), so
   * that status and finalize ask the store for its parts without asking the store first
   * whether it is direct. Idempotent; false when there is no such upload in progress.
   * Optional: without it, the record's `direct` stays as created and the storage's own
   * mark decides for uploads whose `direct` is null.
   */
  markDirect?(uploadId: string): Promise<boolean>;

  /**
   * Records each range as a stored chunk, as {@link UploadRepository.claimRange} and
   * {@link UploadRepository.storeClaim} would one after the other (at `now`), each range
   * on its own: a range that meets a stored chunk or a live claim is left out, abandoned
   * claims give way. Returns how many were recorded; none when the upload is not
   * `in_progress`. One transaction where the store has them, so that the parts of a
   * direct upload cost one round of locking, not one per part. Optional: without it,
   * the core claims and stores each range.
   */
  recordStored?(uploadId: string, ranges: readonly StoredRange[], now: Date): Promise<number>;

  /** Extends a pending claim's lease; false when the claim is gone. */
  renewClaim(uploadId: string, claimId: string, leaseUntil: Date): Promise<boolean>;

  /**
   * Marks a pending claim stored, atomically with a check that the upload is still
   * `in_progress`, and keeps `storageData` with it (what {@link Storage.write} returned
   * for the chunk; returned unchanged as {@link ChunkRecord.storageData} by
   * {@link UploadRepository.chunks}) and `checksum` (the chunk's value of a combinable
   * checksum, returned as {@link ChunkRecord.checksum}). False (and nothing changed) when
   * the claim is gone or the upload left `in_progress`. A repository that ignores
   * `checksum` stays correct: finalize then reads the chunk back.
   */
  storeClaim(uploadId: string, claimId: string, storageData?: string | null, checksum?: string | null): Promise<boolean>;

  /** Removes a pending claim, leaving stored chunks untouched. Idempotent. */
  releaseClaim(uploadId: string, claimId: string): Promise<void>;

  /**
   * Compare-and-set of the upload's status: moves it from `guard.status` to `to` and
   * applies `patch` in one step. Returns the updated upload, or null when its status
   * (or lease) did not match, so that two processes never make the same transition.
   */
  transition(uploadId: string, guard: TransitionGuard, to: UploadStatus, patch?: TransitionPatch): Promise<UploadRecord | null>;

  /**
   * Saves checksum progress if the saved offset is still `fromOffset` (compare-and-set),
   * so that concurrent hashers never move it backwards. Returns whether it was saved.
   */
  saveHashProgress(uploadId: string, fromOffset: number, progress: HashProgress): Promise<boolean>;

  /**
   * Uploads to sweep, by the rule of `isDueForSweep`: those already `expired`, and those
   * `in_progress` or `aborted` whose `expiresAt` is before `now`; never `assembling` or
   * `complete` ones. At most `limit`.
   */
  findExpired(now: Date, limit: number): Promise<UploadRecord[]>;

  /** Deletes an upload and all its chunks. Idempotent. */
  delete(uploadId: string): Promise<void>;

  /**
   * Deletes every chunk of an upload, pending and stored, and keeps the upload's record:
   * an aborted upload stays as a tombstone until it expires. A pending claim deleted
   * here can no longer be stored. Idempotent.
   */
  deleteChunks(uploadId: string): Promise<void>;

  /** How many uploads of this owner are `in_progress` or `assembling`. */
  countActive(owner: string): Promise<number>;

  /**
   * Optional. Resolves when the database answers (a trivial round trip), rejects with
   * the driver's error otherwise. Readiness checks call it; it changes nothing.
   */
  ping?(): Promise<void>;
}

/** What a storage can and cannot do, so the core does not have to guess. */
export interface StorageCapabilities {
  /** The chunk size the storage works best with; proposed to clients when an upload starts. */
  readonly preferredChunkSize?: number;
  /** Chunks must be at least this large, except the last one. */
  readonly minChunkSize?: number;
  /**
   * The chunk size the storage works best with for an upload of `totalSize` bytes, when
   * that depends on the size (S3 allows at most 10,000 parts, so large files need
   * larger parts). The core proposes the larger of this and its `chunkSize`.
   */
  chunkSizeFor?(totalSize: number): number;
  /**
   * True when an upload's size may be deferred: its space is opened with `create(key, 0)`,
   * writes may go past the space's end up to the `totalSize` of their placement (the
   * server's largest upload), and a second `create` with the declared size gives the
   * space that length, keeping its bytes.
   */
  readonly deferredSize?: boolean;
}

/** Where a chunk lies in its upload, as the core tells {@link Storage.write}. */
export interface ChunkPlacement {
  /** The last byte of the chunk (inclusive): the body carries `end - offset + 1` bytes. */
  readonly end: number;
  /** The size of the whole upload; for an upload whose size is deferred, the largest it may grow to. */
  readonly totalSize: number;
}

/**
 * What a storage may return from {@link Storage.write}: data the repository keeps with
 * the chunk (an S3 part's number and ETag, the key of a staged object ...), so that
 * whichever process assembles the upload finds it in {@link StoredChunk.storageData}.
 */
export interface WrittenChunk {
  /** Opaque to the core and the repository; at most a few kilobytes. */
  readonly storageData: string | null;
}

/** A stored chunk as the core hands it back to {@link Storage.seal}. */
export interface StoredChunk extends ByteRange {
  /** What {@link Storage.write} returned for it, or null. */
  readonly storageData: string | null;
}

/** Where the assembled file should go, as the service asks of {@link Storage.assemble}. */
export interface AssembleTarget {
  readonly uploadId: string;
  /** A file name already made safe by the core (no separators, no control characters). */
  readonly filename: string;
  readonly totalSize: number;
  /** An optional subfolder below the storage's assembled root, already made safe by the core. */
  readonly directory?: string | undefined;
}

/**
 * What a storage's {@link Storage.join} hands each piece it copies through the process
 * to, with the piece's offset in the joined upload; a promise means: wait for it.
 */
export type JoinCopied = (offset: number, bytes: Uint8Array) => void | Promise<void>;

/** A whole upload whose bytes {@link Storage.join} puts at `offset` of another upload. */
export interface JoinedPart {
  readonly key: string;
  readonly offset: number;
  /** Its size in bytes, more than zero. */
  readonly size: number;
}

/** One part of a direct upload: its number (from 1) and the byte range it must hold. */
export interface DirectPart extends ByteRange {
  readonly part: number;
}

/** A URL the client sends one part's bytes to, straight to the store. */
export interface SignedPart {
  readonly url: string;
  /** The HTTP method to use (`PUT`). */
  readonly method: string;
  /** Headers the request must carry exactly as given (they are signed). */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
}

/** A part the store holds for a direct upload, as it lists it. */
export interface ListedPart {
  readonly part: number;
  readonly size: number;
  /** The store's tag for the part's bytes (an S3 ETag); two different contents never share one. */
  readonly etag: string;
  /** What the repository keeps with the chunk the part becomes (see {@link WrittenChunk}). */
  readonly storageData: string;
}

/**
 * Direct uploads: the client sends each part of the file straight to the store with a
 * URL the storage signs, so the bytes never pass through the server. Any opened upload
 * may go direct; its parts are the ranges of {@link DirectUploads.partSize} bytes (the
 * last one shorter), and signing the first URL marks it direct. The core learns what
 * arrived from {@link DirectUploads.listParts} and records each part as a stored chunk,
 * so seal, assemble and delete work as for chunks sent through the server.
 */
export interface DirectUploads {
  /** The part size of a direct upload of `totalSize` bytes. @throws {FragoError} `UPLOAD_TOO_LARGE`. */
  partSize(totalSize: number): number;

  /**
   * Each part with its URL, in the order given, each URL accepting exactly its part's bytes (its size
   * is signed, and its MD5 when `contentMd5` names the part) until `notAfter` at the
   * latest, and marks the upload direct. What the upload needs is loaded once for the
   * whole batch.
   *
   * @throws {FragoError} `INVALID_RANGE` for a part that is not one of the upload's,
   * `STORAGE_FAILED` for an upload that is unknown or no longer open.
   */
  signParts(
    key: string,
    parts: readonly DirectPart[],
    notAfter: Date,
    contentMd5?: Readonly<Record<number, string>>,
  ): Promise<Array<DirectPart & SignedPart>>;

  /**
   * The parts the store holds for the upload, ordered by number. Parts of any size are
   * listed: the core checks them. With `known` true the upload's record says it is
   * direct and the store is listed at once; otherwise (a record that does not say) the
   * storage looks for its own mark first, and answers null when the upload was never
   * marked direct (nothing to learn from the store).
   */
  listParts(key: string, known?: boolean): Promise<readonly ListedPart[] | null>;
}

/**
 * Where the bytes live. Keys are chosen by the server, never by the client. A storage
 * never buffers a whole chunk: it consumes the body as it arrives.
 */
export interface Storage {
  readonly capabilities: StorageCapabilities;

  /** Present when the storage can take parts straight from clients (see {@link DirectUploads}). */
  readonly direct?: DirectUploads;

  /**
   * Opens the space for an upload of `totalSize` bytes under `key`. `target` is where
   * the file will go as far as it is known when the upload starts (the `assembleTarget`
   * hook may still move it); a storage that names its final object up front (an S3
   * multipart upload) uses it, others may ignore it.
   */
  create(key: string, totalSize: number, target?: AssembleTarget): Promise<void>;

  /**
   * Writes the bytes of `body`, in order, starting at `offset`. The core has already
   * checked the range and limits the body to its declared length, which `placement`
   * states (the core always passes it; a storage that needs it may refuse a write
   * without it). When `body` throws, the write stops and rejects with that error; bytes
   * already written are not counted by the core and will be overwritten by a later
   * write of the range.
   *
   * May resolve with a {@link WrittenChunk}: the repository keeps its `storageData` with
   * the chunk, and {@link Storage.seal} gets it back.
   */
  write(
    key: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
    placement?: ChunkPlacement,
  ): Promise<void | WrittenChunk>;

  /**
   * Streams back the bytes of `range` of an upload in progress. A storage with
   * {@link Storage.seal} may require it to have been called first.
   */
  read(key: string, range: ByteRange): AsyncIterable<Uint8Array>;

  /**
   * Optional. The path of the file on this machine that holds the bytes of an upload in
   * progress, at their offsets, for another thread of this process to read: a hashing
   * thread then reads the bytes it must catch up on itself, instead of their passing
   * through {@link Storage.read} on the event loop. Undefined where no such file is.
   */
  localFile?(key: string): string | undefined;

  /**
   * Optional. Called when an upload is about to be verified and assembled, once every
   * byte is stored and no chunk can be added any more, with every stored chunk ordered
   * by `start` (they cover the upload exactly, without overlap). A storage whose chunks
   * cannot be read back where they were written (S3 parts of an open multipart upload)
   * joins them here, so that {@link Storage.read} and {@link Storage.assemble} work.
   * Must be idempotent: it may be called again for the same chunks (after a checksum
   * mismatch, or by a process taking over a dead finalizer).
   */
  seal?(key: string, chunks: readonly StoredChunk[]): Promise<void>;

  /**
   * Optional. Makes the bytes of whole uploads (`parts`, each sealed when the storage has
   * {@link Storage.seal}) the bytes of the upload `key` at their offsets, which together
   * cover it exactly; `key` was created with their total size and has no chunk yet.
   * Without passing the bytes through the process where the storage can (a disk link,
   * server-side copies). Resolves with one {@link WrittenChunk} per part, in order: the
   * core records each part's range of `key` as a chunk with it. The parts keep their
   * own bytes until they are deleted. Without it, the core reads the parts back and
   * writes them into `key`.
   *
   * A storage that does pass bytes through the process hands each piece to `copied`
   * (with its offset in `key`) before writing it, parts in order and each part's bytes
   * in order, waiting for it when it returns a promise: the core hashes them on the way
   * instead of reading the joined file back.
   */
  join?(key: string, parts: readonly JoinedPart[], copied?: JoinCopied): Promise<WrittenChunk[]>;

  /**
   * Turns the upload's bytes into the final file and returns its location. Must be
   * idempotent: called again after a crash half-way, it completes and returns the same
   * location. Must never overwrite another file. The core calls {@link Storage.seal}
   * first, when the storage has it.
   */
  assemble(key: string, target: AssembleTarget): Promise<{ readonly location: string }>;

  /** Deletes an upload's in-progress bytes. Idempotent; never touches assembled files. */
  delete(key: string): Promise<void>;

  /**
   * Optional. Resolves when the storage answers (its folder exists, its bucket is
   * reachable), rejects with the underlying error otherwise. Changes nothing.
   */
  ping?(): Promise<void>;
}
