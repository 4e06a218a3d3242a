import { FragoClientError } from './errors.js';
import type { SignedPartAnswer } from './wire.js';

/** A URL this close to its expiry is signed again rather than used. */
const MARGIN_MS = 30_000;
/** The most part URLs the server signs in one request. */
const MAX_BATCH = 100;

/**
 * The signed URLs of a direct upload's parts, asked for in batches as the parts come
 * up, and asked for again when one is about to expire or the store refused it.
 */
export class PartUrls {
  private readonly signed = new Map<number, SignedPartAnswer>();

  constructor(
    private readonly sign: (parts: readonly number[], signal: AbortSignal) => Promise<readonly SignedPartAnswer[]>,
    private readonly batch: number,
  ) {}

  /** The URL of `part`; when it has none, signs it with up to a batch of `upcoming` parts that have none either. */
  async get(part: number, upcoming: readonly number[], signal: AbortSignal): Promise<SignedPartAnswer> {
    const known = this.usable(part);
    if (known !== undefined) return known;
    const wanted = [part, ...upcoming.filter((next) => next !== part && this.usable(next) === undefined)].slice(0, Math.min(this.batch, MAX_BATCH));
    for (const answer of await this.sign(wanted, signal)) this.signed.set(answer.part, answer);
    const fresh = this.signed.get(part);
    if (fresh === undefined) throw new FragoClientError('PROTOCOL', `The server signed no URL for part ${part}`);
    return fresh;
  }

  /** Drops the URL of `part` (the store refused it), so that the next try signs it again. */
  forget(part: number): void {
    this.signed.delete(part);
  }

  private usable(part: number): SignedPartAnswer | undefined {
    const answer = this.signed.get(part);
    return answer !== undefined && Date.parse(answer.expires_at) - Date.now() > MARGIN_MS ? answer : undefined;
  }
}
