import { FragoError } from './errors.js';

/**
 * Passes a body through, failing when no piece arrives for `idleMs` milliseconds. Each
 * wait for the next piece is raced against one timer per body, restarted for every
 * wait (a timer and a promise per piece would be garbage on the hot path), so a body
 * that stalls forever is ended at once instead of holding its chunk's claim until the
 * claim's lease runs out. Time the consumer spends between two pieces does not count.
 * The stalled source is left as it is: the adapter closes the connection after the
 * error response, which ends it. A non-finite `idleMs` turns the check off.
 *
 * @throws {FragoError} `BODY_TIMEOUT` when the body stalls; whatever `body` throws.
 */
export function idleTimeout(body: AsyncIterable<Uint8Array>, idleMs: number): AsyncIterable<Uint8Array> {
  if (!Number.isFinite(idleMs)) return body;
  return {
    [Symbol.asyncIterator]() {
      const source = body[Symbol.asyncIterator]();
      let timer: ReturnType<typeof setTimeout> | undefined;
      // The rejection of the wait under way; undefined while the consumer has the piece.
      let stall: ((error: FragoError) => void) | undefined;
      const stalled = () => stall?.(new FragoError('BODY_TIMEOUT', `The body sent no bytes for ${idleMs} ms; send the chunk again`));
      const stop = () => {
        stall = undefined;
        clearTimeout(timer);
        timer = undefined;
      };
      return {
        next() {
          return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
            stall = reject;
            if (timer === undefined) timer = setTimeout(stalled, idleMs);
            else timer.refresh();
            source.next().then(
              (result) => {
                if (result.done) stop();
                else stall = undefined;
                resolve(result);
              },
              (error: unknown) => {
                stop();
                reject(error);
              },
            );
          });
        },
        async return(value?: unknown) {
          stop();
          return (await source.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
