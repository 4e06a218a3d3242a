import type { HashJob } from '../hashers.js';
import type { ByteRange } from '../intervals.js';

/**
 * A hashing job that starts in the calling thread and hands its state over to another
 * job (on a worker thread) once it has seen more than `inlineBytes`. Small uploads are
 * hashed where they arrive, which is cheaper than a trip to a thread; large ones move
 * off the event loop after their first bytes.
 */
export class HandoffJob implements HashJob {
  private local: HashJob | null;
  private remote: HashJob | null = null;
  private seen = 0;

  constructor(
    local: HashJob,
    private readonly inlineBytes: number,
    private readonly handOverTo: (state: Uint8Array) => Promise<HashJob>,
  ) {
    this.local = local;
  }

  update(bytes: Uint8Array): void | Promise<void> {
    if (this.remote !== null) return this.remote.update(bytes);
    if (this.seen + bytes.byteLength > this.inlineBytes) return this.handOver(bytes);
    this.seen += bytes.byteLength;
    return this.current().update(bytes);
  }

  /** Moves the job to the other thread first (a file's bytes are read there), when the job offers that. */
  async updateFromFile(path: string, range: ByteRange): Promise<void> {
    if (this.remote === null) await this.handOver(null);
    const remote = this.current();
    if (remote.updateFromFile === undefined) throw new Error('This hashing job cannot read files');
    await remote.updateFromFile(path, range);
  }

  save(): Promise<Uint8Array> {
    return this.current().save();
  }

  async digest(): Promise<string> {
    const job = this.current();
    this.local = null;
    this.remote = null;
    return job.digest();
  }

  close(): void {
    this.local?.close();
    this.remote?.close();
    this.local = null;
    this.remote = null;
  }

  private async handOver(bytes: Uint8Array | null): Promise<void> {
    const local = this.current();
    this.local = null;
    try {
      const state = await local.save();
      this.remote = await this.handOverTo(state);
    } finally {
      local.close();
    }
    if (bytes !== null) await this.remote.update(bytes);
  }

  private current(): HashJob {
    const job = this.remote ?? this.local;
    if (job === null) throw new Error('This hashing job is closed');
    return job;
  }
}
