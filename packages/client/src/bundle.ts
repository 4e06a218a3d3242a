/**
 * The browser bundle (`frago-client.js`): the whole client, plus the URL of the hash
 * worker bundled next to it, so a page needs no build step.
 *
 * @packageDocumentation
 */
import { workerHasher } from './worker-hasher.js';

export * from './index.js';

/** Hashes in the worker served next to this bundle (`frago-hash-worker.js`). */
export const bundledWorkerHasher = () => workerHasher(new URL('./frago-hash-worker.js', import.meta.url));
