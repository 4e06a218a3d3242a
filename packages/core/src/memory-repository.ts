import type { ByteRange } from './intervals.js';
import { rangesOverlap } from './intervals.js';
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
import { isDueForSweep } from './lifecycle.js';
import { isLiveClaim, newUploadRecord } from './model.js';
import type { UploadRepository } from './ports.js';

const ACTIVE: readonly UploadStatus[] = ['in_progress', 'assembling'];

/**
 * An {@link UploadRepository} in process memory, for tests and single-process
 * embedding. Each method runs without awaiting in between, so it is atomic within
 * the process; it is not shared between processes and keeps nothing across restarts.
 */
export class MemoryRepository implements UploadRepository {
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly chunkMap = new Map<string, ChunkRecord[]>();

  async create(upload: NewUpload): Promise<UploadRecord> {
    const record = newUploadRecord(upload);
    this.uploads.set(record.id, record);
    this.chunkMap.set(record.id, []);
    return record;
  }

  async get(id: string): Promise<UploadRecord | null> {
    return this.uploads.get(id) ?? null;
  }

  async list(owner: string, query: ListQuery): Promise<UploadRecord[]> {
    const after = query.after;
    return [...this.uploads.values()]
      .filter((upload) => upload.owner === owner)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .filter(
        (upload) =>
          after === undefined ||
          upload.createdAt.getTime() < after.createdAt.getTime() ||
          (upload.createdAt.getTime() === after.createdAt.getTime() && upload.id < after.id),
      )
      .slice(0, query.limit);
  }

  async recordStored(uploadId: string, ranges: readonly StoredRange[], now: Date): Promise<number> {
    let recorded = 0;
    for (const { claimId, digest, storageData, ...range } of ranges) {
      // Leased past `now`, so that nothing takes the claim over before it is stored.
      const claim = await this.claimRange(uploadId, range, { claimId, digest, leaseUntil: new Date(now.getTime() + 60_000), now });
      if (claim.kind === 'claimed' && (await this.storeClaim(uploadId, claimId, storageData))) recorded += 1;
    }
    return recorded;
  }

  async markDirect(uploadId: string): Promise<boolean> {
    const upload = this.uploads.get(uploadId);
    if (upload?.status !== 'in_progress') return false;
    this.uploads.set(uploadId, { ...upload, direct: true });
    return true;
  }

  async chunks(uploadId: string, query?: ChunkQuery): Promise<ChunkRecord[]> {
    const ordered = [...(this.chunkMap.get(uploadId) ?? [])].sort((a, b) => a.start - b.start);
    return query === undefined ? ordered : ordered.filter((chunk) => chunk.end >= query.from).slice(0, query.limit);
  }

  async claimRange(
    uploadId: string,
    range: ByteRange,
    claim: { claimId: string; digest: string | null; leaseUntil: Date; now: Date },
  ): Promise<ClaimResult> {
    const upload = this.uploads.get(uploadId);
    const chunks = this.chunkMap.get(uploadId);
    if (upload === undefined || chunks === undefined || upload.status !== 'in_progress') {
      return { kind: 'not_in_progress', upload: upload ?? null };
    }
    const live = chunks.filter(
      (chunk) => chunk.state === 'stored' || isLiveClaim(chunk, claim.now),
    );
    const same = live.find((chunk) => chunk.start === range.start && chunk.end === range.end);
    if (same !== undefined) return { kind: same.state === 'stored' ? 'duplicate' : 'in_flight', chunk: same };
    const overlapping = live.find((chunk) => rangesOverlap(chunk, range));
    if (overlapping !== undefined) return { kind: 'conflict', chunk: overlapping };
    live.push({
      start: range.start,
      end: range.end,
      size: range.end - range.start + 1,
      state: 'pending',
      claimId: claim.claimId,
      digest: claim.digest,
      leaseUntil: claim.leaseUntil,
      storageData: null,
      checksum: null,
    });
    this.chunkMap.set(uploadId, live);
    return { kind: 'claimed', claimId: claim.claimId };
  }

  async declareSize(uploadId: string, totalSize: number): Promise<UploadRecord | null> {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined || upload.status !== 'in_progress' || upload.totalSize !== null) return null;
    if ((this.chunkMap.get(uploadId) ?? []).some((chunk) => chunk.end >= totalSize)) return null;
    const declared: UploadRecord = { ...upload, totalSize };
    this.uploads.set(uploadId, declared);
    return declared;
  }

  async createClaimed(upload: NewUpload, claim: NewClaim): Promise<UploadRecord> {
    const record = await this.create(upload);
    const { claimId, digest, leaseUntil, start, end } = claim;
    this.chunkMap.set(record.id, [{ claimId, start, end, size: end - start + 1, state: 'pending', digest, leaseUntil, storageData: null }]);
    return record;
  }

  async storeAndHold(uploadId: string, { claimId, storageData, checksum = null, hash, leaseUntil }: HeldClaim): Promise<UploadRecord | null> {
    const upload = this.uploads.get(uploadId);
    const stored = (chunk: ChunkRecord) => (chunk.state === 'pending' ? { ...chunk, state: 'stored' as const, leaseUntil: null, storageData, checksum } : undefined);
    if (upload?.status !== 'in_progress' || !this.replaceChunk(uploadId, claimId, stored)) return null;
    const held: UploadRecord = { ...upload, status: 'assembling', leaseUntil, hash: hash ?? upload.hash };
    this.uploads.set(uploadId, held);
    return held;
  }

  async renewClaim(uploadId: string, claimId: string, leaseUntil: Date): Promise<boolean> {
    return this.replaceChunk(uploadId, claimId, (chunk) =>
      chunk.state === 'pending' ? { ...chunk, leaseUntil } : undefined,
    );
  }

  async storeClaim(uploadId: string, claimId: string, storageData: string | null = null, checksum: string | null = null): Promise<boolean> {
    if (this.uploads.get(uploadId)?.status !== 'in_progress') return false;
    return this.replaceChunk(uploadId, claimId, (chunk) =>
      chunk.state === 'pending' ? { ...chunk, state: 'stored', leaseUntil: null, storageData, checksum } : undefined,
    );
  }

  async releaseClaim(uploadId: string, claimId: string): Promise<void> {
    const chunks = this.chunkMap.get(uploadId);
    if (chunks === undefined) return;
    this.chunkMap.set(
      uploadId,
      chunks.filter((chunk) => !(chunk.claimId === claimId && chunk.state === 'pending')),
    );
  }

  async transition(
    uploadId: string,
    guard: TransitionGuard,
    to: UploadStatus,
    patch: TransitionPatch = {},
  ): Promise<UploadRecord | null> {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined || upload.status !== guard.status) return null;
    if (guard.leaseExpiredBefore !== undefined && (upload.leaseUntil?.getTime() ?? 0) >= guard.leaseExpiredBefore.getTime()) {
      return null;
    }
    const updated: UploadRecord = { ...upload, ...patch, status: to };
    this.uploads.set(uploadId, updated);
    return updated;
  }

  async saveHashProgress(uploadId: string, fromOffset: number, progress: HashProgress): Promise<boolean> {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined || upload.hash.offset !== fromOffset || upload.hash.algorithm !== progress.algorithm) {
      return false;
    }
    this.uploads.set(uploadId, { ...upload, hash: progress });
    return true;
  }

  async findExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    return [...this.uploads.values()]
      .filter((upload) => isDueForSweep(upload, now))
      .slice(0, limit);
  }

  async delete(uploadId: string): Promise<void> {
    this.uploads.delete(uploadId);
    this.chunkMap.delete(uploadId);
  }

  async deleteChunks(uploadId: string): Promise<void> {
    if (this.chunkMap.has(uploadId)) this.chunkMap.set(uploadId, []);
  }

  /** Always answers: the records are in this process. */
  async ping(): Promise<void> {}

  async countActive(owner: string): Promise<number> {
    return [...this.uploads.values()].filter((upload) => upload.owner === owner && ACTIVE.includes(upload.status))
      .length;
  }

  private replaceChunk(
    uploadId: string,
    claimId: string,
    change: (chunk: ChunkRecord) => ChunkRecord | undefined,
  ): boolean {
    const chunks = this.chunkMap.get(uploadId);
    const index = chunks?.findIndex((chunk) => chunk.claimId === claimId) ?? -1;
    const current = index >= 0 ? chunks?.[index] : undefined;
    const next = current === undefined ? undefined : change(current);
    if (chunks === undefined || next === undefined) return false;
    chunks[index] = next;
    return true;
  }
}
