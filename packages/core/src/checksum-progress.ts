import { ResumableHasher, type ChecksumAlgorithm } from './checksum.js';
import { IntervalSet } from './intervals.js';
import type { UploadRecord } from './model.js';
import type { Storage, UploadRepository } from './ports.js';

/**
 * Advances an upload's whole-file checksum over the bytes stored so far, so that
 * finalize has (almost) nothing left to hash even when chunks arrive in parallel and
 * out of order. Progress is the hasher's saved state plus the offset it reached,
 * stored with compare-and-set: several processes may advance one upload at once and
 * the offset never moves backwards. Within a process, one run per upload at a time;
 * a request that arrives meanwhile makes it run once more.
 */
export class ChecksumProgress {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly repository: UploadRepository,
    private readonly storage: Storage,
  ) {}

  /** Starts advancing in the background; failures are left for finalize to redo. */
  advance(uploadId: string): void {
    if (this.running.has(uploadId)) {
      this.again.add(uploadId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(uploadId);
        await this.advanceOnce(uploadId);
      } while (this.again.has(uploadId));
    })()
      .catch(() => undefined)
      .finally(() => this.running.delete(uploadId));
    this.running.set(uploadId, run);
  }

  /** Waits for this process's background run on the upload, if any; true when there was one. */
  async settled(uploadId: string): Promise<boolean> {
    this.again.delete(uploadId);
    const run = this.running.get(uploadId);
    await run;
    return run !== undefined;
  }

  /**
   * The digest of the whole upload with `algorithm`: resumed from the saved progress
   * when it used the same algorithm, which is then moved to the end of the file so a
   * retried finalize hashes nothing.
   */
  async digest(upload: UploadRecord, algorithm: ChecksumAlgorithm): Promise<string> {
    const resume = upload.hash.algorithm === algorithm;
    const hasher = await ResumableHasher.create(algorithm, resume ? upload.hash.state : null);
    const from = resume ? upload.hash.offset : 0;
    await this.hashRange(upload, hasher, from, upload.totalSize);
    if (resume && from < upload.totalSize) {
      const progress = { algorithm, offset: upload.totalSize, state: hasher.save() };
      await this.repository.saveHashProgress(upload.id, from, progress).catch(() => false);
    }
    return hasher.digest();
  }

  private async advanceOnce(uploadId: string): Promise<void> {
    const upload = await this.repository.get(uploadId);
    if (upload === null || upload.status !== 'in_progress') return;
    const stored = IntervalSet.from((await this.repository.chunks(uploadId)).filter((chunk) => chunk.state === 'stored'));
    const from = upload.hash.offset;
    const to = stored.contiguousEnd(from);
    if (to <= from) return;
    const hasher = await ResumableHasher.create(upload.hash.algorithm, upload.hash.state);
    await this.hashRange(upload, hasher, from, to);
    const state = hasher.save();
    hasher.close();
    await this.repository.saveHashProgress(uploadId, from, { algorithm: upload.hash.algorithm, offset: to, state });
  }

  private async hashRange(upload: UploadRecord, hasher: ResumableHasher, from: number, to: number): Promise<void> {
    if (to <= from) return;
    for await (const piece of this.storage.read(upload.storageKey, { start: from, end: to - 1 })) hasher.update(piece);
  }
}
