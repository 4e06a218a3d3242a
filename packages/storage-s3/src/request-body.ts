import { Readable } from 'node:stream';

/**
 * A request body for the SDK made from an async iterable. The SDK pipes a body into its
 * request, and a piped source that fails leaves the request waiting for the bytes its
 * Content-Length promised; so a failing source aborts the request through `abort`, and
 * its error is kept to be reported instead of the SDK's view of it.
 */
export class RequestBody {
  readonly controller = new AbortController();
  /** What the source threw, if it did. */
  failure: { readonly error: unknown } | undefined;

  constructor(signal?: AbortSignal) {
    if (signal === undefined) return;
    if (signal.aborted) this.controller.abort(signal.reason);
    else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
  }

  /** The signal to pass to the SDK's `send`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `source` as a stream that aborts the request when it fails. */
  stream(source: AsyncIterable<Uint8Array>): Readable {
    const stream = Readable.from(this.watch(source), { objectMode: false });
    // Listening also keeps the failure from becoming an uncaught exception.
    stream.on('error', () => undefined);
    return stream;
  }

  /**
   * The error to report for a failed request: the source's own, else `error` (or the
   * reason of an abort from outside) unchanged.
   */
  reason(error: unknown): unknown {
    return this.failure?.error ?? error;
  }

  private async *watch(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    try {
      yield* source;
    } catch (error) {
      this.failure ??= { error };
      this.controller.abort(error);
      throw error;
    }
  }
}
