import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, uploadFile } from '@frago/conformance';
import { bun, deno } from './support/runtimes.js';
import { ROOT, startServerProcess, type ServerProcessArgs } from './support/server-process.js';

/**
 * Starts an example's server as its own process (its build output on Node, unless
 * `script` and a runtime are given), uploads a file through it and stops it.
 */
async function uploadThroughExample(example: string, env: Record<string, string> = {}, script = 'dist/server.js', run: ServerProcessArgs = {}): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), `frago-${example}-`));
  const server = await startServerProcess(
    join(ROOT, 'examples', example, script),
    { PORT: '0', HOST: '127.0.0.1', FRAGO_DATA_DIR: dataDir, ...env },
    run,
  );
  try {
    const bytes = new Uint8Array(randomBytes(300_000));
    const done = await uploadFile(`${server.origin}/upload`, bytes, { filename: 'photo.jpg', chunkSize: 100_000 });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    const stored = await readFile(join(dataDir, 'assembled', `${done.id}-photo.jpg`));
    expect(stored.equals(bytes)).toBe(true);
    expect(await server.stop('SIGTERM'), server.output()).toBe(0);
  } finally {
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('the example servers, started as a user starts them', () => {
  it('fastify-postgres completes an upload into PostgreSQL and disk', async () => {
    const database = await createTestDatabase();
    try {
      await uploadThroughExample('fastify-postgres', { DATABASE_URL: database.clientUrl, LOG_LEVEL: 'warn' });
    } finally {
      await database.drop();
    }
  });

  it('h3-server completes an upload into SQLite and disk', async () => {
    await uploadThroughExample('h3-server');
  });

  it('nestjs-server completes an upload into SQLite and disk', async () => {
    await uploadThroughExample('nestjs-server');
  });

  it('bun-server, run by Bun, completes an upload to disk', async () => {
    await uploadThroughExample('bun-server', {}, 'src/server.ts', { command: bun().binary });
  });

  it('deno-server, run by Deno offline as its start task does, completes an upload to disk', async () => {
    const flags = ['--cached-only', '--allow-net', '--allow-env', '--allow-read', '--allow-write'];
    await uploadThroughExample('deno-server', {}, 'src/server.ts', {
      command: deno().binary,
      nodeArgs: ['run', `--config=${join(ROOT, 'examples/deno-server/deno.json')}`, ...flags],
    });
  });

  it('custom-server (plain node:http) completes an upload to disk', async () => {
    await uploadThroughExample('custom-server');
  });

  it('hono-server (the Fetch handler on @hono/node-server) completes an upload to disk', async () => {
    await uploadThroughExample('hono-server');
  });
});
