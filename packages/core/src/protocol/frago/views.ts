import type { ByteRange } from '../../intervals.js';
import { isCombinable } from '../../checksum.js';
import { recordedHex } from '../../digest.js';
import { declaredSize, type ChunkRecord, type UploadRecord } from '../../model.js';
import type { FinalizeResult, UploadService, UploadState } from '../../service.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const plain = ({ start, end }: ByteRange) => ({ start, end });

/** The fields every view of an upload shares (the original's, plus expiry and checksum). */
export function uploadSummary(upload: UploadRecord) {
  return {
    upload_id: upload.id,
    filename: upload.filename,
    total_size: upload.totalSize,
    status: upload.status,
    created_at: iso(upload.createdAt),
    completed_at: iso(upload.completedAt),
    expires_at: iso(upload.expiresAt),
    checksum_algo: upload.checksumAlgorithm,
    checksum: upload.checksum,
    metadata: upload.metadata,
  };
}

/** The status view: the original's fields, plus received and missing ranges and checksum progress. */
export function uploadStatusView(state: UploadState) {
  const stored = state.chunks.filter((chunk) => chunk.state === 'stored');
  return {
    ...uploadSummary(state.upload),
    chunks: stored.map(({ start, end, size }) => ({ start, end, size })),
    received: state.received.ranges.map(plain),
    received_bytes: state.received.size,
    missing: state.missing.map(plain),
    in_flight: state.inFlight.map(plain),
    checksum_progress: { algorithm: state.upload.hash.algorithm, hashed_bytes: hashedBytes(state.upload, stored) },
    ...(state.direct === undefined ? {} : { direct: directView(state, state.direct) }),
  };
}

/**
 * How much of the whole-file checksum is done: the hashed prefix, or for a combinable
 * checksum the bytes of the stored chunks that carry their own value (the rest is read
 * back at finalize).
 */
function hashedBytes(upload: UploadRecord, stored: readonly ChunkRecord[]): number {
  const { algorithm, offset } = upload.hash;
  if (!isCombinable(algorithm)) return offset;
  return stored.reduce((sum, chunk) => (recordedHex(chunk.checksum, algorithm) === undefined ? sum : sum + chunk.size), 0);
}

/** The answer to a start: the upload's id, expiry and the chunk size to use. */
export function startedView(service: UploadService, upload: UploadRecord) {
  return {
    status: true,
    message: `Upload started for ${upload.filename}`,
    upload_id: upload.id,
    expires_at: upload.expiresAt.toISOString(),
    chunk_size: service.chunkSizeFor(upload.totalSize ?? 0),
    max_chunk_size: service.limits.maxChunkSize,
    checksum_algo: upload.checksumAlgorithm,
  };
}

/** The answer to a completed upload (finalize, and a one-request upload): its checksum and when it completed. */
export function completedView({ upload, alreadyComplete, algorithm }: FinalizeResult) {
  return {
    status: true,
    message: `Upload completed for ${upload.filename}`,
    upload_id: upload.id,
    checksum: upload.checksum,
    checksum_algo: algorithm,
    total_size: upload.totalSize,
    completed_at: upload.completedAt?.toISOString() ?? null,
    already_complete: alreadyComplete,
  };
}

/** A direct upload's parts: those still missing (none of their bytes recorded), and those the store holds with the wrong size. */
function directView(state: UploadState, direct: NonNullable<UploadState['direct']>) {
  const missingParts: number[] = [];
  for (let part = 1; part <= direct.partCount; part++) {
    const start = (part - 1) * direct.partSize;
    if (!state.received.covers({ start, end: Math.min(start + direct.partSize, declaredSize(state.upload)) - 1 })) missingParts.push(part);
  }
  return { part_size: direct.partSize, part_count: direct.partCount, missing_parts: missingParts, wrong_size_parts: direct.wrongSize };
}
