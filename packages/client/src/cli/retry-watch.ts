import type { Upload, UploadPhase } from '../index.js';
import { shortReason } from './reason.js';

/** The phases in which a failed request is tried again (later ones are final). */
const RETRYING_PHASES: ReadonlySet<UploadPhase> = new Set(['starting', 'uploading', 'finalizing']);

/**
 * Follows an upload's retries so the display can say `retrying in 2 s: connection
 * refused` instead of a phase that looks stuck. A retry is shown until the request
 * it was for succeeds: the start or resume (the session begins), every chunk that
 * was retrying, or the finalize (the phase moves on).
 */
export class RetryWatch {
  private latest: { readonly at: number; readonly reason: string } | null = null;
  private readonly chunks = new Set<number>();

  constructor(
    upload: Pick<Upload, 'on'>,
    private readonly now: () => number = Date.now,
  ) {
    upload.on('retry', (info) => {
      this.latest = { at: this.now() + info.delayMs, reason: shortReason(info.error) };
      if (info.range) this.chunks.add(info.range.start);
    });
    upload.on('chunk', (chunk) => {
      if (chunk.state !== 'done' || !this.chunks.delete(chunk.start)) return;
      if (this.chunks.size === 0) this.latest = null;
    });
    upload.on('session', () => this.clear());
    upload.on('phase', () => this.clear());
  }

  /** `retrying in 2 s: connection refused` (`retrying: ...` while the new try runs), or the phase. */
  state(phase: UploadPhase): string {
    if (this.latest === null || !RETRYING_PHASES.has(phase)) return phase;
    const seconds = Math.ceil((this.latest.at - this.now()) / 1000);
    return seconds > 0 ? `retrying in ${seconds} s: ${this.latest.reason}` : `retrying: ${this.latest.reason}`;
  }

  private clear(): void {
    this.latest = null;
    this.chunks.clear();
  }
}
