/**
 * Bytes per second over a sliding window, so speed and time left follow the link as
 * it is now rather than its average since the start.
 */
export class SpeedMeter {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Records that `bytes` (a running total) were reached now. */
  record(bytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) >= this.windowMs) this.samples.shift();
  }

  /** Forgets the history (after a pause: idle time is not slowness). */
  reset(bytes: number): void {
    this.samples = [{ at: this.now(), bytes }];
  }

  /** Bytes per second over the window; 0 until two samples are apart in time. */
  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}
