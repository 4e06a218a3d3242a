// `pnpm bench`: frago against two anchors, a bare streaming server and @tus/server, on
// loopback, in one run; W1 and W2 both on disk and in memory (tmpfs); W1 direct against
// the plain AWS SDK on the local S3 server; at the end, every target against what was
// measured. By default only the rows the targets need (`pnpm bench:full`: all of them).
// Settings are in lib/settings.ts and lib/places.ts; docs/benchmarks.md says how to read
// the tables.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { benchPlaces, DISK, type Place } from './lib/places.js';
import { printGoals } from './lib/goals.js';
import { RUNS, SCOPE, WORKLOADS } from './lib/settings.js';
import { bigFileWorkload } from './workloads/big-file.js';
import { directS3Workload } from './workloads/direct-s3.js';
import { manyChunksWorkload } from './workloads/many-chunks.js';
import { memoryWorkload } from './workloads/memory.js';
import { smallFilesWorkload } from './workloads/small-files.js';

async function main(): Promise<void> {
  const began = performance.now();
  const places = await benchPlaces();
  // One folder per place for the source files the client reads, made when first needed.
  const works = new Map<Place, string>();
  const workIn = async (place: Place) => {
    const existing = works.get(place);
    if (existing !== undefined) return existing;
    const made = await mkdtemp(join(place.root, 'frago-bench-files-'));
    works.set(place, made);
    return made;
  };
  // Each workload's own time, so a long `pnpm bench` shows which one to shorten.
  const run = async (name: string, workload: () => Promise<void>) => {
    if (!WORKLOADS.has(name)) return;
    const started = performance.now();
    await workload();
    console.log(`(${name} took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  };
  console.log(`scope ${SCOPE} (BENCH_SCOPE), ${RUNS} runs per row (BENCH_RUNS)\n`);
  try {
    await run('w1', () => bigFileWorkload(places, workIn));
    await run('w1-direct', async () => directS3Workload(await workIn(DISK)));
    await run('w3', async () => memoryWorkload(await workIn(DISK)));
    await run('w2', () => smallFilesWorkload(places, workIn));
    await run('w5', async () => manyChunksWorkload(await workIn(DISK)));
  } finally {
    for (const work of works.values()) await rm(work, { recursive: true, force: true });
  }
  printGoals();
  console.log(`\nbench took ${((performance.now() - began) / 1000).toFixed(0)} s`);
}

await main();
