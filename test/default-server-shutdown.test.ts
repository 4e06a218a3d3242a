import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPut } from '@frago/conformance';
import { defaultServerTarget, type CrashTarget } from './support/crash-target.js';
import { md5, request, uploadResumably, type Api } from './support/upload-client.js';

const KiB = 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a new TCP connection to `origin` is refused. */
function refused(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('graceful shutdown of the default server', () => {
  let dataDir: string;
  let target: CrashTarget;
  const api: Api = { origin: () => target.origin() };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'frago-shutdown-'));
    // Claims live ten minutes: only a clean release can free a range within this test.
    target = await defaultServerTarget(dataDir, {
      FRAGO_SHUTDOWN_GRACE_MS: '1500',
      FRAGO_CLAIM_LEASE_MS: '600000',
      FRAGO_BODY_IDLE_TIMEOUT_MS: '60000',
    });
    await target.start();
  });
  afterAll(async () => {
    await target?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops taking requests, finishes or abandons in-flight chunks cleanly, closes the database, and a restart continues every upload', async () => {
    const files = [0, 1, 2].map(() => new Uint8Array(randomBytes(768 * KiB)));
    const ids: string[] = [];
    for (const bytes of files) {
      const created = await request(api, 'POST', '/', JSON.stringify({ filename: 'f.bin', total_size: bytes.length }));
      ids.push(created.body.upload_id as string);
      expect((await request(api, 'PUT', `/${created.body.upload_id}/`, bytes.subarray(0, 256 * KiB), {
        'content-type': 'application/octet-stream',
        'content-range': `bytes 0-${256 * KiB - 1}/${bytes.length}`,
      })).status).toBe(200);
    }
    const range = (i: number) => ({
      url: `${target.origin()}/upload/${ids[i]}/`,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${256 * KiB}-${512 * KiB - 1}/${768 * KiB}`,
        'content-length': String(256 * KiB),
      },
      body: Buffer.from((files[i] as Uint8Array).subarray(256 * KiB, 512 * KiB)),
    });
    // Upload 0: a chunk that finishes within the grace period. Upload 1: one that stalls past it.
    let finish: () => void = () => undefined;
    const finishing = rawPut(range(0).url, range(0).headers, (req) => {
      req.write(range(0).body.subarray(0, 1000));
      finish = () => req.end(range(0).body.subarray(1000));
    });
    const stalling = rawPut(range(1).url, range(1).headers, (req) => req.write(range(1).body.subarray(0, 1000)));
    await sleep(300);
    const inFlight = await request(api, 'GET', `/${ids[1]}/`);
    expect(inFlight.body.in_flight).toHaveLength(1);

    const [pid] = target.pids();
    process.kill(pid as number, 'SIGTERM');
    await sleep(300);
    expect(await refused(target.origin())).toBe(true);
    finish();
    const finished = await finishing;
    expect(finished !== 'reset' && finished.status).toBe(200);
    expect(await stalling).toBe('reset');

    // The process exits by itself, with 0, after closing the database.
    const [exit] = await target.exited();
    expect(exit?.code, exit?.output).toBe(0);
    expect(exit?.output).toContain('abandoned 1 request(s)');
    expect(exit?.output).toContain('database closed');
    await target.start();

    const views = await Promise.all(ids.map((id) => request(api, 'GET', `/${id}/`)));
    expect(views[0]?.body.received).toEqual([{ start: 0, end: 512 * KiB - 1 }]);
    expect(views[1]?.body).toMatchObject({ received: [{ start: 0, end: 256 * KiB - 1 }], in_flight: [] });
    for (const [i, bytes] of files.entries()) {
      const id = ids[i] as string;
      for (const gap of (views[i]?.body.missing ?? []) as Array<{ start: number; end: number }>) {
        const sent = await request(api, 'PUT', `/${id}/`, bytes.subarray(gap.start, gap.end + 1), {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${gap.start}-${gap.end}/${bytes.length}`,
        });
        expect(sent.status, sent.text).toBe(200);
      }
      const done = await request(api, 'POST', `/${id}/`, JSON.stringify({ checksum: md5(bytes) }));
      expect(done.status, done.text).toBe(201);
      expect(Buffer.from(await target.readCompleted(id, 'f.bin')).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('drains quickly when nothing is in flight, and a new upload works after the restart', async () => {
    await target.stop();
    await target.start();
    const bytes = new Uint8Array(randomBytes(100 * KiB));
    const outcome = await uploadResumably(api, bytes, { chunkSize: 32 * KiB, filename: 'after.bin' });
    expect(outcome.final.status).toBe(201);
  });
});
