import type { ChecksumAlgorithm } from './checksum.js';
import type { Hashers, HashJob } from './hashers.js';
import { hashStored } from './hash-stored.js';
import type { HashProgress, UploadRecord } from './model.js';
import { declaredSize } from './model.js';
import type { JoinCopied, Storage } from './ports.js';

/**
 * The whole-file checksum of an upload being joined from parts, computed while the
 * storage puts them in place, so that finalize does not read the joined file back. It
 * starts with the first part: resumed from that part's saved progress when it covers
 * the part with the same algorithm, else from the part's bytes read back. Then it takes
 * every byte the storage copies through the process, as they pass (see `Storage.join`),
 * for as long as they follow on; bytes the storage places without passing them through
 * (a link, a server-side copy) are left to finalize, which reads back from where this
 * stopped.
 */
export class JoinChecksum {
  private offset: number;
  /** Set once a byte did not follow on: nothing more is hashed. */
  private stopped = false;

  private constructor(
    private readonly algorithm: ChecksumAlgorithm,
    private readonly job: HashJob,
    start: number,
  ) {
    this.offset = start;
  }

  /** A checksum with `algorithm` over the first part, `first`, so far. */
  static async start(hashers: Hashers, storage: Storage, algorithm: ChecksumAlgorithm, first: UploadRecord): Promise<JoinChecksum> {
    const size = declaredSize(first);
    const saved = first.hash.algorithm === algorithm && first.hash.offset === size && first.hash.state !== null;
    const job = await hashers.open(algorithm, saved ? first.hash.state : null);
    try {
      if (!saved) await hashStored(storage, first.storageKey, job, 0, size);
    } catch (error) {
      job.close();
      throw error;
    }
    return new JoinChecksum(algorithm, job, size);
  }

  /** Takes bytes the storage copied to `offset` of the joined upload. */
  readonly copied: JoinCopied = async (offset, bytes) => {
    if (this.stopped || offset !== this.offset) {
      this.stopped = true;
      return;
    }
    await this.job.update(bytes);
    this.offset += bytes.byteLength;
  };

  /** The progress reached, to save with the joined upload; the job is closed afterwards. */
  async progress(): Promise<HashProgress> {
    try {
      return { algorithm: this.algorithm, offset: this.offset, state: await this.job.save() };
    } finally {
      this.job.close();
    }
  }

  /** Ends the job without a result. Idempotent. */
  close(): void {
    this.job.close();
  }
}
