// The baseline: a bare streaming upload server with no database, no checks and no
// checksum. POST creates a preallocated file, PUT streams its body to the offset of
// its Content-Range, POST /:id/ answers at once.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { answerCpuQuestions } from './cpu-answer.js';

const dataDir = process.argv[2] ?? '.';
const sizes = new Map<string, number>();

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const piece of req) text += String(piece);
  return JSON.parse(text) as Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = /^\/upload\/([^/]+)\/?$/.exec(req.url ?? '')?.[1];
  if (req.method === 'POST' && id === undefined) {
    const { total_size: size } = await readJson(req);
    const uploadId = randomUUID();
    const file = await open(join(dataDir, uploadId), 'w');
    await file.truncate(Number(size));
    await file.close();
    sizes.set(uploadId, Number(size));
    return reply(res, 201, { status: true, upload_id: uploadId });
  }
  if (req.method === 'PUT' && id !== undefined) {
    const [, start] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '') ?? [];
    await pipeline(req, createWriteStream(join(dataDir, id), { flags: 'r+', start: Number(start) }));
    return reply(res, 200, { status: true });
  }
  if (req.method === 'POST' && id !== undefined) {
    req.resume();
    return reply(res, 201, { status: true, upload_id: id, location: join(dataDir, id) });
  }
  reply(res, 404, { status: false });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => reply(res, 500, { status: false }));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`bare listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
answerCpuQuestions();
process.once('SIGTERM', () => server.close(() => process.exit(0)));
