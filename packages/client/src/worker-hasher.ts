import type { ChecksumAlgorithm } from './checksum.js';
import { cancelledError, FragoClientError } from './errors.js';
import { inlineHasher, type Hasher } from './hasher.js';

/** The message the page sends the hash worker. */
export interface HashJob {
  readonly blob: Blob;
  readonly algorithm: ChecksumAlgorithm;
}

/** The messages the hash worker answers with. */
export type HashReply =
  | { readonly type: 'progress'; readonly hashed: number }
  | { readonly type: 'digest'; readonly hex: string }
  | { readonly type: 'error'; readonly message: string };

/**
 * Makes the hash worker: `() => new Worker(url, { type: 'module' })`. Typed loosely as
 * `object` because this package compiles without the DOM library; a DOM `Worker` fits.
 */
export type WorkerFactory = () => object;

/** The part of a DOM `Worker` this client uses. */
interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

type WorkerConstructor = new (url: string | URL, options?: { type?: 'module' | 'classic' }) => WorkerLike;

/**
 * Hashes in a Web Worker, one worker per file, so a page stays responsive while a
 * large file is read: the worker reads the `File` itself, no bytes cross threads.
 * `script` is the URL of the worker module (`@frago/client/hash-worker`, or the
 * bundled `frago-hash-worker.js`), or a function making the worker. Sources without a
 * Blob, and runtimes without workers, hash in the calling thread.
 *
 * @example
 * ```ts
 * const client = new FragoClient({ endpoint: '/upload', hasher: workerHasher('/frago-hash-worker.js') });
 * ```
 */
export function workerHasher(script: string | URL | WorkerFactory): Hasher {
  return (source, algorithm, options) => {
    const Worker = (globalThis as { Worker?: WorkerConstructor }).Worker;
    if (!source.blob || (typeof script !== 'function' && Worker === undefined)) return inlineHasher(source, algorithm, options);
    const blob = source.blob;
    const { signal, onProgress } = options;
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(cancelledError(signal));
      const worker = (typeof script === 'function' ? script() : new Worker!(script, { type: 'module' })) as WorkerLike;
      const finish = (settle: () => void) => {
        signal.removeEventListener('abort', onAbort);
        worker.terminate();
        settle();
      };
      const onAbort = () => finish(() => reject(cancelledError(signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      worker.onmessage = ({ data }) => {
        const reply = data as HashReply;
        if (reply.type === 'progress') onProgress(reply.hashed);
        else if (reply.type === 'digest') finish(() => resolve(reply.hex));
        else finish(() => reject(new FragoClientError('READ_FAILED', reply.message)));
      };
      worker.onerror = (event) =>
        finish(() => reject(new FragoClientError('READ_FAILED', 'The hash worker failed to start or crashed', { cause: event })));
      worker.postMessage({ blob, algorithm } satisfies HashJob);
    });
  };
}
