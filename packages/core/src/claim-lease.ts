import { FragoError } from './errors.js';

/**
 * Keeps a chunk's claim on its range alive while its bytes flow, and only then. The
 * claim is renewed every third of its lease when bytes arrived since the last
 * renewal; a stalled body lets it lapse, so another request can take the range over.
 * Before the claim can lapse for others, {@link ClaimLease.touch} refuses further
 * bytes, so a stalled writer that wakes up never writes into a range someone else
 * now holds.
 */
export class ClaimLease {
  private until: number;
  private progressed = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly now: () => Date,
    private readonly renew: (until: Date) => Promise<boolean>,
  ) {
    this.until = now().getTime() + leaseMs;
  }

  /** The moment the claim lapses, as the repository is told. */
  get leaseUntil(): Date {
    return new Date(this.until);
  }

  /** Starts renewing. */
  start(): void {
    this.timer = setInterval(() => this.renewIfProgressed(), Math.max(250, Math.floor(this.leaseMs / 3)));
  }

  /** Stops renewing. */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Records that bytes arrived. Throws once the claim is within a third of its lease
   * from lapsing, which only happens when renewals stopped (a stalled body or an
   * unreachable repository).
   *
   * @throws {FragoError} `RANGE_IN_FLIGHT`.
   */
  touch(): void {
    if (this.now().getTime() >= this.until - this.leaseMs / 3) {
      throw new FragoError('RANGE_IN_FLIGHT', 'The chunk stalled past its lease; send it again');
    }
    this.progressed = true;
  }

  private renewIfProgressed(): void {
    if (!this.progressed) return;
    this.progressed = false;
    const until = this.now().getTime() + this.leaseMs;
    this.renew(new Date(until)).then(
      (renewed) => {
        if (renewed) this.until = Math.max(this.until, until);
      },
      () => undefined,
    );
  }
}
