import { FragoError } from './errors.js';
import { declaredSize, type ChunkRecord, type StoredRange, type UploadRecord } from './model.js';
import type { DirectPart, DirectUploads, ListedPart, UploadRepository } from './ports.js';

/** The most part URLs one request may ask for. */
export const MAX_PARTS_PER_SIGNING = 100;

/** How a direct upload is cut into parts. */
export interface PartLayout {
  readonly partSize: number;
  readonly partCount: number;
}

/** The parts of an upload of `totalSize` bytes in parts of `partSize`: none for an empty file. */
export function partLayout(totalSize: number, partSize: number): PartLayout {
  return { partSize, partCount: Math.ceil(totalSize / partSize) };
}

/** The byte range part `part` (from 1) must hold, or null when the upload has no such part. */
export function partRange(totalSize: number, layout: PartLayout, part: number): DirectPart | null {
  if (!Number.isSafeInteger(part) || part < 1 || part > layout.partCount) return null;
  const start = (part - 1) * layout.partSize;
  return { part, start, end: Math.min(start + layout.partSize, totalSize) - 1 };
}

/**
 * The parts `wanted` names, each checked to be one of the upload's, in the order given.
 *
 * @throws {FragoError} `INVALID_REQUEST` for no part, too many, a part named twice, or a
 * number that is not one of the upload's parts.
 */
export function requestedParts(totalSize: number, layout: PartLayout, wanted: readonly number[]): DirectPart[] {
  if (wanted.length === 0 || wanted.length > MAX_PARTS_PER_SIGNING) {
    throw new FragoError('INVALID_REQUEST', `Ask for 1 to ${MAX_PARTS_PER_SIGNING} parts at once`);
  }
  if (new Set(wanted).size !== wanted.length) throw new FragoError('INVALID_REQUEST', 'A part is named twice');
  return wanted.map((number) => {
    const range = partRange(totalSize, layout, number);
    if (range === null) {
      throw new FragoError('INVALID_REQUEST', `Parts are numbered from 1 to ${layout.partCount}`, {
        details: { partCount: layout.partCount },
      });
    }
    return range;
  });
}

/** The digest a chunk learned from the store keeps: the part's tag, so that a part replaced later is told apart. */
export function partDigest(part: ListedPart): string {
  return `etag:${part.etag.replace(/"/g, '').toLowerCase()}`;
}

/** The part tag a chunk learned from the store keeps in its digest (bare, lowercase), or null for another chunk. */
export function etagOfDigest(digest: string | null): string | null {
  return digest !== null && digest.startsWith('etag:') ? digest.slice('etag:'.length) : null;
}

/**
 * Whether the upload's record says it is direct: true or false, or null when it does
 * not say (a record kept before the repository stored the mode, or a repository that
 * cannot mark an upload direct, whatever its records hold).
 */
export function recordedMode(upload: UploadRecord, repository: UploadRepository): boolean | null {
  return repository.markDirect === undefined ? null : (upload.direct ?? null);
}

/** What the store holds of a direct upload, checked against the upload's layout. */
export interface LearnedParts {
  /** Parts of the right size that were not recorded before, now recorded as stored chunks. */
  readonly recorded: number;
  /** Parts the store holds with a size that is not the part's: they count as missing. */
  readonly wrongSize: readonly number[];
  /** Parts whose bytes changed in the store after they were recorded. */
  readonly replaced: readonly number[];
}

/**
 * Records the parts the store holds for a direct upload in progress as stored chunks
 * (a claim and its store, as for a chunk sent through the server), so that status,
 * finalize and seal see them. Parts of the wrong size are left out; null when the
 * upload is not direct (its record says so, without asking the store; or the store has
 * no mark of it, for a record that does not say).
 */
export async function learnParts(
  direct: DirectUploads,
  repository: UploadRepository,
  upload: UploadRecord,
  known: readonly ChunkRecord[],
  claim: { readonly newId: () => string; readonly now: Date; readonly leaseMs: number },
): Promise<LearnedParts | null> {
  const mode = recordedMode(upload, repository);
  if (mode === false) return null;
  const listed = await direct.listParts(upload.storageKey, mode === true);
  if (listed === null) return null;
  const size = declaredSize(upload);
  const layout = partLayout(size, direct.partSize(size));
  const stored = new Map(known.filter((chunk) => chunk.state === 'stored').map((chunk) => [chunk.start, chunk]));
  const wrongSize: number[] = [];
  const replaced: number[] = [];
  const fresh: StoredRange[] = [];
  for (const part of listed) {
    const range = partRange(size, layout, part.part);
    if (range === null || part.size !== range.end - range.start + 1) {
      wrongSize.push(part.part);
      continue;
    }
    const digest = partDigest(part);
    const existing = stored.get(range.start);
    if (existing !== undefined) {
      if (existing.end === range.end && etagOfDigest(existing.digest) !== null && existing.digest !== digest) {
        replaced.push(part.part);
      }
      continue;
    }
    fresh.push({ start: range.start, end: range.end, claimId: claim.newId(), digest, storageData: part.storageData });
  }
  const recorded = fresh.length === 0 ? 0 : await recordStored(repository, upload.id, fresh, claim);
  return { recorded, wrongSize, replaced };
}

/** Records `ranges` stored: at once where the repository can, else a claim and its store each. */
async function recordStored(
  repository: UploadRepository,
  uploadId: string,
  ranges: readonly StoredRange[],
  claim: { readonly now: Date; readonly leaseMs: number },
): Promise<number> {
  if (repository.recordStored !== undefined) return repository.recordStored(uploadId, ranges, claim.now);
  let recorded = 0;
  for (const { claimId, digest, storageData, ...range } of ranges) {
    const result = await repository.claimRange(uploadId, range, { claimId, digest, leaseUntil: new Date(claim.now.getTime() + claim.leaseMs), now: claim.now });
    if (result.kind !== 'claimed') continue;
    if (await repository.storeClaim(uploadId, claimId, storageData)) recorded += 1;
    else await repository.releaseClaim(uploadId, claimId);
  }
  return recorded;
}
