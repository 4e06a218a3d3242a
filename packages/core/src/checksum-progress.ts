import { isCombinable, type ChecksumAlgorithm } from './checksum.js';
import { combinedChecksum } from './combined-checksum.js';
import type { Hashers } from './hashers.js';
import { hashStored } from './hash-stored.js';
import { IntervalSet } from './intervals.js';
import { declaredSize, type UploadRecord } from './model.js';
import type { Storage, UploadRepository } from './ports.js';

/** How often a long catch-up saves what it hashed, so a crash or another process loses little. */
const SAVE_EVERY = 64 * 1024 * 1024;

/** How many chunk rows a catch-up reads at a time. */
const CHUNK_PAGE = 64;

/** A chunk response waiting for the catch-up to reach `offset`. */
interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
}

/** This process's catch-up of one upload. */
interface Run {
  readonly done: Promise<void>;
  /** How far the run has hashed so far (not necessarily saved yet). */
  offset: number;
  readonly waiters: Waiter[];
}

/**
 * Advances an upload's whole-file checksum over the bytes stored so far, so that
 * finalize has (almost) nothing left to hash even when chunks arrive in parallel and
 * out of order. Progress is the hasher's saved state plus the offset it reached,
 * stored with compare-and-set: several processes may advance one upload at once and
 * the offset never moves backwards. Within a process, one run per upload at a time;
 * a request that arrives meanwhile makes it run once more.
 */
export class ChecksumProgress {
  private readonly runs = new Map<string, Run>();
  private readonly again = new Set<string>();

  constructor(
    private readonly repository: UploadRepository,
    private readonly storage: Storage,
    private readonly hashers: Hashers,
  ) {}

  /** Starts advancing in the background; failures are left for finalize to redo. */
  advance(uploadId: string): void {
    if (this.runs.has(uploadId)) {
      this.again.add(uploadId);
      return;
    }
    const run: Run = { done: Promise.resolve(), offset: 0, waiters: [] };
    const done = (async () => {
      do {
        this.again.delete(uploadId);
        await this.advanceOnce(uploadId, run);
      } while (this.again.has(uploadId));
    })()
      .catch(() => undefined)
      .finally(() => {
        this.runs.delete(uploadId);
        for (const waiter of run.waiters.splice(0)) waiter.resolve();
      });
    this.runs.set(uploadId, Object.assign(run, { done }));
  }

  /**
   * Resolves once this process's background run on the upload has hashed up to
   * `offset`, or has stopped (at a gap, at the end, or on a failure); at once when
   * there is no run. The run never waits for a chunk to arrive, so neither does this.
   */
  reached(uploadId: string, offset: number): Promise<void> {
    const run = this.runs.get(uploadId);
    if (run === undefined || run.offset >= offset) return Promise.resolve();
    return new Promise((resolve) => run.waiters.push({ offset, resolve }));
  }

  /** Waits for this process's background run on the upload, if any; true when there was one. */
  async settled(uploadId: string): Promise<boolean> {
    this.again.delete(uploadId);
    const run = this.runs.get(uploadId);
    await run?.done;
    return run !== undefined;
  }

  /**
   * The digest of the whole upload with `algorithm`. A combinable one (a CRC) is
   * combined from the chunks' own values (see {@link combinedChecksum}). Any other is
   * resumed from the saved progress when it used the same algorithm, which is then
   * moved to the end of the file so a retried finalize hashes nothing.
   */
  async digest(upload: UploadRecord, algorithm: ChecksumAlgorithm): Promise<string> {
    if (isCombinable(algorithm)) {
      return combinedChecksum({ repository: this.repository, storage: this.storage, hashers: this.hashers }, upload, algorithm);
    }
    const resume = upload.hash.algorithm === algorithm;
    const hasher = await this.hashers.open(algorithm, resume ? upload.hash.state : null);
    try {
      const from = resume ? upload.hash.offset : 0;
      const size = declaredSize(upload);
      await hashStored(this.storage, upload.storageKey, hasher, from, size);
      if (resume && from < size) {
        const progress = { algorithm, offset: size, state: await hasher.save() };
        await this.repository.saveHashProgress(upload.id, from, progress).catch(() => false);
      }
      return await hasher.digest();
    } finally {
      hasher.close();
    }
  }

  private async advanceOnce(uploadId: string, run: Run): Promise<void> {
    const upload = await this.repository.get(uploadId);
    if (upload === null || upload.status !== 'in_progress') return;
    let saved = upload.hash.offset;
    const to = await this.storedUntil(uploadId, saved);
    this.moved(run, saved);
    if (to <= saved) return;
    const algorithm = upload.hash.algorithm;
    const hasher = await this.hashers.open(algorithm, upload.hash.state);
    try {
      const save = async (offset: number) => {
        const progress = { algorithm, offset, state: await hasher.save() };
        const kept = await this.repository.saveHashProgress(uploadId, saved, progress);
        saved = offset;
        return kept;
      };
      await hashStored(this.storage, upload.storageKey, hasher, saved, to, async (offset) => {
        if (offset < to) this.moved(run, offset);
        // Another process moved the saved offset: its hasher is ahead or level; stop.
        if (offset - saved >= SAVE_EVERY && !(await save(offset))) throw new Error('overtaken');
      });
      if (saved < to) await save(to);
      // Saved before the chunks that end here are answered, so their status shows it.
      this.moved(run, to);
    } finally {
      hasher.close();
    }
  }

  /**
   * Where the stored bytes that run on from `offset` end, read a page of chunks at a
   * time: a run reads about as many rows as it has chunks to hash, however many the
   * upload has.
   */
  private async storedUntil(uploadId: string, offset: number): Promise<number> {
    let end = offset;
    for (;;) {
      const page = await this.repository.chunks(uploadId, { from: end, limit: CHUNK_PAGE });
      const next = IntervalSet.from(page.filter((chunk) => chunk.state === 'stored')).contiguousEnd(end);
      // A full page hashable to its last chunk may go on in the next one.
      const last = page[page.length - 1];
      if (page.length < CHUNK_PAGE || last === undefined || next <= end || next <= last.end) return next;
      end = next;
    }
  }

  /** Notes that `run` has hashed up to `offset` and lets go of the waiters it passed. */
  private moved(run: Run, offset: number): void {
    run.offset = Math.max(run.offset, offset);
    for (let i = run.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = run.waiters[i]!;
      if (waiter.offset > run.offset) continue;
      run.waiters.splice(i, 1);
      waiter.resolve();
    }
  }
}
