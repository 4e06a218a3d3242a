/**
 * 1 GiB upload to the local S3 server: through frago (HTTP, S3 storage, four chunks at a
 * time, chunks aligned with the parts), and in direct mode (the client PUTs each part to
 * a presigned URL frago hands out, frago signs and keeps count), next to a plain SDK
 * multipart upload of the same file with the same part size and parallelism, in the same
 * run. The frago client runs in a worker thread, so that it does not share the server's
 * event loop, and the server's CPU is its thread's alone (`process.threadCpuUsage`).
 *
 *   pnpm bench:s3            (FRAGO_BENCH_MIB=256 for a quicker run, FRAGO_BENCH_ROWS=direct for some rows)
 *
 * Starts the S3 server with scripts/s3.sh unless FRAGO_TEST_S3_ENDPOINT names one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ANONYMOUS, createFrago, MemoryRepository, type ChecksumOptions } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { S3Storage } from '@frago/storage-s3';
import { inParallel, plainSdkUpload, s3Client, s3Endpoint } from './lib/s3.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.FRAGO_BENCH_MIB ?? 1024) * MiB;
const PART = 8 * MiB;
const PARALLEL = 4;
const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
const s3Agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
let s3Origin = 'http://s3.invalid';

async function makeFile(path: string): Promise<string> {
  const handle = await open(path, 'w');
  const hash = createHash('md5');
  for (let written = 0; written < SIZE; written += 64 * MiB) {
    const block = randomBytes(Math.min(64 * MiB, SIZE - written));
    hash.update(block);
    await handle.write(block);
  }
  await handle.close();
  return hash.digest('hex');
}

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    return buffer;
  } finally {
    await handle.close();
  }
}

function plainSdk(client: S3Client, bucket: string, path: string): Promise<number> {
  return plainSdkUpload(client, bucket, 'plain.bin', path, SIZE, { partSize: PART, parallel: PARALLEL });
}

async function throughFrago(
  client: S3Client,
  bucket: string,
  path: string,
  checksum: Partial<ChecksumOptions>,
  md5: string,
  direct = false,
): Promise<number> {
  const storage = new S3Storage({ bucket, client, partSize: PART });
  const frago = createFrago({ repository: new MemoryRepository(), storage, checksum });
  const server = createServer(createNodeListener(frago.handle, { identify: () => ANONYMOUS }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
  try {
    const began = performance.now();
    await inWorker({ api, path, mode: checksum.mode, md5, direct });
    return performance.now() - began;
  } finally {
    server.close();
  }
}

interface ClientJob {
  readonly api: string;
  readonly path: string;
  readonly mode: ChecksumOptions['mode'] | undefined;
  readonly md5: string;
  /** Send the parts straight to the bucket with presigned URLs. */
  readonly direct: boolean;
}

/** Runs {@link uploadClient} in a worker thread and waits for it. */
function inWorker(job: ClientJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', (message: { error?: string }) => (message.error ? reject(new Error(message.error)) : resolve()));
    worker.once('error', reject);
  });
}

/**
 * One PUT with node:http, which writes the buffer as it is; fetch (undici) copies it
 * through web streams and costs this client more CPU than the server spends.
 */
function put(url: string, body: Buffer, headers: Record<string, string | number>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent: url.startsWith(s3Origin) ? s3Agent : agent, headers: { ...headers, 'content-length': body.byteLength } });
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

interface SignedPart {
  readonly part: number;
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** Signs parts as they come up, 32 at a time, as @frago/client does. */
function partUrls(api: string, id: string, count: number): (part: number) => Promise<SignedPart> {
  const batches = new Map<number, Promise<Map<number, SignedPart>>>();
  const batch = 32;
  return async (part) => {
    const first = Math.floor((part - 1) / batch) * batch + 1;
    let signing = batches.get(first);
    if (signing === undefined) {
      const parts = Array.from({ length: Math.min(batch, count - first + 1) }, (_, n) => first + n);
      signing = fetch(`${api}/${id}/parts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parts }) })
        .then((answer) => answer.json() as Promise<{ parts: SignedPart[] }>)
        .then(({ parts: signed }) => new Map(signed.map((entry) => [entry.part, entry])));
      batches.set(first, signing);
    }
    const signed = (await signing).get(part);
    if (signed === undefined) throw new Error(`part ${part} was not signed`);
    return signed;
  };
}

/** The client: starts the upload, sends aligned chunks (or parts, straight to the bucket) four at a time, finalizes. */
async function uploadClient({ api, path, mode, md5, direct }: ClientJob): Promise<void> {
  const started = await fetch(`${api}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: `frago-${mode}.bin`, total_size: SIZE, direct }),
  });
  const answer = (await started.json()) as { upload_id: string; chunk_size: number; direct?: { part_size: number } | null };
  const id = answer.upload_id;
  const chunkSize = direct ? (answer.direct?.part_size ?? 0) : answer.chunk_size;
  if (chunkSize !== PART) throw new Error(`frago proposed ${chunkSize}-byte chunks, not ${PART}`);
  const count = Math.ceil(SIZE / chunkSize);
  const signed = partUrls(api, id, count);
  await inParallel(count, PARALLEL, async (index) => {
    const start = index * chunkSize;
    const length = Math.min(chunkSize, SIZE - start);
    const body = await readRange(path, start, length);
    let status: number;
    if (direct) {
      const part = await signed(index + 1);
      s3Origin = new URL(part.url).origin;
      status = await put(part.url, body, part.headers);
    } else {
      status = await put(`${api}/${id}/`, body, { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${start + length - 1}/${SIZE}` });
    }
    if (status !== 200) throw new Error(`chunk ${index}: ${status}`);
  });
  const done = await fetch(`${api}/${id}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(mode === 'off' ? {} : { checksum: md5 }),
  });
  if (done.status !== 201) throw new Error(`finalize: ${done.status} ${await done.text()}`);
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const object of listed.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
}

if (!isMainThread) {
  uploadClient(workerData as ClientJob).then(
    () => parentPort?.postMessage({}),
    (error: unknown) => parentPort?.postMessage({ error: String(error) }),
  );
} else {
  await main();
}

async function main(): Promise<void> {
  const client = s3Client(s3Endpoint());
  const bucket = `frago-bench-${randomBytes(4).toString('hex')}`;
  const folder = await mkdtemp(join(tmpdir(), 'frago-bench-'));
  const file = join(folder, 'source.bin');
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  try {
    const md5 = await makeFile(file);
    const rate = (ms: number) => `${((SIZE / MiB / ms) * 1000).toFixed(1)} MiB/s (${(ms / 1000).toFixed(2)} s)`;
    const runs: Array<[string, () => Promise<number>]> = [
      ['frago, checksum off', () => throughFrago(client, bucket, file, { mode: 'off' }, md5)],
      ['plain SDK multipart upload', () => plainSdk(client, bucket, file)],
      ['frago, md5 verified at finalize', () => throughFrago(client, bucket, file, { mode: 'optional' }, md5)],
      ['frago direct, checksum off', () => throughFrago(client, bucket, file, { mode: 'off' }, md5, true)],
    ];
    // CPU time of this process (all its threads): on a small machine the extra hop
    // through frago's HTTP server is paid in CPU that the S3 server also needs.
    // FRAGO_BENCH_ROWS=direct runs the rows whose names contain one of the given words, and the plain SDK's.
    const wanted = process.env.FRAGO_BENCH_ROWS?.split(',').filter(Boolean);
    const chosen = runs.filter(([name]) => wanted === undefined || name.startsWith('plain') || wanted.some((word) => name.includes(word)));
    // The main thread's alone: frago's server for the frago rows, the SDK client for the plain one.
    const results = new Map<string, { ms: number; cpu: number; thread: number }>();
    for (const [name, run] of chosen) {
      const before = process.cpuUsage();
      const threadBefore = process.threadCpuUsage();
      const ms = await run();
      const { user, system } = process.cpuUsage(before);
      const thread = process.threadCpuUsage(threadBefore);
      results.set(name, { ms, cpu: (user + system) / 1e6, thread: (thread.user + thread.system) / 1e6 });
      await emptyBucket(client, bucket);
    }
    const plain = results.get('plain SDK multipart upload')?.ms ?? Number.NaN;
    console.log(`${SIZE / MiB} MiB, ${PART / MiB} MiB parts/chunks, ${PARALLEL} in parallel, local Swift s3api`);
    const GiB = SIZE / (1024 * MiB);
    for (const [name, { ms, cpu, thread }] of results) {
      const server = name.startsWith('frago') ? `  server thread CPU: ${(thread / GiB).toFixed(3)} s/GiB` : '';
      console.log(`${name.padEnd(34)} ${rate(ms)}  ratio to plain SDK: ${(plain / ms).toFixed(2)}  Node CPU: ${cpu.toFixed(1)} s${server}`);
    }
  } finally {
    await emptyBucket(client, bucket);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    await rm(folder, { recursive: true, force: true });
  }
}
