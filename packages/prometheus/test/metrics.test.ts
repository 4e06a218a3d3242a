import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage, type Storage } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { listen } from '@frago/conformance';
import { prometheusInstrumentation } from '@frago/prometheus';

const DOOMED_SIZE = 7;

/** A storage that fails every write to an upload of {@link DOOMED_SIZE} bytes, as a full disk would. */
function failingFor(storage: Storage): Storage {
  return Object.assign(Object.create(storage) as Storage, {
    write(...args: Parameters<Storage['write']>) {
      if (args[4]?.totalSize === DOOMED_SIZE) return Promise.reject(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
      return storage.write(...args);
    },
  });
}

/** The value of each sample line of `/metrics`, by its name and labels as printed. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('Prometheus metrics of a frago server', () => {
  const prometheus = prometheusInstrumentation();
  const frago = createFrago({ repository: new MemoryRepository(), storage: failingFor(new MemoryStorage()), instrumentation: prometheus });
  const api = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        void prometheus.registry.metrics().then((text) => res.writeHead(200, { 'content-type': prometheus.registry.contentType }).end(text));
        return;
      }
      void api(req, res);
    });
    ({ origin, close } = await listen(server));
  });
  afterAll(() => close());

  const scrape = async () => samples(await (await fetch(`${origin}/metrics`)).text());
  const json = (method: string, path: string, body: unknown) =>
    fetch(`${origin}/upload${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const put = (id: string, bytes: Uint8Array, start: number, end: number) =>
    fetch(`${origin}/upload/${id}/`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}` },
      body: bytes.subarray(start, end + 1),
    });

  it('moves each counter by exactly what one upload, one abort and one failed chunk did', async () => {
    const before = await scrape();
    const bytes = new Uint8Array(randomBytes(300_000));
    const started = (await (await json('POST', '/', { filename: 'a.bin', total_size: bytes.length })).json()) as { upload_id: string };
    const id = started.upload_id;
    expect((await put(id, bytes, 200_000, 299_999)).status).toBe(200);
    expect((await put(id, bytes, 0, 99_999)).status).toBe(200);
    expect((await put(id, bytes, 100_000, 199_999)).status).toBe(200);
    expect((await put(id, bytes, 0, 99_999)).status).toBe(200); // a duplicate: answered, not counted as bytes
    const checksum = createHash('md5').update(bytes).digest('hex');
    expect((await json('POST', `/${id}/`, { checksum })).status).toBe(201);

    const other = (await (await json('POST', '/', { filename: 'b.bin', total_size: 10 })).json()) as { upload_id: string };
    expect((await fetch(`${origin}/upload/${other.upload_id}/`, { method: 'DELETE' })).status).toBe(200);
    const doomed = (await (await json('POST', '/', { filename: 'c.bin', total_size: DOOMED_SIZE })).json()) as { upload_id: string };
    expect((await put(doomed.upload_id, new Uint8Array(DOOMED_SIZE), 0, DOOMED_SIZE - 1)).status).toBe(500);

    const after = await scrape();
    const moved = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect({
      started: moved('frago_uploads_started_total{protocol="frago"}'),
      completed: moved('frago_uploads_completed_total{protocol="frago"}'),
      aborted: moved('frago_uploads_aborted_total{protocol="frago"}'),
      failed: moved('frago_uploads_failed_total{protocol="frago"}'),
      expired: moved('frago_uploads_expired_total{protocol="frago"}'),
      bytes: moved('frago_received_bytes_total{protocol="frago"}'),
      chunks200: moved('frago_chunk_duration_seconds_count{protocol="frago",status="200"}'),
      chunks500: moved('frago_chunk_duration_seconds_count{protocol="frago",status="500"}'),
      finalized: moved('frago_finalize_duration_seconds_count{protocol="frago",status="201"}'),
      lagObserved: moved('frago_checksum_lag_bytes_count{protocol="frago"}'),
      storageWriteErrors: moved('frago_storage_errors_total{method="write"}'),
      liveClaims: after.get('frago_live_claims{protocol="frago"}'),
    }).toEqual({
      started: 3,
      completed: 1,
      aborted: 1,
      failed: 0,
      expired: 0,
      bytes: 300_000,
      chunks200: 4,
      chunks500: 1,
      finalized: 1,
      lagObserved: 3,
      storageWriteErrors: 1,
      liveClaims: 0,
    });
    expect(after.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts a finalize that finds another checksum as a failed upload', async () => {
    const before = await scrape();
    const started = (await (await json('POST', '/', { filename: 'd.bin', total_size: 3 })).json()) as { upload_id: string };
    expect((await put(started.upload_id, new Uint8Array([1, 2, 3]), 0, 2)).status).toBe(200);
    expect((await json('POST', `/${started.upload_id}/`, { checksum: '0'.repeat(32) })).status).toBe(422);
    const after = await scrape();
    expect((after.get('frago_uploads_failed_total{protocol="frago"}') ?? 0) - (before.get('frago_uploads_failed_total{protocol="frago"}') ?? 0)).toBe(1);
    expect(after.get('frago_finalize_duration_seconds_count{protocol="frago",status="422"}')).toBe(1);
  });
});

describe('Prometheus metrics of tus uploads', () => {
  const prometheus = prometheusInstrumentation({ processMetrics: false });
  const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), instrumentation: prometheus, tus: true });
  const api = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ origin, close } = await listen(createServer((req, res) => void api(req, res))));
  });
  afterAll(() => close());

  const tus = (method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array) =>
    fetch(`${origin}${path}`, { method, body, headers: { 'tus-resumable': '1.0.0', ...headers } });
  const patch = (id: string, offset: number, bytes: Uint8Array) =>
    tus('PATCH', `/files/${id}`, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, bytes);

  it('labels the uploads, bytes and chunks of tus with protocol="tus"', async () => {
    const created = await tus('POST', '/files/', { 'upload-length': '10' });
    const id = created.headers.get('location')?.split('/').pop() ?? '';
    expect((await patch(id, 0, new Uint8Array(6))).status).toBe(204);
    expect((await patch(id, 6, new Uint8Array(4))).status).toBe(204);
    const other = (await tus('POST', '/files/', { 'upload-length': '5' })).headers.get('location')?.split('/').pop() ?? '';
    expect((await tus('DELETE', `/files/${other}`)).status).toBe(204);

    const metrics = samples(await prometheus.registry.metrics());
    expect({
      started: metrics.get('frago_uploads_started_total{protocol="tus"}'),
      completed: metrics.get('frago_uploads_completed_total{protocol="tus"}'),
      aborted: metrics.get('frago_uploads_aborted_total{protocol="tus"}'),
      bytes: metrics.get('frago_received_bytes_total{protocol="tus"}'),
      chunks204: metrics.get('frago_chunk_duration_seconds_count{protocol="tus",status="204"}'),
      liveClaims: metrics.get('frago_live_claims{protocol="tus"}'),
      fragoStarted: metrics.get('frago_uploads_started_total{protocol="frago"}'),
    }).toEqual({ started: 2, completed: 1, aborted: 1, bytes: 10, chunks204: 2, liveClaims: 0, fragoStarted: undefined });
  });
});
