import type { ByteRange } from './intervals.js';
import type { ChecksumAlgorithm } from './checksum.js';
import { FragoError } from './errors.js';

/**
 * Where an upload is in its life:
 * `in_progress -> assembling -> complete`, `in_progress -> expired`,
 * `in_progress -> aborted`, and `assembling -> in_progress` after a checksum mismatch.
 */
export type UploadStatus = 'in_progress' | 'assembling' | 'complete' | 'expired' | 'aborted';

/** Saved progress of the whole-file checksum: the state after hashing bytes `[0, offset)`. */
export interface HashProgress {
  readonly algorithm: ChecksumAlgorithm;
  readonly offset: number;
  /** The hasher's saved state (hash-wasm `save()`), or null when nothing is hashed yet. */
  readonly state: Uint8Array | null;
}

/** An upload as the repository stores it. */
export interface UploadRecord {
  readonly id: string;
  /** The identity key of the owner (`user:42`, `device:7`, ...); null for an anonymous upload. */
  readonly owner: string | null;
  /** The client's filename: metadata only, never used as a path. */
  readonly filename: string;
  /**
   * The size of the file in bytes; null while it is deferred (an upload started before
   * its size is known, see `UploadService.declareSize`). Declared once, never changed.
   */
  readonly totalSize: number | null;
  readonly status: UploadStatus;
  /** Where the storage keeps the bytes while the upload is in progress; chosen by the server. */
  readonly storageKey: string;
  readonly checksumAlgorithm: ChecksumAlgorithm;
  /** A checksum the client announced when starting, verified at finalize. */
  readonly expectedChecksum: string | null;
  /** The verified checksum of the assembled file, set on completion. */
  readonly checksum: string | null;
  /** Where the storage put the assembled file (storage-specific), set on completion. */
  readonly location: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly completedAt: Date | null;
  /** While `assembling`: until when the finalizing process holds the upload. */
  readonly leaseUntil: Date | null;
  readonly hash: HashProgress;
  /**
   * Whether the client sends the parts straight to the store (see `DirectUploads`):
   * false when the upload starts, true once a part URL was signed for it. Null when the
   * record does not say: kept before the repository stored the mode (or by a repository
   * that keeps none), and then the storage's own mark decides.
   */
  readonly direct: boolean | null;
}

/**
 * The size of an upload, which must be declared by now (to finalize, assemble or join it).
 *
 * @throws {FragoError} `UPLOAD_INCOMPLETE` while its size is deferred.
 */
export function declaredSize(upload: Pick<UploadRecord, 'totalSize'>): number {
  if (upload.totalSize === null) throw new FragoError('UPLOAD_INCOMPLETE', 'The size of this upload is not declared yet');
  return upload.totalSize;
}

/** What the service asks the repository to create. */
export type NewUpload = Omit<UploadRecord, 'status' | 'checksum' | 'location' | 'completedAt' | 'leaseUntil' | 'direct'>;

/**
 * Whether a pending claim's request may still be sending its bytes: its lease runs past
 * `now`. A claim whose lease ran out is abandoned; its range may be claimed again.
 */
export function isLiveClaim(chunk: ChunkRecord, now: Date): boolean {
  return chunk.state === 'pending' && chunk.leaseUntil !== null && chunk.leaseUntil > now;
}

/** The record a repository keeps for a new upload: `in_progress`, nothing verified, assembled or leased yet, not direct. */
export function newUploadRecord(upload: NewUpload): UploadRecord {
  return { ...upload, status: 'in_progress', checksum: null, location: null, completedAt: null, leaseUntil: null, direct: false };
}

/** A range to record stored at once (see `UploadRepository.recordStored`), as a claim and its store would. */
export interface StoredRange extends ByteRange {
  readonly claimId: string;
  readonly digest: string | null;
  readonly storageData: string | null;
}

/** A byte range of an upload that a request has claimed (`pending`) or whose bytes are persisted (`stored`). */
export interface ChunkRecord extends ByteRange {
  readonly size: number;
  readonly state: 'pending' | 'stored';
  /** Identifies one claim, so that only its holder can store or release it. */
  readonly claimId: string;
  /** Lowercase hex digest of the chunk's bytes when the client sent one; used to tell a true duplicate from a conflict. */
  readonly digest: string | null;
  /** For a pending claim: after this moment the claim is abandoned and may be taken over. */
  readonly leaseUntil: Date | null;
  /**
   * What the storage returned when it wrote the chunk (see `WrittenChunk`), kept so that
   * any process can assemble the upload; null while pending or when the storage returned
   * nothing. Repositories written before this field existed may leave it out.
   */
  readonly storageData?: string | null;
  /**
   * The chunk's own value of the upload's combinable checksum (`crc32c:e3069283`),
   * computed as its bytes streamed to the storage, so that finalize combines the values
   * instead of reading the bytes back. Null while pending, for an algorithm that does not
   * combine, and for a chunk that did not stream through frago (a direct upload's part,
   * a joined upload) or was stored by a process or repository that predates the field
   * (which may leave it out): finalize reads such a chunk back.
   */
  readonly checksum?: string | null;
}

/** A pending claim on `[start, end]` of a new upload, recorded with it by `UploadRepository.createClaimed`. */
export interface NewClaim extends ByteRange {
  readonly claimId: string;
  readonly digest: string | null;
  readonly leaseUntil: Date;
}

/** What `UploadRepository.storeAndHold` records: the claim to store, and how the upload is held. */
export interface HeldClaim {
  readonly claimId: string;
  /** What the storage returned for the chunk (see `WrittenChunk`). */
  readonly storageData: string | null;
  /** The chunk's value of a combinable checksum (see `UploadRepository.storeClaim`); null or absent for none. */
  readonly checksum?: string | null;
  /** The checksum progress to save with the upload; null to leave it. */
  readonly hash: HashProgress | null;
  /** Until when the upload is held for assembly. */
  readonly leaseUntil: Date;
}

/** The outcome of {@link UploadRepository.claimRange}. */
export type ClaimResult =
  | { readonly kind: 'claimed'; readonly claimId: string }
  | { readonly kind: 'duplicate'; readonly chunk: ChunkRecord }
  | { readonly kind: 'in_flight'; readonly chunk: ChunkRecord }
  | { readonly kind: 'conflict'; readonly chunk: ChunkRecord }
  | { readonly kind: 'not_in_progress'; readonly upload: UploadRecord | null };

/** One page of a listing. `after` is the last item of the previous page. */
export interface ListQuery {
  readonly limit: number;
  readonly after?: { readonly createdAt: Date; readonly id: string } | undefined;
}

/**
 * Part of an upload's chunks: those ending at or after `from`, at most `limit`. Chunks
 * never overlap, so this is a window of the chunks ordered by start; it lets the
 * checksum catch up over a file of many thousand chunks without reading them all.
 */
export interface ChunkQuery {
  readonly from: number;
  readonly limit: number;
}

/** Fields a status transition may set at the same time. */
export interface TransitionPatch {
  readonly checksum?: string | null;
  /** The algorithm of `checksum`, when finalize verified with another than the upload's. */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly location?: string | null;
  readonly completedAt?: Date | null;
  readonly leaseUntil?: Date | null;
}

/** The expected current state for a compare-and-set transition. */
export interface TransitionGuard {
  readonly status: UploadStatus;
  /** Only with status `assembling`: match only when the lease ran out before this moment (a dead finalizer). */
  readonly leaseExpiredBefore?: Date;
}
