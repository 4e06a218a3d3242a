import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefaultServer, type DefaultServer } from './support/default-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(origin: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}${path}`);
  return { status: response.status, body: await response.json() };
}

/** The JSON lines the server printed. */
function logLines(target: DefaultServer): Array<Record<string, any>> {
  return target.server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

describe('the default server as a load balancer sees it', () => {
  let target: DefaultServer;

  beforeAll(async () => {
    target = await startDefaultServer({ FRAGO_DRAIN_DELAY_MS: '1500', FRAGO_LOG_LEVEL: 'info' });
  });
  afterAll(() => target?.close());

  it('is live and ready while its database and folder answer, and says which one does not', async () => {
    expect(await probe(target.origin, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(target.origin, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { repository: 'ok', storage: 'ok' } } });

    // The incoming folder replaced by a file: the storage can no longer take uploads.
    const incoming = join(target.dataDir, 'incoming');
    await rename(incoming, `${incoming}.away`);
    await writeFile(incoming, 'not a folder');
    const broken = await probe(target.origin, '/readyz');
    await rename(incoming, `${incoming}.file`);
    await rename(`${incoming}.away`, incoming);
    expect(broken).toEqual({ status: 503, body: { status: 'not_ready', checks: { repository: 'ok', storage: 'failed' } } });
    expect(JSON.stringify(broken.body)).not.toContain(target.dataDir);
    await expect.poll(() => logLines(target).find((line) => line.msg === 'not ready')).toMatchObject({ level: 40, err: { message: expect.stringContaining('EEXIST') } });
    expect(await probe(target.origin, '/readyz')).toMatchObject({ status: 200 });
  });

  it('logs one JSON line per API request', async () => {
    const before = logLines(target).length;
    const start = JSON.stringify({ filename: 'a.txt', total_size: 3 });
    const created = await fetch(`${target.origin}/upload/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: start });
    const { upload_id: id } = (await created.json()) as { upload_id: string };
    await expect.poll(() => logLines(target).length).toBeGreaterThan(before);
    expect(logLines(target).slice(before)).toEqual([
      expect.objectContaining({ level: 30, msg: 'request', method: 'POST', route: '/upload/', status: 201, uploadId: id, bytes: start.length }),
    ]);
  });

  it('serves Prometheus metrics that count what the API did', async () => {
    const metrics = async () => (await fetch(`${target.origin}/metrics`)).text();
    const sample = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await metrics();
    const created = await fetch(`${target.origin}/upload/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'm.txt', total_size: 3 }) });
    const { upload_id: id } = (await created.json()) as { upload_id: string };
    const chunk = { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/3' };
    expect((await fetch(`${target.origin}/upload/${id}/`, { method: 'PUT', headers: chunk, body: 'abc' })).status).toBe(200);
    expect((await fetch(`${target.origin}/upload/${id}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201);
    const after = await metrics();
    for (const [name, moved] of [
      ['frago_uploads_started_total{protocol="frago"}', 1],
      ['frago_uploads_completed_total{protocol="frago"}', 1],
      ['frago_received_bytes_total{protocol="frago"}', 3],
      ['frago_chunk_duration_seconds_count{protocol="frago",status="200"}', 1],
      ['frago_finalize_duration_seconds_count{protocol="frago",status="201"}', 1],
    ] as const) {
      expect(sample(after, name) - sample(before, name), name).toBe(moved);
    }
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('answers draining on /readyz after SIGTERM while it still serves, then closes', async () => {
    target.server.child.kill('SIGTERM');
    await sleep(300);
    const draining = await probe(target.origin, '/readyz');
    const live = await probe(target.origin, '/healthz');
    const served = await fetch(`${target.origin}/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'late.txt', total_size: 1 }),
    });
    expect(draining).toEqual({ status: 503, body: { status: 'draining' } });
    expect(live).toEqual({ status: 200, body: { status: 'ok' } });
    expect(served.status).toBe(201);
    expect(await target.server.exited()).toBe(0);
    expect(logLines(target).map((line) => line.msg)).toContain('database closed');
  });
});
