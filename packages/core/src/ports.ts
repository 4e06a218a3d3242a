import type { ByteRange } from './intervals.js';
import type {
  ChunkRecord,
  ClaimResult,
  HashProgress,
  ListQuery,
  NewUpload,
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

  /** Every chunk of the upload, pending and stored, ordered by `start`. */
  chunks(uploadId: string): Promise<ChunkRecord[]>;

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

  /** Extends a pending claim's lease; false when the claim is gone. */
  renewClaim(uploadId: string, claimId: string, leaseUntil: Date): Promise<boolean>;

  /**
   * Marks a pending claim stored, atomically with a check that the upload is still
   * `in_progress`. False (and nothing changed) when the claim is gone or the upload
   * left `in_progress`.
   */
  storeClaim(uploadId: string, claimId: string): Promise<boolean>;

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
   * Uploads to sweep: those `in_progress` whose `expiresAt` is before `now`, and those
   * already `expired` or `aborted`; never `complete` ones. At most `limit`.
   */
  findExpired(now: Date, limit: number): Promise<UploadRecord[]>;

  /** Deletes an upload and all its chunks. Idempotent. */
  delete(uploadId: string): Promise<void>;

  /** How many uploads of this owner are `in_progress` or `assembling`. */
  countActive(owner: string): Promise<number>;
}

/** What a storage can and cannot do, so the core does not have to guess. */
export interface StorageCapabilities {
  /** The chunk size the storage works best with; proposed to clients when an upload starts. */
  readonly preferredChunkSize?: number;
  /** Chunks must be at least this large, except the last one. */
  readonly minChunkSize?: number;
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
 * Where the bytes live. Keys are chosen by the server, never by the client. A storage
 * never buffers a whole chunk: it consumes the body as it arrives.
 */
export interface Storage {
  readonly capabilities: StorageCapabilities;

  /** Opens the space for an upload of `totalSize` bytes under `key`. */
  create(key: string, totalSize: number): Promise<void>;

  /**
   * Writes the bytes of `body`, in order, starting at `offset`. The core has already
   * checked the range and limits the body to its declared length. When `body` throws,
   * the write stops and rejects with that error; bytes already written are not
   * counted by the core and will be overwritten by a later write of the range.
   */
  write(key: string, offset: number, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;

  /** Streams back the bytes of `range` of an upload in progress. */
  read(key: string, range: ByteRange): AsyncIterable<Uint8Array>;

  /**
   * Turns the upload's bytes into the final file and returns its location. Must be
   * idempotent: called again after a crash half-way, it completes and returns the same
   * location. Must never overwrite another file.
   */
  assemble(key: string, target: AssembleTarget): Promise<{ readonly location: string }>;

  /** Deletes an upload's in-progress bytes. Idempotent; never touches assembled files. */
  delete(key: string): Promise<void>;
}
