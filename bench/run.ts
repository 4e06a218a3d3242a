// `pnpm bench`: frago against a bare streaming server, on loopback, in one run.
// Settings (environment): BENCH_RUNS (3), BENCH_BIG_MIB (1024), BENCH_HUGE_MIB (4096),
// BENCH_SMALL_COUNT (2000), BENCH_MANY_CHUNKS (16384), BENCH_WORKLOADS (w1,w3,w2,w5: which to run),
// BENCH_TARGETS (comma-separated names of the targets to run besides the bare server; all when unset).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DRIVERS, benchDatabase, type BenchDriver } from './lib/databases.js';
import { uploadFile } from './lib/client.js';
import { md5File, randomFile } from './lib/files.js';
import { md5SecondsPerGiB } from './lib/hash-cost.js';
import { startServer, type ServerProcess } from './lib/process.js';
import { median, printTable } from './lib/table.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RUNS = env('BENCH_RUNS', 3);
const BIG = env('BENCH_BIG_MIB', 1024) * MiB;
const HUGE = env('BENCH_HUGE_MIB', 4096) * MiB;
const SMALL_COUNT = env('BENCH_SMALL_COUNT', 2000);
const SMALL_SIZE = 64 * 1024;
const MANY_CHUNKS = env('BENCH_MANY_CHUNKS', 16384);
const MANY_CHUNK_SIZE = 16 * 1024;
const WORKLOADS = new Set((process.env.BENCH_WORKLOADS ?? 'w1,w3,w2,w5').split(','));
const TARGETS = process.env.BENCH_TARGETS?.split(',') ?? null;
/** The targets BENCH_TARGETS keeps; the bare server always stays, every ratio is against it. */
const chosen = (targets: Target[]): Target[] =>
  targets.filter((target) => target === bare || TARGETS === null || TARGETS.includes(target.name));

interface Target {
  readonly name: string;
  readonly script: string;
  readonly args: (dataDir: string, databaseTarget: string) => string[];
  readonly env?: Record<string, string>;
  /** The SQL driver the target keeps its rows with. */
  readonly driver?: BenchDriver;
  /** Whether the server answers SIGUSR2 with its heap after a full collection (frago's do). */
  readonly reportsHeap?: boolean;
  /** Where the target keeps an upload's finished file. */
  readonly fileOf: (dataDir: string, id: string) => string;
}

const fragoFile = (dataDir: string, id: string) => join(dataDir, 'assembled', `${id}-bench.bin`);
interface FragoSettings {
  readonly fsync?: 'chunk' | 'none';
  /** Where whole-file checksums are computed: a worker thread (the default server's choice) or the request's thread. */
  readonly hashing?: 'thread' | 'in-thread';
  /** With a pino logger (a line per request, to a file) and Prometheus metrics, as the default server runs. */
  readonly observed?: boolean;
}
const frago = (adapter: string, database: BenchDriver, settings: FragoSettings = {}): Target => {
  const { fsync = 'chunk', hashing = 'thread', observed = false } = settings;
  const notes = [fsync === 'none' ? 'fsync none' : '', hashing === 'in-thread' ? 'hashing in-thread' : '', observed ? 'logs + metrics' : ''].filter(Boolean);
  return {
    name: `${adapter} + ${database} + disk${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`,
    script: new URL('./servers/frago.js', import.meta.url).pathname,
    args: (dataDir, target) => [adapter, database, dataDir, target],
    env: { FRAGO_FSYNC: fsync, FRAGO_HASHING: hashing, FRAGO_OBSERVED: observed ? '1' : '0' },
    driver: database,
    reportsHeap: true,
    fileOf: fragoFile,
  };
};
const bare: Target = { name: 'bare node:http', script: new URL('./servers/bare.js', import.meta.url).pathname, args: (dataDir) => [dataDir], fileOf: (dir, id) => join(dir, id) };

/** A fresh server on a fresh data folder (and database) for each run. */
async function withServer<T>(target: Target, run: (server: ServerProcess, dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'frago-bench-'));
  const database = target.driver === undefined ? undefined : await benchDatabase(target.driver, dataDir);
  const server = await startServer(target.script, target.args(dataDir, database?.target ?? ''), target.env);
  try {
    return await run(server, dataDir);
  } finally {
    await server.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Checks, outside the timing, that the target stored the upload byte for byte. */
async function verifyStored(target: Target, dataDir: string, id: string, md5: string): Promise<void> {
  if ((await md5File(target.fileOf(dataDir, id))) !== md5) throw new Error(`${target.name}: stored file differs from the source`);
}

interface BigRun {
  /** Resident memory of the server after start, before the upload. */
  readonly idleRss: number;
  readonly mbps: number;
  readonly finalizeMs: number;
  readonly cpuPerGiB: number;
  readonly peakRss: number;
  /** The server's V8 heap in use after a full collection, once the upload is complete; null for the bare server. */
  readonly heapAfterGc: number | null;
}

async function bigUpload(target: Target, file: string, size: number, md5: string, checksum: boolean): Promise<BigRun> {
  return withServer(target, async (server, dataDir) => {
    const idleRss = (await server.memory()).current;
    const cpuBefore = await server.cpuSeconds();
    const timing = await uploadFile(`${server.origin}/upload`, { path: file }, size, {
      chunkSize: 8 * MiB,
      parallel: 4,
      checksum: checksum ? md5 : undefined,
    });
    const cpu = (await server.cpuSeconds()) - cpuBefore;
    const { peak } = await server.memory();
    const heapAfterGc = target.reportsHeap === true ? await server.heapAfterGc() : null;
    await verifyStored(target, dataDir, timing.id, md5);
    return { idleRss, mbps: size / MiB / (timing.totalMs / 1000), finalizeMs: timing.finalizeMs, cpuPerGiB: (cpu * GiB) / size, peakRss: peak, heapAfterGc };
  });
}

interface SmallRun {
  readonly perSecond: number;
  /** Server CPU milliseconds per upload. */
  readonly cpuMs: number;
}

async function smallUploads(target: Target, source: Buffer): Promise<SmallRun> {
  return withServer(target, async (server, dataDir) => {
    const api = `${server.origin}/upload`;
    const runBatch = async (count: number) => {
      const ids: Array<{ id: string; index: number }> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let index = next++; index < count; index = next++) {
            const data = source.subarray(index * SMALL_SIZE, (index + 1) * SMALL_SIZE);
            const { id } = await uploadFile(api, { data }, SMALL_SIZE, { chunkSize: SMALL_SIZE, parallel: 1 });
            ids.push({ id, index });
          }
        }),
      );
      return ids;
    };
    await runBatch(Math.min(200, SMALL_COUNT));
    const cpuBefore = await server.cpuSeconds();
    const began = performance.now();
    const ids = await runBatch(SMALL_COUNT);
    const perSecond = SMALL_COUNT / ((performance.now() - began) / 1000);
    const cpuMs = (((await server.cpuSeconds()) - cpuBefore) * 1000) / SMALL_COUNT;
    for (const { id, index } of ids) {
      const stored = await readFile(target.fileOf(dataDir, id));
      if (!stored.equals(source.subarray(index * SMALL_SIZE, (index + 1) * SMALL_SIZE))) {
        throw new Error(`${target.name}: small upload ${id} differs from its source`);
      }
    }
    return { perSecond, cpuMs };
  });
}

function bigRow(target: Target, runs: BigRun[], bareMbps: number): string[] {
  const mbps = median(runs.map((run) => run.mbps));
  return [
    target.name,
    mbps.toFixed(0),
    (mbps / bareMbps).toFixed(2),
    median(runs.map((run) => run.finalizeMs)).toFixed(0),
    median(runs.map((run) => run.cpuPerGiB)).toFixed(2),
    (median(runs.map((run) => run.peakRss)) / MiB).toFixed(0),
  ];
}

async function repeat<T>(run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < RUNS; i += 1) results.push(await run());
  return results;
}

/** W1 (throughput) and W4 (finalize latency): one big file through each target. */
async function bigFileWorkload(work: string): Promise<void> {
  const file = await randomFile(work, BIG);
  const md5 = await md5File(file);
  const targets = chosen([
    bare,
    frago('express', 'sqlite'),
    frago('express', 'sqlite', { observed: true }),
    frago('express', 'sqlite', { hashing: 'in-thread' }),
    frago('express', 'sqlite', { fsync: 'none' }),
    frago('express', 'postgresql'),
    frago('fastify', 'sqlite'),
    frago('h3', 'sqlite'),
  ]);
  console.log(`W1/W4: ${BIG / MiB} MiB, 8 MiB chunks, 4 in parallel, md5 verified at finalize; median of ${RUNS} runs`);
  const results: Array<[Target, BigRun[]]> = [];
  for (const target of targets) results.push([target, await repeat(() => bigUpload(target, file, BIG, md5, target !== bare))]);
  const bareMbps = median(results[0]![1].map((run) => run.mbps));
  printTable(
    ['target', 'MB/s', 'x bare', 'finalize ms', 'CPU s/GiB', 'peak RSS MB'],
    results.map(([target, runs]) => bigRow(target, runs, bareMbps)),
  );
  console.log(`md5 alone (hash-wasm, one thread) costs ${(await md5SecondsPerGiB()).toFixed(2)} CPU s/GiB on this machine.`);
}

/** W3: peak server memory for a big and a four times bigger file. */
async function memoryWorkload(work: string): Promise<void> {
  const target = frago('express', 'sqlite');
  const rows: string[][] = [];
  const peaks: number[] = [];
  for (const size of [BIG, HUGE]) {
    const file = await randomFile(work, size);
    const run = await bigUpload(target, file, size, await md5File(file), true);
    peaks.push(run.peakRss);
    const heap = run.heapAfterGc === null ? 'n/a' : (run.heapAfterGc / MiB).toFixed(1);
    rows.push([`${size / MiB} MiB`, (run.idleRss / MiB).toFixed(1), (run.peakRss / MiB).toFixed(1), heap, run.mbps.toFixed(0)]);
    await rm(file);
  }
  rows.push(['difference', '', (((peaks[1] ?? 0) - (peaks[0] ?? 0)) / MiB).toFixed(1), '', '']);
  console.log(`\nW3: peak RSS of ${target.name} (idle it holds the modules: Express, MikroORM, SQLite)`);
  printTable(['file', 'idle RSS MB', 'peak RSS MB', 'heap after GC MB', 'MB/s'], rows);
}

/** W2: many small uploads, each start + one chunk + finalize. */
async function smallFilesWorkload(work: string): Promise<void> {
  const file = await randomFile(work, SMALL_COUNT * SMALL_SIZE);
  const source = await readFile(file);
  const targets = chosen([
    bare,
    ...BENCH_DRIVERS.map((driver) => frago('express', driver)),
    frago('express', 'sqlite', { observed: true }),
    frago('express', 'sqlite', { fsync: 'none' }),
    frago('express', 'postgresql', { fsync: 'none' }),
  ]);
  console.log(`\nW2: ${SMALL_COUNT} uploads of 64 KiB (start, one chunk, finalize), 16 at a time, after a warm-up; median of ${RUNS} runs`);
  const rows: Array<[string, number, number]> = [];
  for (const target of targets) {
    const runs = await repeat(() => smallUploads(target, source));
    rows.push([target.name, median(runs.map((run) => run.perSecond)), median(runs.map((run) => run.cpuMs))]);
  }
  const bareRate = rows[0]![1];
  printTable(
    ['target', 'uploads/s', 'x bare', 'server CPU ms/upload'],
    rows.map(([name, rate, cpuMs]) => [name, rate.toFixed(0), (rate / bareRate).toFixed(2), cpuMs.toFixed(2)]),
  );
}

interface ManyChunksRun {
  /** Milliseconds per chunk over the second eighth of the chunks (the first warms up) and over the last. */
  readonly earlyMs: number;
  readonly lastMs: number;
  readonly totalMs: number;
}

async function manyChunks(target: Target, file: string, md5: string): Promise<ManyChunksRun> {
  return withServer(target, async (server, dataDir) => {
    const done: number[] = [];
    const timing = await uploadFile(`${server.origin}/upload`, { path: file }, MANY_CHUNKS * MANY_CHUNK_SIZE, {
      chunkSize: MANY_CHUNK_SIZE,
      parallel: 4,
      checksum: target === bare ? undefined : md5,
      onChunk: () => done.push(performance.now()),
    });
    await verifyStored(target, dataDir, timing.id, md5);
    const eighth = Math.floor(MANY_CHUNKS / 8);
    return {
      earlyMs: (done[2 * eighth]! - done[eighth]!) / eighth,
      lastMs: (done[done.length - 1]! - done[done.length - 1 - eighth]!) / eighth,
      totalMs: timing.totalMs,
    };
  });
}

/** W5: one upload of many small chunks; a chunk late in the upload should cost what an early one does. */
async function manyChunksWorkload(work: string): Promise<void> {
  const file = await randomFile(work, MANY_CHUNKS * MANY_CHUNK_SIZE);
  const md5 = await md5File(file);
  const targets = [bare, ...BENCH_DRIVERS.map((driver) => frago('express', driver))];
  console.log(`\nW5: ${MANY_CHUNKS} chunks of 16 KiB in one upload, 4 in parallel, md5 verified; one run each`);
  const rows: string[][] = [];
  for (const target of targets) {
    const run = await manyChunks(target, file, md5);
    rows.push([target.name, run.earlyMs.toFixed(2), run.lastMs.toFixed(2), (run.lastMs / run.earlyMs).toFixed(2), (run.totalMs / 1000).toFixed(1)]);
  }
  printTable(['target', 'ms/chunk, 2nd 1/8', 'ms/chunk, last 1/8', 'last / 2nd', 'upload s'], rows);
  await rm(file);
}

async function main(): Promise<void> {
  const began = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'frago-bench-files-'));
  try {
    if (WORKLOADS.has('w1')) await bigFileWorkload(work);
    if (WORKLOADS.has('w3')) await memoryWorkload(work);
    if (WORKLOADS.has('w2')) await smallFilesWorkload(work);
    if (WORKLOADS.has('w5')) await manyChunksWorkload(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`\nbench took ${((performance.now() - began) / 1000).toFixed(0)} s`);
}

await main();
