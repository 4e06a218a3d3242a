import { digestPart, type DigestedPart } from './part-digest.js';
import type { PartToSign } from './part-urls.js';
import { abortable } from './signals.js';
import type { UploadSource } from './source.js';

/** A part as the upload queues it: its bytes `[start, end]`. */
export interface QueuedPart {
  readonly start: number;
  readonly end: number;
}

interface Entry {
  readonly digest: Promise<DigestedPart>;
  /** The MD5, once the bytes are hashed. */
  md5: string | null;
  /** True while the bytes are being read and hashed. */
  hashing: boolean;
  /** True when the hashed bytes are kept for sending, and count against the parts held ahead. */
  kept: boolean;
  /** True once a try of the part took it. */
  taken: boolean;
}

/**
 * Reads and MD5-hashes the parts of a direct upload ahead of their turn, in the order
 * the upload's queue will send them, so that their URLs, bound to those MD5s, are signed
 * many to a request before their turn comes, and a part's PUT waits neither for its read
 * and hash nor for a signing request.
 *
 * Up to `window` parts are hashed ahead of the queue's front. Memory is bounded by
 * `keep`: at most that many parts hashed ahead hold their bytes (sent from memory when
 * their turn comes; parts above `PART_BUFFER_LIMIT` never do); the others keep only their
 * MD5 and are read again from the file when sent. With `keep` = `parallel`, the upload
 * holds at most 2 × `parallel` parts' bytes: one per part in flight and `parallel` ahead.
 * Bytes that changed on disk between the hash and the second read are refused by the
 * store (`BadDigest`); that try fails and the next one hashes the part afresh.
 *
 * One instance serves one round of sending; `signal` ends it.
 */
export class PartsAhead<T extends QueuedPart> {
  private readonly entries = new Map<T, Entry>();
  private keptAhead = 0;
  private wake: (() => void) | null = null;
  private changed: Array<() => void> = [];

  /**
   * @param queue the parts not yet taken, in the order they will be sent.
   * @param partOf the part number of a queued part.
   * @param gate waits while the upload is paused; throws once it is stopped.
   */
  constructor(
    private readonly source: UploadSource,
    private readonly queue: () => readonly T[],
    private readonly partOf: (part: T) => number,
    private readonly window: number,
    private readonly keep: number,
    private readonly gate: () => Promise<void>,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.notify(), { once: true });
    void this.run().catch(() => undefined);
  }

  /**
   * The bytes and MD5 of `part` for a try: those hashed ahead when there are, else read
   * and hashed now (kept in memory, as the part is in flight). Every try takes the part
   * once and {@link PartsAhead.release}s it; a later try hashes it afresh.
   *
   * @throws {FragoClientError} as `digestPart`; the reason of `signal` when it aborts first.
   */
  take(part: T, signal: AbortSignal): Promise<DigestedPart> {
    let entry = this.entries.get(part);
    if (entry === undefined) entry = this.hash(part, true, signal);
    else if (entry.kept) this.keptAhead -= 1;
    entry.taken = true;
    this.notify();
    return abortable(entry.digest, signal);
  }

  /** Forgets `part` once its try has its URL (or failed before). */
  release(part: T): void {
    this.entries.delete(part);
  }

  /**
   * Resolves once every part taken has been hashed, and the first `queued` parts of the
   * queue too (those failing to be count as done), so that the parts going out at about
   * the same time ask for their URLs in one request.
   */
  async settled(queued: number, signal: AbortSignal): Promise<void> {
    while (!this.isSettled(queued)) await abortable(new Promise<void>((resolve) => this.changed.push(resolve)), signal);
  }

  private isSettled(queued: number): boolean {
    for (const entry of this.entries.values()) if (entry.taken && entry.hashing) return false;
    return this.queue()
      .slice(0, Math.min(queued, this.window))
      .every((part) => this.entries.get(part)?.hashing === false);
  }

  /** The parts hashed and not yet released, with their MD5s, in the order they were hashed. */
  *hashed(): Iterable<PartToSign> {
    for (const [part, entry] of this.entries) {
      if (entry.md5 !== null) yield { part: this.partOf(part), md5: entry.md5 };
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      await this.gate();
      if (this.signal.aborted) return;
      const next = this.nextToHash();
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const keep = this.keptAhead < this.keep;
      if (keep) this.keptAhead += 1;
      await this.hash(next, keep, this.signal).digest.catch(() => undefined);
    }
  }

  /** The first queued part not hashed yet, when fewer than `window` ahead of it are. */
  private nextToHash(): T | undefined {
    let ahead = 0;
    for (const part of this.queue()) {
      if (!this.entries.has(part)) return part;
      if (++ahead >= this.window) return undefined;
    }
    return undefined;
  }

  private hash(part: T, keep: boolean, signal: AbortSignal): Entry {
    const entry: Entry = {
      digest: digestPart(this.source, part.start, part.end, signal, keep),
      md5: null,
      hashing: true,
      kept: keep,
      taken: false,
    };
    this.entries.set(part, entry);
    const settle = () => {
      entry.hashing = false;
      this.notify();
    };
    entry.digest.then((digested) => {
      entry.md5 = digested.md5;
      settle();
    }, settle);
    return entry;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
    const changed = this.changed;
    this.changed = [];
    changed.forEach((resolve) => resolve());
  }
}
