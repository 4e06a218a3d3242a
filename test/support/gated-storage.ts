import type { Storage } from '@frago/core';

/** Where {@link gatedStorage} holds a chunk: before its write starts, mid-body, or after the write finished. */
export type GatePhase = 'before' | 'during' | 'after';

/** A storage that holds one chunk at a chosen moment until the test lets it go. */
export interface GatedStorage {
  readonly storage: Storage;
  /** Resolves once a write starting at `offset` reached the gate. */
  reached(): Promise<void>;
  /** Lets the held write go on. */
  release(): void;
}

/**
 * Wraps `storage` so that the write of the chunk starting at `offset` stops at `phase`
 * until {@link GatedStorage.release}: `before` the bytes reach the storage, `during`
 * (after its first piece was passed on), or `after` the storage finished writing. Every
 * other call passes through unchanged.
 */
export function gatedStorage(storage: Storage, phase: GatePhase, offset: number): GatedStorage {
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const hold = async () => {
    arrive();
    await released;
  };
  async function* heldMidway(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    let first = true;
    for await (const piece of body) {
      yield piece;
      if (first) await hold();
      first = false;
    }
  }
  const seal = storage.seal?.bind(storage);
  const wrapped: Storage = {
    capabilities: storage.capabilities,
    create: (key, totalSize, target) => storage.create(key, totalSize, target),
    async write(key, at, body, signal, placement) {
      if (at !== offset) return storage.write(key, at, body, signal, placement);
      if (phase === 'before') await hold();
      const written = await storage.write(key, at, phase === 'during' ? heldMidway(body) : body, signal, placement);
      if (phase === 'after') await hold();
      return written;
    },
    read: (key, range) => storage.read(key, range),
    ...(seal === undefined ? {} : { seal }),
    assemble: (key, target) => storage.assemble(key, target),
    delete: (key) => storage.delete(key),
  };
  return { storage: wrapped, reached: () => arrived, release };
}
