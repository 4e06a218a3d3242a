/**
 * The Web Worker behind `workerHasher`: it receives a {@link HashJob}, reads the Blob
 * in order and answers with progress and the digest. Load it as a module worker.
 *
 * @packageDocumentation
 */
import { hashPieces } from './checksum.js';
import { readBlob } from './source.js';
import type { HashJob, HashReply } from './worker-hasher.js';

interface WorkerScope {
  onmessage: ((event: { readonly data: HashJob }) => void) | null;
  postMessage(message: HashReply): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data }) => {
  hashPieces(readBlob(data.blob), data.algorithm, (hashed) => scope.postMessage({ type: 'progress', hashed })).then(
    (hex) => scope.postMessage({ type: 'digest', hex }),
    (error: unknown) => scope.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
};
