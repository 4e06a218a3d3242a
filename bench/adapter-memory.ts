// How much memory a server process needs to stream one large chunk to disk, under each
// adapter and under a bare `req.pipe(file)` server for reference. Each row is its own
// server process; its peak resident set (VmHWM in /proc/PID/status) is read after a
// warm-up chunk (which lets V8's young generation grow to its working size, as in any
// server that has run for a while) and again after the large chunk. Bytes stream from
// the socket to the storage, so the peak should grow by a few MiB at most, whatever the
// chunk size.
//
//   pnpm bench:memory                            # one 512 MiB chunk per row, after 64 MiB
//   CHUNK_MIB=1024 WARMUP_MIB=8 pnpm bench:memory
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../test/support/server-process.js';
import { BENCH_SERVERS, type BenchServerName } from './adapter-servers.js';

const MiB = 1024 ** 2;
const chunkBytes = Number(process.env.CHUNK_MIB ?? 512) * MiB;
const warmupBytes = Number(process.env.WARMUP_MIB ?? 64) * MiB;
const serverScript = fileURLToPath(new URL('./adapter-memory-server.ts', import.meta.url));
const piece = randomBytes(MiB);

/** Resident and peak resident memory of a process, in MiB, as Linux accounts them. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => {
    throw new Error('This benchmark reads /proc/PID/status: it runs on Linux only');
  });
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Sends `size` bytes as one request body, written piece by piece as the socket drains. */
function streamBody(url: string, method: string, headers: Record<string, string>, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(size) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => (body += text));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const write = (): void => {
      while (sent < size) {
        const length = Math.min(MiB, size - sent);
        sent += length;
        if (!req.write(piece.subarray(0, length))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

/** Uploads one chunk of `size` bytes: through the frago API, or as a plain PUT for the bare row. */
async function sendChunk(origin: string, bare: boolean, size: number): Promise<void> {
  if (bare) {
    const { status } = await streamBody(`${origin}/bare`, 'PUT', {}, size);
    if (status !== 200) throw new Error(`bare server answered ${status}`);
    return;
  }
  const started = await fetch(`${origin}/upload/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'big.bin', total_size: size }),
  });
  const { upload_id: id } = (await started.json()) as { upload_id: string };
  const headers = { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${size - 1}/${size}` };
  const sent = await streamBody(`${origin}/upload/${id}/`, 'PUT', headers, size);
  if (sent.status !== 200) throw new Error(`chunk answered ${sent.status}: ${sent.body}`);
}

async function measure(name: BenchServerName) {
  const dataDir = await mkdtemp(join(tmpdir(), 'frago-bench-memory-'));
  const server = await startServerProcess(serverScript, { FRAGO_DATA_DIR: dataDir }, { nodeArgs: process.execArgv, args: [name] });
  try {
    const pid = server.child.pid ?? NaN;
    const bare = name === 'bare node:http pipe';
    const idle = await memoryOf(pid);
    await sendChunk(server.origin, bare, warmupBytes);
    const before = await memoryOf(pid);
    const started = performance.now();
    await sendChunk(server.origin, bare, chunkBytes);
    const seconds = (performance.now() - started) / 1000;
    const after = await memoryOf(pid);
    return { name, idle, before, after, throughput: chunkBytes / MiB / seconds };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const rows = [];
for (const name of Object.keys(BENCH_SERVERS) as BenchServerName[]) rows.push(await measure(name));

const mib = (value: number) => `${value.toFixed(1)} MiB`;
console.log(`\nOne ${chunkBytes / MiB} MiB chunk streamed to disk storage after a ${warmupBytes / MiB} MiB warm-up, per server process (Node ${process.version}):\n`);
console.table(
  rows.map(({ name, idle, before, after, throughput }) => ({
    server: name,
    'peak RSS idle': mib(idle.peak),
    'peak RSS after warm-up': mib(before.peak),
    'peak RSS after chunk': mib(after.peak),
    'growth by the chunk': mib(after.peak - before.peak),
    'RSS after': mib(after.rss),
    'MiB/s': Math.round(throughput),
  })),
);
