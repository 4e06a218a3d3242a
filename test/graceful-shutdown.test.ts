import { createServer, type RequestListener } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GracefulShutdown } from '../examples/default-server/src/shutdown.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server whose responses send their headers at once and finish after `ms`. */
async function slowServer(ms: number, settled: () => Promise<void> = async () => undefined) {
  const server = createServer();
  const graceful = new GracefulShutdown(server, { graceMs: 400, settled, settleMs: 1000 });
  const app: RequestListener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started ');
    setTimeout(() => res.end('done'), ms);
  };
  server.on('request', graceful.listener(app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { graceful, port };
}

describe('GracefulShutdown (the default server\'s)', () => {
  it('answers a request that still arrives on an open connection with 503 SHUTTING_DOWN and closes it', async () => {
    const { graceful, port } = await slowServer(200);
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (piece: Buffer) => (received += piece.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!received.includes('started')) await sleep(5);
    const stopping = graceful.shutdown();
    socket.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(await stopping).toEqual({ abandoned: 0 });
    expect(received).toContain('done');
    const second = received.slice(received.indexOf('HTTP/1.1', 10));
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second.toLowerCase()).toContain('retry-after: 1');
    expect(second).toContain('"error":"SHUTTING_DOWN"');
  });

  it('closes what still runs after the grace period, then waits for the application to settle', async () => {
    let settledAt = 0;
    const { graceful, port } = await slowServer(60_000, async () => {
      await sleep(100);
      settledAt = Date.now();
    });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (piece: Buffer) => (received += piece.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /forever HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!received.includes('started')) await sleep(5);
    const report = await graceful.shutdown();
    expect(report).toEqual({ abandoned: 1 });
    await closed;
    expect(received).not.toContain('done');
    expect(settledAt).toBeGreaterThan(0);
  });
});
