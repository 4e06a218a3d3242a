import type { Storage } from '@frago/core';

/**
 * Where {@link pausingStorage} stops: once an upload's space is created, once the bytes
 * of the chunk starting at `offset` are written, or once the upload's file is assembled.
 */
export type PausePoint =
  | { readonly after: 'create' }
  | { readonly after: 'write'; readonly offset: number }
  | { readonly after: 'assemble' };

/** Reads a pause point from its text form: `create`, `write:<offset>` or `assemble`. */
export function parsePausePoint(text: string): PausePoint {
  if (text === 'create' || text === 'assemble') return { after: text };
  const match = /^write:(\d+)$/.exec(text);
  if (match?.[1] === undefined) throw new Error(`a pause point is create, write:<offset> or assemble, got "${text}"`);
  return { after: 'write', offset: Number(match[1]) };
}

/**
 * Wraps a storage so that its process can be killed at one exact moment: once the step
 * named by `point` has finished in the storage, it announces it (one line, which a test
 * waits for) and never returns to the core, which therefore never records what the
 * storage did. Everything else passes through unchanged.
 */
export function pausingStorage(storage: Storage, point: PausePoint, announce: (line: string) => void): Storage {
  const halt = (line: string): Promise<never> => {
    announce(line);
    return new Promise<never>(() => undefined);
  };
  const seal = storage.seal?.bind(storage);
  return {
    capabilities: storage.capabilities,
    async create(key, totalSize, target) {
      await storage.create(key, totalSize, target);
      if (point.after === 'create') return halt(`paused: ${key} created in the storage, not answered`);
    },
    async write(key, offset, body, signal, placement) {
      const written = await storage.write(key, offset, body, signal, placement);
      if (point.after === 'write' && point.offset === offset) {
        return halt(`paused: bytes ${offset}-${placement?.end ?? '?'} of ${key} stored, not recorded`);
      }
      return written;
    },
    read: (key, range) => storage.read(key, range),
    ...(seal === undefined ? {} : { seal }),
    async assemble(key, target) {
      const assembled = await storage.assemble(key, target);
      if (point.after === 'assemble') return halt(`paused: ${key} assembled at ${assembled.location}, not recorded complete`);
      return assembled;
    },
    delete: (key) => storage.delete(key),
  };
}
