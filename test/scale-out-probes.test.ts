import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleOutS3Target, type ScaleOutTarget } from './support/scale-out-target.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(origin: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('a scale-out process (PostgreSQL and S3) behind a load balancer', () => {
  let cluster: ScaleOutTarget;

  beforeAll(async () => {
    cluster = await scaleOutS3Target(1, { FRAGO_DRAIN_DELAY_MS: '1500' });
    await cluster.start();
  });
  afterAll(() => cluster?.stop());

  it('is ready when PostgreSQL and the bucket answer, answers draining after SIGTERM while it still serves, then exits', async () => {
    const origin = cluster.origin();
    expect(await probe(origin, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(origin, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { repository: 'ok', storage: 'ok' } } });
    const openApi = await probe(origin, '/openapi.json');
    expect({ status: openApi.status, openapi: (openApi.body as { openapi?: string }).openapi }).toEqual({ status: 200, openapi: '3.1.0' });

    const [pid] = cluster.pids();
    process.kill(pid as number, 'SIGTERM');
    await sleep(300);
    expect(await probe(origin, '/readyz')).toEqual({ status: 503, body: { status: 'draining' } });
    expect(await probe(origin, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    const served = await fetch(`${origin}/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'late.txt', total_size: 1 }),
    });
    expect(served.status).toBe(201);
    const [exit] = await cluster.exited();
    expect(exit?.code).toBe(0);
    expect(exit?.output).toContain('"msg":"SIGTERM: draining"');
  });
});
