import type { Server } from 'node:http';
import { createFrago, MemoryRepository, MemoryStorage, type Frago, type Storage, type UploadRepository } from '@frago/core';
import { describeHttpConformance, listen, memoryFiles, SQL_DRIVER_LABELS, type HttpTarget, type SqlDriver } from '@frago/conformance';
import { openStack } from './stack.js';

/** Where uploads live in one run of the matrix: memory, or a SQL driver and disk. */
export type Backing = 'memory' | SqlDriver;

/** What every adapter runs on: memory, and the design's SQLite and PostgreSQL with disk. */
export const BACKINGS: readonly Backing[] = ['memory', 'sqlite', 'postgresql'];

type OpenBacking = Pick<HttpTarget, 'readAssembled' | 'isInsideStorage' | 'snapshot' | 'secrets'> & {
  readonly repository: UploadRepository;
  readonly storage: Storage;
  close(): Promise<void>;
};

async function openBacking(name: Backing): Promise<OpenBacking> {
  if (name !== 'memory') return openStack(name);
  const storage = new MemoryStorage();
  return { repository: new MemoryRepository(), storage, ...memoryFiles(storage), close: async () => undefined };
}

/**
 * Builds a server (not yet listening) that mounts `frago` with the adapter under test
 * and identifies callers by the conformance suite's test header.
 */
export type ServeFrago = (frago: Frago) => Server | Promise<Server>;

/**
 * Runs the HTTP conformance suite, unchanged, against one adapter over a real socket:
 * with the in-memory repository and storage, and with each SQL driver in `backings`
 * and disk. One call per adapter and test file, so that adapters run in parallel.
 */
export function describeAdapterMatrix(adapter: string, serve: ServeFrago, backings: readonly Backing[] = BACKINGS): void {
  for (const name of backings) {
    describeHttpConformance(`${adapter}, ${name === 'memory' ? 'memory' : `${SQL_DRIVER_LABELS[name]} and disk`}`, async (options) => {
      const backing = await openBacking(name);
      const frago = createFrago({ repository: backing.repository, storage: backing.storage, ...options });
      const server = await listen(await serve(frago));
      return {
        origin: server.origin,
        frago,
        repository: backing.repository,
        readAssembled: backing.readAssembled,
        isInsideStorage: backing.isInsideStorage,
        snapshot: backing.snapshot,
        secrets: backing.secrets,
        close: async () => {
          await server.close();
          await backing.close();
        },
      };
    });
  }
}
