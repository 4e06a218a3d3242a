import type { ChecksumAlgorithm } from './checksum.js';
import type { TransitionGuard, TransitionPatch, UploadRecord, UploadStatus } from './model.js';
import type { UploadRepository } from './ports.js';

/**
 * Every move an upload can make, from one status to another. An upload starts
 * `in_progress`; `complete`, `expired` and `aborted` are final. A move that stays in
 * `assembling` keeps the upload where it is and changes who holds it or what it
 * carries.
 */
export const MOVES = {
  beginAssembly: { from: 'in_progress', to: 'assembling' },
  takeOverAssembly: { from: 'assembling', to: 'assembling' },
  recordChecksum: { from: 'assembling', to: 'assembling' },
  complete: { from: 'assembling', to: 'complete' },
  reopen: { from: 'assembling', to: 'in_progress' },
  abort: { from: 'in_progress', to: 'aborted' },
  abortHeld: { from: 'assembling', to: 'aborted' },
  expire: { from: 'in_progress', to: 'expired' },
} as const satisfies Record<string, { readonly from: UploadStatus; readonly to: UploadStatus }>;

/** The name of one move of {@link MOVES}. */
export type Move = keyof typeof MOVES;

/** The statuses an upload may move to from `from`, by the table of {@link MOVES}. */
export function nextStatuses(from: UploadStatus): UploadStatus[] {
  const targets = Object.values(MOVES)
    .filter((move) => move.from === from)
    .map((move) => move.to);
  return [...new Set<UploadStatus>(targets)];
}

/** True when an upload may go from `from` to `to`. */
export function canMove(from: UploadStatus, to: UploadStatus): boolean {
  return nextStatuses(from).includes(to);
}

/**
 * The expiry rule: an upload is past its expiry once `now` is after its `expiresAt`.
 * The repository's `findExpired` applies the same rule in its query.
 */
export function isPastExpiry(upload: Pick<UploadRecord, 'expiresAt'>, now: Date): boolean {
  return upload.expiresAt.getTime() < now.getTime();
}

/**
 * True when the sweeper deletes an upload: an `expired` one at once, an `in_progress`
 * one and an aborted upload's tombstone once past its expiry; never an upload that
 * is `assembling` or `complete`.
 */
export function isDueForSweep(upload: Pick<UploadRecord, 'status' | 'expiresAt'>, now: Date): boolean {
  if (upload.status === 'expired') return true;
  return (upload.status === 'in_progress' || upload.status === 'aborted') && isPastExpiry(upload, now);
}

/**
 * The named moves of an upload, each a compare-and-set in the repository: each returns
 * the upload as moved, or null when it was not in the state the move starts from (some
 * other request moved it first).
 */
export class Lifecycle {
  constructor(private readonly repository: Pick<UploadRepository, 'transition'>) {}

  /** Takes an upload whose every byte is stored to `assembling`, held until `leaseUntil`. */
  beginAssembly(id: string, leaseUntil: Date): Promise<UploadRecord | null> {
    return this.move(id, 'beginAssembly', { leaseUntil });
  }

  /** Takes over an upload whose finalizer's lease ran out before `now` (the finalizer died). */
  takeOverAssembly(id: string, now: Date, leaseUntil: Date): Promise<UploadRecord | null> {
    return this.move(id, 'takeOverAssembly', { leaseUntil }, now);
  }

  /** Keeps a verified digest with an assembling upload, before its bytes move. */
  recordChecksum(id: string, checksum: string, algorithm: ChecksumAlgorithm): Promise<UploadRecord | null> {
    return this.move(id, 'recordChecksum', { checksum, checksumAlgorithm: algorithm });
  }

  /** Records an assembled upload complete, with its location and (when verified) its checksum. */
  complete(
    id: string,
    result: { readonly location: string; readonly checksum: string | null; readonly algorithm: ChecksumAlgorithm; readonly at: Date },
  ): Promise<UploadRecord | null> {
    const verified = result.checksum === null ? {} : { checksumAlgorithm: result.algorithm };
    return this.move(id, 'complete', {
      checksum: result.checksum,
      ...verified,
      location: result.location,
      completedAt: result.at,
      leaseUntil: null,
    });
  }

  /** Gives an assembling upload back to `in_progress` (a checksum mismatch or a failed assembly), bytes kept. */
  reopen(id: string): Promise<UploadRecord | null> {
    return this.move(id, 'reopen', { leaseUntil: null });
  }

  /** Aborts an upload in progress; its record stays as a tombstone until it expires. */
  abort(id: string): Promise<UploadRecord | null> {
    return this.move(id, 'abort');
  }

  /**
   * Aborts an upload held in `assembling` by the request that holds it (a part a join
   * has taken the bytes of), without giving it back to `in_progress` first, where
   * another request could reach it before the abort.
   */
  abortHeld(id: string): Promise<UploadRecord | null> {
    return this.move(id, 'abortHeld', { leaseUntil: null });
  }

  /** Expires an upload in progress. */
  expire(id: string): Promise<UploadRecord | null> {
    return this.move(id, 'expire');
  }

  /** Makes `move` by the table; `leaseExpiredBefore` matches only a holder whose lease ran out. */
  private move(id: string, move: Move, patch?: TransitionPatch, leaseExpiredBefore?: Date): Promise<UploadRecord | null> {
    const { from, to } = MOVES[move];
    const guard: TransitionGuard = leaseExpiredBefore === undefined ? { status: from } : { status: from, leaseExpiredBefore };
    return this.repository.transition(id, guard, to, patch);
  }
}
