// `pnpm bench:syscalls`: what one one-request upload (the draft's POST with
// `Upload-Complete: ?1`, 64 KiB) costs frago in system calls and, on PostgreSQL, in
// transactions. The bench's own frago server (SQLite and PostgreSQL, disk place) takes a
// warm-up, then strace counts every system call of all its threads during
// BENCH_SMALL_COUNT uploads, 16 at a time; PostgreSQL's own count of the server
// database's commits is read before and after. Needs strace; Linux only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { randomFile } from './lib/files.js';
import { DISK } from './lib/places.js';
import { SMALL_COUNT, SMALL_SIZE } from './lib/settings.js';
import { printTable } from './lib/table.js';
import type { ServerProcess } from './lib/process.js';
import { withServer } from './lib/target-run.js';
import { frago, type Target } from './lib/targets.js';

const CONCURRENCY = 16;
const TARGETS = [frago('express', 'sqlite', { oneRequest: true }), frago('express', 'postgresql', { oneRequest: true })];
/** The calls worth naming; every other one is summed in `other`. */
const NAMED = ['fdatasync', 'fsync', 'openat', 'close', 'mkdir', 'link', 'unlink', 'rename', 'statx', 'newfstatat', 'fstat', 'ftruncate', 'pwritev', 'pwrite64', 'pread64', 'read', 'write', 'writev', 'epoll_wait', 'futex'];

/** Counts the system calls of every thread of `pid` while `work` runs (strace -c, attached to each thread). */
async function countCalls(pid: number, work: () => Promise<void>): Promise<Map<string, number>> {
  const threads = await readdir(`/proc/${pid}/task`);
  const strace = spawn('strace', ['-c', '-f', ...threads.flatMap((tid) => ['-p', tid])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  strace.stderr.on('data', (piece: Buffer) => (report += piece.toString()));
  // strace says nothing once attached; give it a moment to stop every thread once.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await work();
  strace.kill('SIGINT');
  await once(strace, 'exit');
  const calls = new Map<string, number>();
  for (const line of report.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // % time, seconds, usecs/call, calls, [errors], syscall
    const name = fields.at(-1);
    const count = Number(fields[3]);
    if (name !== undefined && fields.length >= 5 && Number.isFinite(count) && /^[a-z_0-9]+$/.test(name) && name !== 'total') calls.set(name, count);
  }
  return calls;
}

/** Commits PostgreSQL counted for the database the server at `pid` was given on its command line. */
async function commits(pid: number): Promise<number | null> {
  const url = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').find((arg) => arg.startsWith('postgresql://'));
  if (url === undefined) return null;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The statistics collector lags; clear this backend's snapshot and read the shared counters.
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ xact_commit: string }>('select xact_commit from pg_stat_database where datname = current_database()');
    return Number(rows[0]?.xact_commit ?? 0);
  } finally {
    await client.end();
  }
}

async function uploads(target: Target, server: ServerProcess, source: Buffer, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let index = next++; index < count; index = next++) {
        await target.upload(server.origin, { data: source.subarray(index * SMALL_SIZE, (index + 1) * SMALL_SIZE) }, SMALL_SIZE, { chunkSize: SMALL_SIZE, parallel: 1 });
      }
    }),
  );
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(DISK.root, 'frago-syscalls-'));
  const source = await readFile(await randomFile(work, SMALL_COUNT * SMALL_SIZE));
  const columns: Array<Map<string, string>> = [];
  try {
    for (const target of TARGETS) {
      await withServer(target, DISK, async (server) => {
        const pid = server.child.pid ?? 0;
        await uploads(target, server, source, Math.min(200, SMALL_COUNT));
        const before = await commits(pid);
        const calls = await countCalls(pid, () => uploads(target, server, source, SMALL_COUNT));
        // The counters reach pg_stat_database shortly after the transactions.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const after = await commits(pid);
        const per = (count: number) => (count / SMALL_COUNT).toFixed(1);
        const column = new Map(NAMED.map((name) => [name, per(calls.get(name) ?? 0)]));
        column.set('other', per([...calls].filter(([name]) => !NAMED.includes(name)).reduce((sum, [, count]) => sum + count, 0)));
        column.set('PostgreSQL commits', before === null || after === null ? 'n/a' : per(after - before));
        columns.push(column);
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`Per upload: system calls of all the server's threads, and PostgreSQL's commits; ${SMALL_COUNT} one-request uploads of 64 KiB, ${CONCURRENCY} at a time, disk`);
  const names = ['PostgreSQL commits', ...NAMED, 'other'];
  printTable(['per upload', ...TARGETS.map((target) => target.name)], names.map((name) => [name, ...columns.map((column) => column.get(name) ?? '')]));
}

await main();
