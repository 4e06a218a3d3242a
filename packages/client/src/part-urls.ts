import { FragoClientError } from './errors.js';
import { abortable } from './signals.js';
import type { SignedPartAnswer } from './wire.js';

/** A URL this close to its expiry is signed again rather than used. */
const MARGIN_MS = 30_000;
/** The most part URLs the server signs in one request. */
const MAX_BATCH = 100;

/** A part to sign, as `POST /upload/:id/parts` takes it: its number, or its number and MD5 (base64) to bind the URL to its bytes. */
export type PartToSign = number | { readonly part: number; readonly md5: string };

interface Signed {
  readonly answer: SignedPartAnswer;
  readonly md5: string | null;
}

/**
 * The signed URLs of a direct upload's parts. One signing request is on its way at a
 * time; the parts asked for meanwhile go together in the next, and with them up to a
 * batch of the upcoming parts that have no URL yet: plain part numbers for URLs bound to
 * no MD5 (signed before their parts come up), or parts with the MD5s they were hashed
 * ahead with (see `PartsAhead`), so that a batch of parts costs one request either way.
 * A URL is asked for again when it is about to expire, the store refused it, or its
 * part's bytes were hashed again to another MD5.
 */
export class PartUrls {
  private readonly signed = new Map<number, Signed>();
  /** Parts to sign in the next request, with their MD5s. */
  private pending = new Map<number, string | null>();
  /** The next request, while it has not started: parts asked for now go in it. */
  private next: Promise<void> | null = null;
  private previous: Promise<void> = Promise.resolve();
  private readonly batch: number;

  /**
   * @param sign asks the server for URLs.
   * @param batch the most parts per request (at most 100).
   * @param signal stops the signing requests (the upload's; a pause leaves them be).
   * @param upcoming the parts to sign with those asked for, in the order they come up;
   * read when a request starts.
   */
  constructor(
    private readonly sign: (parts: readonly PartToSign[], signal: AbortSignal) => Promise<readonly SignedPartAnswer[]>,
    batch: number,
    private readonly signal: AbortSignal,
    private readonly upcoming: () => Iterable<PartToSign>,
  ) {
    this.batch = Math.min(batch, MAX_BATCH);
  }

  /** True once a URL was signed. */
  get started(): boolean {
    return this.signed.size > 0;
  }

  /** True when `part` has a URL bound to `md5` (none when null) that is not about to expire. */
  has(part: number, md5: string | null): boolean {
    return this.usable(part, md5) !== undefined;
  }

  /**
   * The URL of `part`, bound to `md5` when it is not null; when it has none, signs it
   * with the upcoming parts that have none either, up to a batch.
   *
   * @throws {FragoClientError} the signing request's error; `PROTOCOL` when the server
   * signed no URL for the part; the reason of `signal` when it aborts first.
   */
  async get(part: number, md5: string | null, signal: AbortSignal): Promise<SignedPartAnswer> {
    const known = this.usable(part, md5);
    if (known !== undefined) return known;
    this.pending.set(part, md5);
    while (this.pending.has(part)) await abortable(this.flush(), signal);
    const fresh = this.usable(part, md5);
    if (fresh === undefined) throw new FragoClientError('PROTOCOL', `The server signed no URL for part ${part}`);
    return fresh;
  }

  /** Drops the URL of `part` (the store refused it), so that the next try signs it again. */
  forget(part: number): void {
    this.signed.delete(part);
  }

  /** The next request: the one not yet started, or a new one after the one on its way. */
  private flush(): Promise<void> {
    if (this.next !== null) return this.next;
    const request = this.previous.then(async () => {
      this.next = null;
      // Parts asked for while the previous request was on its way may have come with it.
      for (const [part, md5] of this.pending) if (this.usable(part, md5) !== undefined) this.pending.delete(part);
      const md5s = new Map([...this.pending].slice(0, this.batch));
      for (const [part] of md5s) this.pending.delete(part);
      if (md5s.size === 0) return;
      for (const next of this.upcoming()) {
        if (md5s.size >= this.batch) break;
        const [part, md5] = typeof next === 'number' ? [next, null] : [next.part, next.md5];
        if (!md5s.has(part) && !this.pending.has(part) && this.usable(part, md5) === undefined) md5s.set(part, md5);
      }
      const answers = await this.sign(
        [...md5s].map(([part, md5]) => (md5 === null ? part : { part, md5 })),
        this.signal,
      );
      for (const answer of answers) this.signed.set(answer.part, { answer, md5: md5s.get(answer.part) ?? null });
    });
    this.next = request;
    this.previous = request.catch(() => undefined);
    return request;
  }

  private usable(part: number, md5: string | null): SignedPartAnswer | undefined {
    const entry = this.signed.get(part);
    if (entry === undefined || entry.md5 !== md5) return undefined;
    return Date.parse(entry.answer.expires_at) - Date.now() > MARGIN_MS ? entry.answer : undefined;
  }
}
