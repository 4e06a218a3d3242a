import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  createFrago,
  FragoError,
  MemoryRepository,
  MemoryStorage,
  type AssembleTarget,
  type ByteRange,
  type ChunkPlacement,
  type FragoOptions,
  type FragoRequest,
  type Identity,
  type Storage,
  type StoredChunk,
} from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { listen } from '@frago/conformance';
import { alice, bytesOf, md5, setup } from './support/in-process.js';

describe('checksum progress', () => {
  it('requires a checksum in required mode and computes none when off', async () => {
    const required = setup({ checksum: { mode: 'required' } });
    const id = await required.start(0);
    const refused = await required.call('POST', `/${id}/`, { json: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('INVALID_REQUEST');
    expect((await required.call('POST', `/${id}/`, { json: { checksum: md5(new Uint8Array()) } })).status).toBe(201);

    const off = setup({ checksum: { mode: 'off' } });
    const data = new Uint8Array(randomBytes(1000));
    const other = await off.start(data.length);
    await off.put(other, data, 0, 999);
    const done = await off.call('POST', `/${other}/`, { json: { checksum: 'ff' } });
    expect(done.status).toBe(201);
    expect(done.body.checksum).toBeNull();
  });

  it('only allows the algorithms the server allows', async () => {
    const { call } = setup({ checksum: { allowed: ['sha256'], defaultAlgorithm: 'sha256' } });
    const refused = await call('POST', '/', { json: { filename: 'a', total_size: 1, checksum_algo: 'md5' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'UNSUPPORTED_CHECKSUM', allowed: ['sha256'] });
  });
});

describe('stalled chunks', () => {
  it('are ended by the idle timeout, which frees their range at once and records nothing', async () => {
    const { start, put, call } = setup({ claimLeaseMs: 60_000, bodyIdleTimeoutMs: 200 });
    const data = new Uint8Array(randomBytes(10_000));
    const id = await start(data.length);
    const stalled = await put(id, data, 0, 9999, (async function* () {
      yield data.subarray(0, 4000);
      await new Promise(() => undefined);
    })());
    expect(stalled.status).toBe(408);
    expect(stalled.body).toMatchObject({ status: false, error: 'BODY_TIMEOUT' });
    expect((await call('GET', `/${id}/`)).body).toMatchObject({ received: [], in_flight: [] });
    expect((await put(id, data, 0, 9999)).status).toBe(200);
    expect((await call('POST', `/${id}/`, { json: { checksum: md5(data) } })).status).toBe(201);
  });

  // With the idle timeout off, the claim's lease is what frees a stalled range.
  it('let their claim lapse so the range can be sent again, and never write after losing it', async () => {
    const { start, put, call, storage } = setup({ claimLeaseMs: 600, bodyIdleTimeoutMs: Number.POSITIVE_INFINITY });
    const data = new Uint8Array(randomBytes(20_000));
    const stale = new Uint8Array(20_000).fill(7);
    const id = await start(data.length);
    let wake: () => void = () => undefined;
    const stalled = put(id, data, 0, 19_999, (async function* () {
      yield stale.subarray(0, 5000);
      await new Promise<void>((resolve) => (wake = resolve));
      yield stale.subarray(5000);
    })());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await put(id, data, 0, 19_999)).body.error).toBe('RANGE_IN_FLIGHT');
    let retried = await put(id, data, 0, 19_999);
    for (let i = 0; i < 60 && retried.status !== 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      retried = await put(id, data, 0, 19_999);
    }
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    wake();
    const late = await stalled;
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('RANGE_IN_FLIGHT');
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(storage.file(`${id}-f.bin`)).toEqual(data);
  });

  it('are reported in flight while their lease holds, and missing once it lapsed', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const { start, put, call } = setup({ now: () => new Date(clock), claimLeaseMs: 60_000, bodyIdleTimeoutMs: Number.POSITIVE_INFINITY });
    const data = new Uint8Array(randomBytes(20_000));
    const id = await start(data.length);
    await put(id, data, 10_000, 19_999);
    let wake: () => void = () => undefined;
    const stalled = put(id, data, 0, 9999, (async function* () {
      yield data.subarray(0, 4000);
      await new Promise<void>((resolve) => (wake = resolve));
      yield data.subarray(4000, 10_000);
    })());
    let view = await call('GET', `/${id}/`);
    for (let i = 0; i < 100 && view.body.in_flight.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      view = await call('GET', `/${id}/`);
    }
    expect(view.body).toMatchObject({ in_flight: [{ start: 0, end: 9999 }], missing: [{ start: 0, end: 9999 }] });

    clock += 60_001;
    view = await call('GET', `/${id}/`);
    expect(view.body).toMatchObject({ in_flight: [], missing: [{ start: 0, end: 9999 }], received: [{ start: 10_000, end: 19_999 }] });
    expect((await put(id, data, 0, 9999)).status).toBe(200);
    wake();
    expect((await stalled).body.error).toBe('RANGE_IN_FLIGHT');
    expect((await call('GET', `/${id}/`)).body).toMatchObject({ in_flight: [], missing: [], received: [{ start: 0, end: 19_999 }] });
    expect((await call('POST', `/${id}/`, { json: { checksum: md5(data) } })).status).toBe(201);
  });
});

describe('two finalize calls at once', () => {
  it('tells the one that lost a retry is due, not that the upload is complete, when the other completes as it looks', async () => {
    let race: 'armed' | 'lost' | 'over' = 'armed';
    // Another process takes the upload between this call's read and its move, and
    // completes it right after this call looks at what became of the upload.
    class RacedRepository extends MemoryRepository {
      override async transition(...args: Parameters<MemoryRepository['transition']>) {
        if (race === 'armed' && args[2] === 'assembling') {
          race = 'lost';
          await super.transition(...args);
          return null;
        }
        return super.transition(...args);
      }
      override async get(id: string) {
        const current = await super.get(id);
        if (race === 'lost' && current?.status === 'assembling') {
          race = 'over';
          await super.transition(id, { status: 'assembling' }, 'complete', { location: 'elsewhere', completedAt: new Date() });
        }
        return current;
      }
    }
    const { start, put, call } = setup({ repository: new RacedRepository() });
    const data = new Uint8Array(randomBytes(1000));
    const id = await start(data.length);
    await put(id, data, 0, 999);
    const lost = await call('POST', `/${id}/`, { json: {} });
    expect([lost.status, lost.body.error]).toEqual([409, 'UPLOAD_BUSY']);
    const retried = await call('POST', `/${id}/`, { json: {} });
    expect([retried.status, retried.body.already_complete]).toEqual([200, true]);
  });
});

describe('a finalize that died half-way', () => {
  it('is taken over once its lease has run out, and not before', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const { start, put, call, repository } = setup({ now: () => new Date(clock), assemblyLeaseMs: 60_000 });
    const data = new Uint8Array(randomBytes(1000));
    const id = await start(data.length);
    await put(id, data, 0, 999);
    await repository.transition(id, { status: 'in_progress' }, 'assembling', { leaseUntil: new Date(clock + 60_000) });
    const busy = await call('POST', `/${id}/`, { json: {} });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('UPLOAD_BUSY');
    clock += 61_000;
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect((await call('GET', `/${id}/`)).body.status).toBe('complete');
  });

  it('is taken over without the bytes when it had verified them with another algorithm than the upload\'s', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    let dies = true;
    // The process dies after assembling, before recording the upload complete.
    class DyingRepository extends MemoryRepository {
      override async transition(...args: Parameters<MemoryRepository['transition']>) {
        if (args[2] === 'complete' && dies) {
          dies = false;
          throw new Error('the process died');
        }
        return super.transition(...args);
      }
    }
    const { start, put, call } = setup({ repository: new DyingRepository(), now: () => new Date(clock), assemblyLeaseMs: 60_000 });
    const data = new Uint8Array(randomBytes(1000));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const id = await start(data.length);
    await put(id, data, 0, 999);
    const died = await call('POST', `/${id}/`, { json: { checksum: sha256, checksum_algo: 'sha256' } });
    expect(died.body.error).toBe('REPOSITORY_FAILED');
    // Assembled: the bytes it hashed are no longer where chunks are kept.
    expect((await call('GET', `/${id}/`)).body.status).toBe('assembling');
    clock += 61_000;
    const done = await call('POST', `/${id}/`, { json: { checksum: sha256, checksum_algo: 'sha256' } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ checksum: sha256, checksum_algo: 'sha256' });
    expect((await call('GET', `/${id}/`)).body).toMatchObject({ status: 'complete', checksum: sha256, checksum_algo: 'sha256' });
  });
});

describe('finalize with another algorithm than the upload\'s', () => {
  it('records the algorithm with the checksum, so the status names the right one', async () => {
    const { start, put, call } = setup();
    const data = new Uint8Array(randomBytes(3000));
    const id = await start(data.length);
    await put(id, data, 1000, 2999);
    await put(id, data, 0, 999);
    const sha1 = createHash('sha1').update(data).digest('hex');
    const done = await call('POST', `/${id}/`, { json: { checksum: sha1, checksum_algo: 'sha1' } });
    expect(done.body).toMatchObject({ checksum: sha1, checksum_algo: 'sha1' });
    expect((await call('GET', `/${id}/`)).body).toMatchObject({ status: 'complete', checksum: sha1, checksum_algo: 'sha1' });
  });
});

describe('starting an upload', () => {
  it('records nothing when the storage cannot open its space, and keeps no space when the record fails', async () => {
    class FullStorage extends MemoryStorage {
      override async create(): Promise<void> {
        throw new Error('ENOSPC: no space left on device, open /srv/frago/incoming/x.part');
      }
    }
    const full = setup({ storage: new FullStorage(), generateId: () => 'u-1' });
    const refused = await full.call('POST', '/', { json: { filename: 'a.bin', total_size: 10 }, identity: alice });
    expect(refused).toMatchObject({ status: 500, body: { error: 'STORAGE_FAILED' } });
    expect(JSON.stringify(refused.body)).not.toContain('/srv/frago');
    expect(await full.repository.get('u-1')).toBeNull();
    expect(await full.repository.countActive('user:alice')).toBe(0);

    class DownRepository extends MemoryRepository {
      override async create(): Promise<never> {
        throw new Error('connection refused');
      }
    }
    const storage = new MemoryStorage();
    const down = setup({ repository: new DownRepository(), storage, generateId: () => 'u-2' });
    const failed = await down.call('POST', '/', { json: { filename: 'a.bin', total_size: 10 } });
    expect(failed).toMatchObject({ status: 503, body: { error: 'REPOSITORY_FAILED' } });
    expect(storage.has('u-2')).toBe(false);
  });
});

describe('hooks and limits', () => {
  it('lets beforeCreate veto an upload and replace its metadata', async () => {
    const { call, frago } = setup({
      hooks: {
        beforeCreate: (input, identity) => {
          if (input.filename.endsWith('.exe')) throw new FragoError('FORBIDDEN', 'No executables');
          return { ...input.metadata, by: 'id' in identity ? identity.id : 'anonymous' };
        },
      },
    });
    const started: string[] = [];
    frago.events.on('upload:started', ({ upload }) => started.push(upload.id));
    const refused = await call('POST', '/', { json: { filename: 'x.exe', total_size: 1 } });
    expect(refused.status).toBe(403);
    expect(started).toEqual([]);
    const created = await call('POST', '/', { json: { filename: 'x.mp4', total_size: 1, metadata: { site: 3 } }, identity: alice });
    const view = await call('GET', `/${created.body.upload_id}/`, { identity: alice });
    expect(view.body.metadata).toEqual({ site: 3, by: 'alice' });
  });

  it('puts each assembled file where assembleTarget says, made safe', async () => {
    const { start, call, storage } = setup({
      hooks: { assembleTarget: (upload) => ({ directory: `devices/../${upload.owner ?? 'none'}`, filename: `clip-${upload.filename}` }) },
    });
    const data = new Uint8Array([1, 2, 3]);
    const id = await start(3, alice);
    await call('PUT', `/${id}/`, { headers: { 'content-range': 'bytes 0-2/3' }, body: bytesOf(data), identity: alice });
    expect((await call('POST', `/${id}/`, { json: {}, identity: alice })).status).toBe(201);
    expect(storage.file(`devices/user_alice/${id}-clip-f.bin`)).toEqual(data);
  });

  it('limits uploads in progress per identity with 429', async () => {
    const { call, start } = setup({ limits: { maxActiveUploadsPerOwner: 2 } });
    await start(1, alice);
    await start(1, alice);
    const third = await call('POST', '/', { json: { filename: 'a', total_size: 1 }, identity: alice });
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('TOO_MANY_UPLOADS');
    await start(1, { kind: 'user', id: 'bob' });
  });

  it('refuses a caller the identity resolver cannot identify with 401, before touching anything', async () => {
    const { frago } = setup();
    const listener = createNodeListener(frago.handle, {
      identify: (req) => {
        if (!req.headers.authorization) throw new FragoError('UNAUTHENTICATED', 'Sign in first');
        return { kind: 'user', id: 'x' };
      },
    });
    const server = await listen(createServer((req, res) => void listener(req, res)));
    try {
      const response = await fetch(`${server.origin}/upload/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'a', total_size: 1 }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ status: false, error: 'UNAUTHENTICATED', message: 'Sign in first' });
      expect((await fetch(`${server.origin}/elsewhere`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

/**
 * A storage with parts, as a storage author sees the core: what `write` returns comes
 * back to `seal` through the repository, and the chunk size depends on the file.
 */
class PartedStorage implements Storage {
  readonly capabilities = { preferredChunkSize: 1000, chunkSizeFor: (totalSize: number) => Math.max(1000, Math.ceil(totalSize / 10)) };
  readonly sealed: Array<{ key: string; chunks: unknown[] }> = [];
  readonly announced: Array<{ key: string; filename: string | undefined }> = [];
  private readonly bytes = new MemoryStorage();

  async create(key: string, totalSize: number, target?: AssembleTarget): Promise<void> {
    this.announced.push({ key, filename: target?.filename });
    await this.bytes.create(key, totalSize);
  }

  async write(key: string, offset: number, body: AsyncIterable<Uint8Array>, _signal?: AbortSignal, placement?: ChunkPlacement) {
    await this.bytes.write(key, offset, body);
    return { storageData: `part ${offset}-${placement?.end} of ${placement?.totalSize}` };
  }

  read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    return this.bytes.read(key, range);
  }

  async seal(key: string, chunks: readonly StoredChunk[]): Promise<void> {
    this.sealed.push({ key, chunks: [...chunks] });
  }

  assemble(key: string, target: AssembleTarget) {
    return this.bytes.assemble(key, target);
  }

  delete(key: string): Promise<void> {
    return this.bytes.delete(key);
  }
}

describe('storages with parts', () => {
  it('proposes the chunk size the storage needs for the file, and hands each chunk its placement', async () => {
    const storage = new PartedStorage();
    const { call, put } = setup({ storage });
    const small = await call('POST', '/', { json: { filename: 'small.bin', total_size: 5000 } });
    const large = await call('POST', '/', { json: { filename: '../large.bin', total_size: 50_000 } });
    expect(small.body.chunk_size).toBe(1000);
    expect(large.body.chunk_size).toBe(5000);
    expect(storage.announced).toEqual([
      { key: small.body.upload_id, filename: 'small.bin' },
      { key: large.body.upload_id, filename: 'large.bin' },
    ]);

    const data = new Uint8Array(randomBytes(5000));
    const id = small.body.upload_id as string;
    await put(id, data, 3000, 4999);
    await put(id, data, 0, 2999);
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });

    expect(done.status).toBe(201);
    expect(storage.sealed).toEqual([
      {
        key: id,
        chunks: [
          { start: 0, end: 2999, storageData: 'part 0-2999 of 5000' },
          { start: 3000, end: 4999, storageData: 'part 3000-4999 of 5000' },
        ],
      },
    ]);
  });
});

describe('the sweeper', () => {
  it('deletes the bytes of an upload it expires once, and an aborted tombstone\'s again, in case the abort died first', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { frago, storage, repository, start, put, call } = setup({ now: () => new Date(clock) });
    const deletes: string[] = [];
    const remove = storage.delete.bind(storage);
    storage.delete = async (key: string) => {
      deletes.push(key);
      await remove(key);
    };
    const data = new Uint8Array(randomBytes(100));
    const expiring = await start(data.length);
    await put(expiring, data, 0, 49);
    const aborted = await start(data.length);
    expect((await call('DELETE', `/${aborted}/`)).status).toBe(200);
    const keyOf = async (id: string) => (await repository.get(id))!.storageKey;
    const keys = { expiring: await keyOf(expiring), aborted: await keyOf(aborted) };
    expect(deletes).toEqual([keys.aborted]);

    clock += 365 * 24 * 60 * 60 * 1000;
    expect(await frago.sweepExpired()).toBe(2);
    expect(deletes.filter((key) => key === keys.expiring)).toHaveLength(1);
    expect(deletes.filter((key) => key === keys.aborted)).toHaveLength(2);
    expect(await repository.get(expiring)).toBeNull();
    expect(await repository.get(aborted)).toBeNull();
  });
});
