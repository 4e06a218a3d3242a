import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobSource, FragoClient, isFragoClientError, type UploadSource } from '@frago/client';
import { fragoEntities } from '@frago/mikro-orm';
import { DEFAULT_SERVER, freePort } from './support/crash-target.js';
import { ROOT, startServerProcess, type ServerProcess } from './support/server-process.js';
import { md5 } from './support/upload-client.js';

const PAUSING_SERVER = join(ROOT, 'test/support/pausing-server.ts');
const CHUNK = 256 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server printed a line matching `pattern`; returns the match. */
async function printed(server: ServerProcess, pattern: RegExp): Promise<RegExpExecArray> {
  for (let waited = 0; waited < 30_000; waited += 20) {
    const match = pattern.exec(server.output());
    if (match !== null) return match;
    await sleep(20);
  }
  throw new Error(`the server never printed ${pattern}:\n${server.output()}`);
}

/** The upload and chunk rows of the default server's database, read with SQL. */
async function rowsIn(dataDir: string) {
  const orm = await MikroORM.init({ dbName: join(dataDir, 'frago.sqlite'), entities: [...fragoEntities] });
  try {
    const sql = (query: string) => orm.em.getConnection().execute<Array<Record<string, unknown>>>(query);
    return {
      uploads: await sql('select id, status, checksum from frago_upload'),
      chunks: (await sql('select start_byte, end_byte, state from frago_chunk order by start_byte')).map((row) => ({
        start: Number(row.start_byte),
        end: Number(row.end_byte),
        state: row.state,
      })),
    };
  } finally {
    await orm.close(true);
  }
}

/** Every byte of `[0, size)` covered exactly once, by stored chunks only. */
function expectCoveredOnce(chunks: ReadonlyArray<{ start: number; end: number; state: unknown }>, size: number): void {
  let next = 0;
  for (const chunk of chunks) {
    expect(chunk).toMatchObject({ start: next, state: 'stored' });
    next = chunk.end + 1;
  }
  expect(next).toBe(size);
}

/**
 * Kills the server at the exact moments a random kill only hits by chance: after a
 * chunk's bytes are in the storage but before the database records them, and after the
 * file is assembled but before the upload is recorded complete. A test build of the
 * default server's stack (test/support/pausing-server.ts) stops there and says so; it is
 * SIGKILLed, the real default server is started on the same data, and the client
 * resumes.
 */
describe('a server killed at an aimed moment', () => {
  let dataDir: string;
  let port: number;
  let origin: string;
  let running: ServerProcess | undefined;
  const leases = { FRAGO_CLAIM_LEASE_MS: '1500', FRAGO_ASSEMBLY_LEASE_MS: '5000' };

  const startPausing = async (pause: string, env: Record<string, string> = {}) =>
    (running = await startServerProcess(
      PAUSING_SERVER,
      { PORT: String(port), FRAGO_DATA_DIR: dataDir, FRAGO_PAUSE: pause, ...leases, ...env },
      { nodeArgs: ['--import', 'tsx', '--conditions=@frago/source'] },
    ));
  const startDefault = async (env: Record<string, string> = {}) =>
    (running = await startServerProcess(DEFAULT_SERVER, { PORT: String(port), HOST: '127.0.0.1', FRAGO_DATA_DIR: dataDir, ...leases, ...env }));
  const status = async (id: string) => (await (await fetch(`${origin}/upload/${id}/`)).json()) as Record<string, any>;
  const client = () => new FragoClient({ endpoint: `${origin}/upload`, chunkSize: CHUNK, parallel: 1, retries: 40, maxRetryDelayMs: 500 });

  /** Starts uploading `source`; resolves once the paused server announced its stop, then kills it and stops the client. */
  async function uploadUntilKilled(source: UploadSource, paused: ServerProcess, announcement: RegExp) {
    const stop = new AbortController();
    const upload = client().upload(source, { signal: stop.signal });
    const match = await printed(paused, announcement);
    const id = upload.uploadId ?? '';
    return {
      id,
      match,
      async kill() {
        await paused.stop('SIGKILL');
        running = undefined;
        stop.abort();
        const failure = await upload.done.then(() => null, (error: unknown) => error);
        expect(isFragoClientError(failure) && failure.code).toBe('CANCELLED');
      },
    };
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'frago-aimed-'));
    port = await freePort();
    origin = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    await running?.stop('SIGTERM');
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('between creating the storage space and answering the start: the sweeper removes the row and the space once it expires', async () => {
    const paused = await startPausing('create', { FRAGO_EXPIRATION_MS: '1500' });
    const started = fetch(`${origin}/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'never-answered.bin', total_size: 4 * CHUNK }),
    }).catch(() => null);
    const [, id] = await printed(paused, /paused: (\S+) created in the storage, not answered/);
    // The space exists, and so does the row that points to it: nothing is left behind unseen.
    expect(await readdir(join(dataDir, 'incoming'))).toEqual([`${id}.part`]);
    expect((await rowsIn(dataDir)).uploads).toEqual([{ id, status: 'in_progress', checksum: null }]);
    await paused.stop('SIGKILL');
    running = undefined;
    expect(await started).toBeNull();

    const sweeping = await startDefault({ FRAGO_SWEEP_INTERVAL_MS: '100' });
    let rows = await rowsIn(dataDir);
    for (let i = 0; i < 100 && rows.uploads.length > 0; i += 1) {
      await sleep(50);
      rows = await rowsIn(dataDir);
    }
    expect(rows).toEqual({ uploads: [], chunks: [] });
    expect(await readdir(join(dataDir, 'incoming'))).toEqual([]);
    expect((await fetch(`${origin}/upload/${id}/`)).status).toBe(404);
    expect(sweeping.output()).not.toContain('sweep failed');
    console.log('[aimed kill] after creating the storage space, before answering the start: the sweeper removed the row and the space once the upload expired');
  });

  it('between storing a chunk and recording it: the chunk counts as missing and is sent again', async () => {
    const bytes = new Uint8Array(randomBytes(8 * CHUNK + 1000));
    const aimed = { start: 3 * CHUNK, end: 4 * CHUNK - 1 };
    const paused = await startPausing(`write:${aimed.start}`);
    const source = blobSource(new Blob([bytes]), 'aimed.bin');
    const run = await uploadUntilKilled(source, paused, /paused: bytes (\d+)-(\d+) of (\S+) stored, not recorded/);
    expect(run.match.slice(1)).toEqual([String(aimed.start), String(aimed.end), run.id]);

    // The bytes are in the upload's file, yet the database holds only a claim on them.
    const file = await open(join(dataDir, 'incoming', `${run.id}.part`));
    const { buffer } = await file.read({ buffer: Buffer.alloc(CHUNK), position: aimed.start });
    await file.close();
    expect(buffer.equals(Buffer.from(bytes.subarray(aimed.start, aimed.end + 1)))).toBe(true);
    const before = await status(run.id);
    expect(before).toMatchObject({ received: [{ start: 0, end: aimed.start - 1 }], in_flight: [aimed] });
    await run.kill();

    await startDefault();
    const after = await status(run.id);
    expect(after).toMatchObject({ status: 'in_progress', received: [{ start: 0, end: aimed.start - 1 }], missing: [{ start: aimed.start, end: bytes.length - 1 }] });
    let lapsed = after;
    for (let i = 0; i < 100 && lapsed.in_flight.length > 0; i += 1) {
      await sleep(50);
      lapsed = await status(run.id);
    }
    expect(lapsed).toMatchObject({ in_flight: [], received: [{ start: 0, end: aimed.start - 1 }] });

    const result = await client().upload(source, { uploadId: run.id }).done;
    expect(result).toMatchObject({ uploadId: run.id, resumed: true, resumedBytes: aimed.start, sentBytes: bytes.length - aimed.start, verified: true, checksum: md5(bytes) });
    const assembled = await readFile(join(dataDir, 'assembled', `${run.id}-aimed.bin`));
    expect(assembled.equals(Buffer.from(bytes))).toBe(true);
    const rows = await rowsIn(dataDir);
    expect(rows.uploads).toEqual([{ id: run.id, status: 'complete', checksum: md5(bytes) }]);
    expectCoveredOnce(rows.chunks, bytes.length);
    console.log(`[aimed kill] after storing bytes ${aimed.start}-${aimed.end}, before recording them: status showed them missing, the client resumed from byte ${result.resumedBytes} and the file is byte-identical`);
  });

  it('between assembling the file and recording it complete: another finalize completes it once the assembly lease ran out', async () => {
    const bytes = new Uint8Array(randomBytes(5 * CHUNK + 77));
    const paused = await startPausing('assemble');
    const source = blobSource(new Blob([bytes]), 'assembled.bin');
    const began = Date.now();
    const run = await uploadUntilKilled(source, paused, /paused: (\S+) assembled at (\S+), not recorded complete/);
    expect(run.match[1]).toBe(run.id);
    const location = run.match[2] ?? '';
    expect((await readFile(location)).equals(Buffer.from(bytes))).toBe(true);
    expect(await status(run.id)).toMatchObject({ status: 'assembling', missing: [] });
    await run.kill();

    const restarted = await startDefault();
    expect(await status(run.id)).toMatchObject({ status: 'assembling', completed_at: null });
    const resumed = client().upload(source, { uploadId: run.id });
    const busy: string[] = [];
    resumed.on('retry', ({ error }) => busy.push(error.serverCode ?? error.code));
    const result = await resumed.done;
    expect(result).toMatchObject({ uploadId: run.id, verified: true, checksum: md5(bytes), alreadyComplete: false });
    // While the lease holds, a finalize is told UPLOAD_BUSY and retries; on a loaded machine the
    // restart alone may outlast it, but never can the upload complete before the lease ran out.
    if (busy.length === 0) expect(Date.now() - began).toBeGreaterThanOrEqual(Number(leases.FRAGO_ASSEMBLY_LEASE_MS));
    else expect(new Set(busy)).toEqual(new Set(['UPLOAD_BUSY']));
    expect((await readFile(location)).equals(Buffer.from(bytes))).toBe(true);
    expect(await status(run.id)).toMatchObject({ status: 'complete', missing: [] });
    const rows = await rowsIn(dataDir);
    expect(rows.uploads).toEqual([{ id: run.id, status: 'complete', checksum: md5(bytes) }]);
    expectCoveredOnce(rows.chunks, bytes.length);
    expect(paused.output()).not.toContain('completed');
    expect(restarted.output().match(new RegExp(`completed ${run.id}`, 'g'))).toHaveLength(1);
    console.log(`[aimed kill] after assembling, before recording complete: ${busy.length} finalize calls answered UPLOAD_BUSY until the assembly lease ran out, then one completed it; the file is byte-identical`);
  });
});
