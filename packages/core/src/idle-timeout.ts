import { FragoError } from './errors.js';

/**
 * Passes a body through, failing when no piece arrives for `idleMs` milliseconds. The
 * wait for the next piece is raced against a timer, so a body that stalls forever is
 * ended at once instead of holding its chunk's claim until the claim's lease runs out.
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
      return {
        next() {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new FragoError('BODY_TIMEOUT', `The body sent no bytes for ${idleMs} ms; send the chunk again`)),
              idleMs,
            );
          });
          return Promise.race([source.next(), stalled]).finally(() => clearTimeout(timer));
        },
        async return(value?: unknown) {
          return (await source.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
