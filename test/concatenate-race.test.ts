import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFrago, FragoError, MemoryRepository, type Frago, type Storage } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';

// Joining puts the first part's file in place as the joined upload's (disk: a hard link),
// so a part must belong to one join at a time: two joins sharing it would write into each
// other's file.

const identity = { kind: 'anonymous' } as const;

/** A disk storage whose first `join` waits for the test to let it go, and whose joins can be made to fail. */
function joinGate(storage: DiskStorage) {
  let arrive: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let gated = true;
  let failing = false;
  const wrapped: Storage = Object.assign(Object.create(storage) as DiskStorage, {
    async join(...args: Parameters<NonNullable<Storage['join']>>) {
      if (failing) throw new FragoError('STORAGE_FAILED', 'The disk is full');
      if (gated) {
        gated = false;
        arrive();
        await released;
      }
      return storage.join(...args);
    },
  });
  return { storage: wrapped, reached, release: () => release(), failNext: (fail: boolean) => (failing = fail) };
}

describe('joining uploads whose parts another join wants', () => {
  let directory: string;
  let disk: DiskStorage;
  let gate: ReturnType<typeof joinGate>;
  let frago: Frago;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'frago-join-race-'));
    disk = new DiskStorage({ directory });
    gate = joinGate(disk);
    frago = createFrago({ repository: new MemoryRepository(), storage: gate.storage });
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function whole(bytes: Buffer): Promise<string> {
    const upload = await frago.service.create(identity, { filename: 'part.bin', totalSize: bytes.length });
    const body = (async function* () {
      yield bytes;
    })();
    await frago.service.writeChunk(identity, upload.id, { range: { start: 0, end: bytes.length - 1, total: bytes.length }, body });
    return upload.id;
  }

  async function partBytes(id: string): Promise<Buffer> {
    const { upload } = await frago.service.status(identity, id);
    const pieces: Uint8Array[] = [];
    for await (const piece of disk.read(upload.storageKey, { start: 0, end: (upload.totalSize ?? 0) - 1 })) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  it('refuses a second join of a part while the first holds it, and each file keeps its own bytes', async () => {
    const [a, b, c] = [randomBytes(300_000), randomBytes(200_001), randomBytes(100_003)];
    const [idA, idB, idC] = [await whole(a), await whole(b), await whole(c)];

    const first = frago.service.concatenate(identity, { filename: 'a-b.bin', parts: [idA, idB] });
    await gate.reached;
    const second = frago.service.concatenate(identity, { filename: 'a-c.bin', parts: [idA, idC] });
    const refused = await second.then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(FragoError);
    expect((refused as FragoError).statusCode).toBe(409);
    // The refused join changed nothing: C is still whole and open, with its bytes.
    expect((await frago.service.status(identity, idC)).upload.status).toBe('in_progress');
    expect((await partBytes(idC)).equals(c)).toBe(true);

    gate.release();
    const { upload } = await first;
    expect(upload.status).toBe('complete');
    expect((await readFile(String(upload.location))).equals(Buffer.concat([a, b]))).toBe(true);
    for (const id of [idA, idB]) await expect(frago.service.status(identity, id)).rejects.toMatchObject({ code: 'UPLOAD_ABORTED' });

    // C joins on its own afterwards, and the first file is untouched by it.
    const later = await frago.service.concatenate(identity, { filename: 'c.bin', parts: [idC] });
    expect((await readFile(String(later.upload.location))).equals(c)).toBe(true);
    expect((await readFile(String(upload.location))).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('gives the parts back, whole and open, when the join fails, so the same join can be made again', async () => {
    gate.release();
    const [a, b] = [randomBytes(150_000), randomBytes(90_001)];
    const ids = [await whole(a), await whole(b)];
    gate.failNext(true);
    await expect(frago.service.concatenate(identity, { filename: 'a-b.bin', parts: ids })).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    for (const id of ids) {
      const { upload, missing } = await frago.service.status(identity, id);
      expect(upload.status).toBe('in_progress');
      expect(missing).toEqual([]);
    }

    gate.failNext(false);
    const { upload } = await frago.service.concatenate(identity, { filename: 'a-b.bin', parts: ids });
    expect((await readFile(String(upload.location))).equals(Buffer.concat([a, b]))).toBe(true);
  });
});
